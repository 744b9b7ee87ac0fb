/**
 * Latchkey's own records inside the encrypted stream of a session log. They are packets like any other,
 * with source 0 (client) and a code in Latchkey's range (ASCII "LK" in the top two bytes), and a JSON body.
 *
 * Where they go, so that Cloudflare's ssh-log-cli produces exactly the output it would without them:
 * - In PTY sessions, ssh-log-cli skips every client packet, so `start`, `resize`, `command` and `transfer`
 *   records ride in-band, in time order, and survive a recorder that is killed mid-session.
 * - Every log ends with an empty chunk followed by Latchkey's trailer chunk(s). ssh-log-cli's reader treats
 *   an empty plaintext as the end of the stream and never looks further, so the trailer is invisible to it
 *   (this is why the base format's writers never emit an empty chunk). The trailer holds the records that
 *   could not go in-band (all of them in non-PTY sessions, whose client packets ssh-log-cli would copy into
 *   data_from_client.txt) and, last, the `end` record.
 * - The `end` record pins the metadata (SHA-256 of its base64 bytes), the session's identity, and the totals
 *   of the data section, so a reader can prove the file is whole and belongs to that session.
 */
import { LatchkeyError } from '../errors/latchkey-error.js';
import { CLIENT, type LogPacket } from './log-packet.js';

export const RECORD_CODES = {
  start: 0x4c4b0001,
  resize: 0x4c4b0002,
  command: 0x4c4b0003,
  transfer: 0x4c4b0004,
  end: 0x4c4b00ff,
} as const;

export type RecordKind = keyof typeof RECORD_CODES;

const KIND_BY_CODE = new Map<number, RecordKind>(
  Object.entries(RECORD_CODES).map(([kind, code]) => [code, kind as RecordKind]),
);

/** Who and what a log is about; written in the start record and repeated in the end record. */
export interface SessionIdentity {
  session_id: string;
  target_id: string;
  target_hostname?: string;
  user_email: string;
  /** The UNIX username the certificate named. */
  principal: string;
  /** Cloudflare's ProgramType: shell, exec, subsystem (sftp), … */
  program_type: 'shell' | 'exec' | 'subsystem';
  /** The command line of an exec session, or the subsystem name. */
  command?: string;
  client_address?: string;
  server_address?: string;
}

export interface CommandRecord {
  command: string;
  /**
   * Where the command was learned: `terminal` (reconstructed by the agent's front from the terminal's
   * screen at each Enter), `exec` (the command line the client asked to run), `shell` (reported by the
   * shell's own integration: it runs as the user, so the terminal stream is the evidence). Absent in
   * logs written before the front.
   */
  source?: 'terminal' | 'exec' | 'shell';
  cwd?: string;
  exit_status?: number;
  /** ISO 8601 times, when the shell reported them. */
  started_at?: string;
  finished_at?: string;
}

export interface TransferRecord {
  /**
   * What ran: scp, rsync, sftp-server; or, from the agent's front, `port-forward` (a direct-tcpip channel)
   * and `agent-forward` (the person's ssh-agent used from the target), whose payload is never kept.
   */
  program: string;
  /** For a port forward: where it went, `host:port`. */
  destination?: string;
  direction: 'upload' | 'download' | 'both' | 'unknown';
  bytes_from_client: number;
  bytes_to_client: number;
}

export interface EndRecord {
  format: 1;
  identity: SessionIdentity;
  /** SHA-256 (hex) of the metadata's base64 bytes as written at the head of the file. */
  metadata_sha256: string;
  data_chunks: number;
  data_packets: number;
  data_bytes: number;
  /** Who closed the log: the recorder at the end of the session, or the agent for a recorder that died. */
  closed_by: 'recorder' | 'agent';
}

export type LatchkeyRecord =
  | { kind: 'start'; elapsedMicros: number; body: { format: 1; identity: SessionIdentity } }
  | { kind: 'resize'; elapsedMicros: number; body: { width: number; height: number } }
  | { kind: 'command'; elapsedMicros: number; body: CommandRecord }
  | { kind: 'transfer'; elapsedMicros: number; body: TransferRecord }
  | { kind: 'end'; elapsedMicros: number; body: EndRecord };

export function isRecordPacket(packet: LogPacket): boolean {
  return packet.source === CLIENT && KIND_BY_CODE.has(packet.code);
}

export function encodeRecord(record: LatchkeyRecord): LogPacket {
  return {
    source: CLIENT,
    code: RECORD_CODES[record.kind],
    elapsedMicros: record.elapsedMicros,
    data: Buffer.from(JSON.stringify(record.body), 'utf8'),
  };
}

/** Decodes a record packet (isRecordPacket must hold); a body that is not JSON is malformed_session_log. */
export function decodeRecord(packet: LogPacket): LatchkeyRecord {
  const kind = KIND_BY_CODE.get(packet.code);
  if (kind === undefined || packet.source !== CLIENT) {
    throw new LatchkeyError('malformed_session_log', `packet code ${packet.code} is not a Latchkey record`);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(packet.data).toString('utf8'));
  } catch {
    throw new LatchkeyError('malformed_session_log', `a ${kind} record's body is not JSON`);
  }
  if (typeof body !== 'object' || body === null) {
    throw new LatchkeyError('malformed_session_log', `a ${kind} record's body is not an object`);
  }
  return { kind, elapsedMicros: packet.elapsedMicros, body } as LatchkeyRecord;
}
