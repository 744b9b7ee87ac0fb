/**
 * `commands.json`: the commands the session ran, from the recorder's command records, as a JSON array in
 * time order: `{time, elapsed, command, source?, cwd?, exit_status?, started_at?, finished_at?}`. `time` is the
 * record's time as an ISO 8601 UTC string (the session start plus `elapsed` seconds); the other fields are
 * present when the shell reported them. An exec session's command line is in verify.txt's identity.
 */
import type { CommandRecord, LatchkeyRecord } from '../log-records.js';
import type { SessionLogMetadata } from '../log-metadata.js';
import { textEntry, type OutputEntry } from './output-entry.js';

export const COMMANDS_FILE = 'commands.json';

export interface CommandEntry extends CommandRecord {
  time: string;
  /** Seconds since the session started. */
  elapsed: number;
}

export function listCommands(log: {
  metadata: SessionLogMetadata;
  records: readonly LatchkeyRecord[];
}): CommandEntry[] {
  const start = log.metadata.started_at * 1000;
  return log.records.flatMap((record) => {
    if (record.kind !== 'command') return [];
    const body = record.body;
    return [
      {
        time: new Date(start + Math.floor(record.elapsedMicros / 1000)).toISOString(),
        elapsed: record.elapsedMicros / 1e6,
        command: String(body.command),
        ...(body.source === undefined ? {} : { source: body.source }),
        ...(body.cwd === undefined ? {} : { cwd: body.cwd }),
        ...(body.exit_status === undefined ? {} : { exit_status: body.exit_status }),
        ...(body.started_at === undefined ? {} : { started_at: body.started_at }),
        ...(body.finished_at === undefined ? {} : { finished_at: body.finished_at }),
      },
    ];
  });
}

export function commandsJsonEntry(log: Parameters<typeof listCommands>[0]): OutputEntry {
  return textEntry(COMMANDS_FILE, `${JSON.stringify(listCommands(log), null, 2)}\n`);
}
