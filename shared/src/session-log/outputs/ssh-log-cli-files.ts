/**
 * The files Cloudflare's `ssh-log-cli decrypt` puts in its zip, byte for byte (spec/session-log-format.md
 * §What ssh-log-cli makes of it), so auditors' habits and scripts keep working with Latchkey's decrypt:
 *
 * - PTY sessions: `term_data.txt` = a `script`-style header line, the bytes of every origin packet, and a
 *   trailer; `term_times.txt` = one `"%.6f %d\n"` line per origin packet (`scriptreplay --timing` format).
 * - Other sessions: `data_from_client.txt` and `data_from_server.txt`, the raw bytes of each side.
 *
 * ssh-log-cli computes each timing as an f32 (`(Δµs as f32) / 1e6f32`) and prints it with Rust's `{:.6}`,
 * which rounds the exact value of the f32 half to even; formatSeconds reproduces both, so gaps over ~8 s
 * print exactly as ssh-log-cli prints them (e.g. 20.007812, not 20.007813).
 */
import type { ExitData, SessionLogMetadata } from '../log-metadata.js';
import { ORIGIN, type LogPacket } from '../log-packet.js';
import { utf8Pieces, type OutputEntry } from './output-entry.js';

export const TERM_DATA_FILE = 'term_data.txt';
export const TERM_TIMES_FILE = 'term_times.txt';
export const CLIENT_DATA_FILE = 'data_from_client.txt';
export const SERVER_DATA_FILE = 'data_from_server.txt';

/** What the renderers read of a decrypted log (readSessionLog's result fits). */
export interface DecryptedLog {
  metadata: SessionLogMetadata;
  /** The session's data packets in order (Latchkey's records excluded). */
  packets: readonly LogPacket[];
}

const encoder = new TextEncoder();

/** ssh-log-cli's entries for this log: term_data/term_times for a PTY session, else the two data files. */
export function sshLogCliEntries(log: DecryptedLog): OutputEntry[] {
  if (log.metadata.pty === null) {
    return [
      { name: CLIENT_DATA_FILE, pieces: () => packetBytes(log.packets, 0) },
      { name: SERVER_DATA_FILE, pieces: () => packetBytes(log.packets, ORIGIN) },
    ];
  }
  return [
    {
      name: TERM_DATA_FILE,
      pieces: function* () {
        yield encoder.encode(termDataHeader(log.metadata));
        yield* packetBytes(log.packets, ORIGIN);
        yield encoder.encode(termDataTrailer(log.metadata.exit_data));
      },
    },
    { name: TERM_TIMES_FILE, pieces: () => utf8Pieces(termTimesLines(log.packets)) },
  ];
}

/** `Session started on 2026-11-24 21:58:22+00 [TERM="xterm" COLUMNS="80" LINES="24"]\n` */
export function termDataHeader(metadata: SessionLogMetadata): string {
  const pty = metadata.pty;
  if (pty === null) throw new Error('termDataHeader: the session has no PTY');
  return (
    `Session started on ${formatScriptDate(metadata.started_at)} ` +
    `[TERM="${pty.term ?? 'unknown'}" COLUMNS="${pty.width}" LINES="${pty.height}"]\n`
  );
}

/** The last line of term_data.txt: how the session ended, or that nothing says. */
export function termDataTrailer(exit: ExitData | null): string {
  if (exit === null) return '\nSession has no termination data\n';
  const end = formatScriptDate(exit.timestamp);
  if (exit.error_msg !== null) return `\nScript done on ${end} [ERROR="${exit.error_msg}"]\n`;
  if (exit.core_dumped) return `\nScript done on ${end} [CORE DUMPED]\n`;
  return `\nScript done on ${end} [COMMAND_EXIT_CODE="${exit.status ?? 0}"]\n`;
}

/** `%Y-%m-%d %H:%M:%S+00` in UTC, as chrono formats it for ssh-log-cli. */
export function formatScriptDate(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString(); // 2026-11-24T21:58:22.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+00`;
}

/** One line per origin packet: seconds since the previous origin packet, and its byte count. */
export function* termTimesLines(packets: readonly LogPacket[]): Generator<string> {
  let previous = 0;
  for (const packet of packets) {
    if (packet.source !== ORIGIN) continue;
    // ssh-log-cli subtracts unsigned microseconds; a reader has already flagged time running backwards.
    const delta = Math.max(0, packet.elapsedMicros - previous);
    yield `${formatSeconds(delta)} ${packet.data.length}\n`;
    previous = packet.elapsedMicros;
  }
}

/** Rust's `format!("{:.6}", (micros as f32) / 1_000_000f32)`. */
export function formatSeconds(micros: number): string {
  // f32 rounding of the integer, then an f32 division (computing it in double and rounding once more to
  // f32 gives the correctly rounded f32 quotient).
  const seconds = Math.fround(Math.fround(micros) / 1e6);
  // toFixed rounds the exact value too, but a tie upwards; a tie is an f32 equal to an odd multiple of
  // 1/128 (= k + 0.5 millionths), and Rust picks the even neighbour there.
  const scaled = seconds * 128; // exact
  if (Number.isInteger(scaled) && scaled % 2 === 1) {
    const lower = (scaled * 15_625 - 1) / 2; // millionths just below the tie
    const millionths = lower % 2 === 0 ? lower : lower + 1;
    return `${Math.floor(millionths / 1e6)}.${String(millionths % 1e6).padStart(6, '0')}`;
  }
  return seconds.toFixed(6);
}

function* packetBytes(packets: readonly LogPacket[], source: 0 | 1): Generator<Uint8Array> {
  for (const packet of packets) if (packet.source === source) yield packet.data;
}
