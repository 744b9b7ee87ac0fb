/**
 * `latchkey-agent break-glass`: starts or ends a break-glass (domain/recording/break-glass.ts). It writes
 * break-glass.json (root's, what the daemon carries into every recording.json it writes) and puts the same
 * into recording.json at once, so it works while the daemon is down, which is when it is needed.
 */
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { newBreakGlass, type BreakGlass } from '../../domain/recording/break-glass.js';
import type { RecordingStateFiles } from './sync-recording-settings.js';

export interface BreakGlassDeps {
  readonly files: RecordingStateFiles;
  readonly now: () => Date;
  readonly log: (line: string) => void;
}

export async function startBreakGlass(
  deps: BreakGlassDeps,
  durationMs: number,
  reason: string | undefined,
): Promise<BreakGlass> {
  const breakGlass = newBreakGlass(deps.now(), durationMs, reason);
  await deps.files.writeBreakGlass(breakGlass);
  await patchSettings(deps, { until: breakGlass.until, reason: breakGlass.reason });
  deps.log(
    `break-glass started until ${breakGlass.until}: ${breakGlass.reason}. Strict recording lets sessions in ` +
      'while their logs cannot be kept; end it with latchkey-agent break-glass --end',
  );
  return breakGlass;
}

/** True when a break-glass was in place. */
export async function endBreakGlass(deps: BreakGlassDeps): Promise<boolean> {
  const had = (await deps.files.readBreakGlass()) !== undefined;
  await deps.files.removeBreakGlass();
  await patchSettings(deps, undefined);
  deps.log(had ? 'break-glass ended: strict recording applies again' : 'there was no break-glass to end');
  return had;
}

async function patchSettings(
  deps: BreakGlassDeps,
  breakGlass: { until: string; reason: string } | undefined,
): Promise<void> {
  const text = await deps.files.readSettings();
  if (text === undefined) return; // recording is off (or not set up yet): nothing to let through
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(text) as Record<string, unknown>;
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
      throw new Error('not an object');
  } catch {
    throw new LatchkeyError(
      'invalid_config',
      `${deps.files.settingsPath} is not a JSON object; start latchkey-agent run so it rewrites it`,
    );
  }
  const { break_glass: _previous, ...rest } = fields;
  void _previous;
  await deps.files.writeSettings(
    JSON.stringify(breakGlass === undefined ? rest : { ...rest, break_glass: breakGlass }, null, 2) + '\n',
  );
}
