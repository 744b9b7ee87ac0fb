/**
 * `session.cast`: the terminal output as an asciicast v2 file (asciinema's format: a JSON header line,
 * then one JSON array per event), so a session can be replayed with `asciinema play`, embedded in a web
 * player, or read with `latchkey logs play`.
 *
 * - Header: version 2, the PTY's width and height (80x24 for a session without a PTY), `timestamp` = the
 *   session start (unix seconds), `env.TERM`, and a title naming the session when its records say.
 * - `[t, "o", text]` for each origin packet, t in seconds since the start. Terminal bytes are decoded as
 *   UTF-8 with one streaming decoder, so a character split across packets comes out whole in the event of
 *   the packet that completes it; bytes that are not UTF-8 become U+FFFD (asciicast text is UTF-8).
 * - `[t, "r", "COLSxROWS"]` for each resize record.
 * Client input is left out: it holds what the user typed, passwords included, and the terminal's echo of
 * it is already in the output.
 */
import type { LatchkeyRecord, SessionIdentity } from '../log-records.js';
import { ORIGIN } from '../log-packet.js';
import type { DecryptedLog } from './ssh-log-cli-files.js';
import { ByteWriter, completeUtf8Length, isUtf8 } from './json-bytes.js';
import type { OutputEntry } from './output-entry.js';

export const ASCIICAST_FILE = 'session.cast';

export interface AsciicastLog extends DecryptedLog {
  records: readonly LatchkeyRecord[];
  identity?: SessionIdentity;
}

export interface AsciicastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp: number;
  title?: string;
  command?: string;
  env: { TERM?: string };
}

export function asciicastEntry(log: AsciicastLog): OutputEntry {
  return { name: ASCIICAST_FILE, pieces: (allocate) => asciicastPieces(log, 1 << 20, allocate) };
}

export function asciicastHeader(log: AsciicastLog): AsciicastHeader {
  const pty = log.metadata.pty;
  const identity = log.identity;
  return {
    version: 2,
    width: pty?.width || 80,
    height: pty?.height || 24,
    timestamp: log.metadata.started_at,
    ...(identity === undefined
      ? {}
      : {
          title: `${identity.principal}@${identity.target_hostname ?? identity.target_id} (${identity.user_email || 'unknown user'}, session ${identity.session_id})`,
        }),
    ...(identity?.command === undefined ? {} : { command: identity.command }),
    env: pty?.term ? { TERM: pty.term } : {},
  };
}

/** The file's lines, each ending in \n: the header, then the events in time order. */
export function* asciicastLines(log: AsciicastLog): Generator<string> {
  yield `${JSON.stringify(asciicastHeader(log))}\n`;
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const resizes = log.records.filter((record) => record.kind === 'resize');
  let nextResize = 0;
  let lastTime = 0;
  for (const packet of log.packets) {
    if (packet.source !== ORIGIN) continue;
    while (nextResize < resizes.length && resizes[nextResize]!.elapsedMicros <= packet.elapsedMicros) {
      yield resizeLine(resizes[nextResize++]!);
    }
    lastTime = packet.elapsedMicros;
    const text = decoder.decode(packet.data, { stream: true });
    if (text !== '') yield `[${seconds(packet.elapsedMicros)}, "o", ${JSON.stringify(text)}]\n`;
  }
  const rest = decoder.decode();
  if (rest !== '') yield `[${seconds(lastTime)}, "o", ${JSON.stringify(rest)}]\n`;
  while (nextResize < resizes.length) yield resizeLine(resizes[nextResize++]!);
}

/**
 * The same file as asciicastLines, built on bytes (the fast path, see json-bytes.ts): a packet (with the
 * incomplete character carried from the one before) that is valid UTF-8 is escaped as it is; one that is
 * not goes through TextDecoder, so its invalid bytes become U+FFFD as in asciicastLines. The event text
 * concatenated is the same; an invalid sequence split across packets may land in a neighbouring event.
 */
export function* asciicastPieces(
  log: AsciicastLog,
  pieceBytes = 1 << 20,
  allocate?: (size: number) => Buffer,
): Generator<Uint8Array> {
  const out = new ByteWriter(pieceBytes + (pieceBytes >> 2), allocate);
  out.text(`${JSON.stringify(asciicastHeader(log))}\n`);
  const resizes = log.records.filter((record) => record.kind === 'resize');
  let nextResize = 0;
  let lastTime = 0;
  let carry: Uint8Array = new Uint8Array(0);
  for (const packet of log.packets) {
    if (packet.source !== ORIGIN) continue;
    while (nextResize < resizes.length && resizes[nextResize]!.elapsedMicros <= packet.elapsedMicros) {
      out.text(resizeLine(resizes[nextResize++]!));
    }
    lastTime = packet.elapsedMicros;
    const bytes = carry.length === 0 ? packet.data : Buffer.concat([carry, packet.data]);
    const complete = completeUtf8Length(bytes);
    carry = bytes.slice(complete);
    if (complete === 0) continue;
    const body = bytes.subarray(0, complete);
    if (isUtf8(body)) {
      out.text(`[${seconds(packet.elapsedMicros)}, "o", "`);
      out.jsonEscaped(body);
      out.text('"]\n');
    } else {
      const text = new TextDecoder().decode(body);
      out.text(`[${seconds(packet.elapsedMicros)}, "o", ${JSON.stringify(text)}]\n`);
    }
    if (out.length >= pieceBytes) yield out.take();
  }
  if (carry.length > 0) {
    out.text(`[${seconds(lastTime)}, "o", ${JSON.stringify(new TextDecoder().decode(carry))}]\n`);
  }
  while (nextResize < resizes.length) out.text(resizeLine(resizes[nextResize++]!));
  if (out.length > 0) yield out.take();
}

function resizeLine(record: LatchkeyRecord): string {
  const body = record.body as { width: number; height: number };
  return `[${seconds(record.elapsedMicros)}, "r", "${body.width}x${body.height}"]\n`;
}

function seconds(micros: number): string {
  return (micros / 1e6).toFixed(6);
}
