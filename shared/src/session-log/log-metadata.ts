/**
 * The unencrypted metadata at the head of a session log: u32 M, then M bytes of standard base64 of the
 * UTF-8 JSON below (spec/session-log-format.md). It is not authenticated by the format itself; Latchkey's
 * end record carries a SHA-256 of these exact base64 bytes (see log-records.ts).
 */
import { createHash } from 'node:crypto';
import { LatchkeyError } from '../errors/latchkey-error.js';

export interface PtyMetadata {
  term: string | null;
  width: number;
  height: number;
  /** Terminal modes as [name, value] pairs, e.g. ["ECHO", 1]. */
  modes: [string, number][];
}

export interface ExitData {
  /** Unix seconds. */
  timestamp: number;
  status: number | null;
  signal: string | null;
  core_dumped: boolean;
  error_msg: string | null;
}

export interface SessionLogMetadata {
  /** Unix seconds. */
  started_at: number;
  /** Plaintext bytes of the session data (Latchkey: the chunks before its trailer). */
  data_size: number;
  /** Hex of the 32-byte HPKE encapsulated key. */
  encapsulated_key: string;
  pty: PtyMetadata | null;
  exit_data: ExitData | null;
}

export interface EncodedHeader {
  /** u32 length + base64: what goes at the start of the file. */
  bytes: Uint8Array;
  /** SHA-256 (hex) of the base64 bytes: what the end record pins. */
  sha256: string;
}

/** The most metadata a reader accepts, so a corrupt length cannot make it allocate gigabytes. */
const MAX_METADATA_LENGTH = 1 << 20;

export function encodeHeader(metadata: SessionLogMetadata): EncodedHeader {
  const base64 = Buffer.from(JSON.stringify(metadata), 'utf8').toString('base64');
  const bytes = new Uint8Array(4 + base64.length);
  new DataView(bytes.buffer).setUint32(0, base64.length);
  bytes.set(Buffer.from(base64, 'ascii'), 4);
  return { bytes, sha256: metadataDigest(bytes.subarray(4)) };
}

export function metadataDigest(base64Bytes: Uint8Array): string {
  return createHash('sha256').update(base64Bytes).digest('hex');
}

export interface ParsedHeader {
  metadata: SessionLogMetadata;
  /** Where the chunks start. */
  headerLength: number;
  sha256: string;
}

/** Reads and validates the metadata header; every failure is malformed_session_log saying what is wrong. */
export function parseHeader(file: Uint8Array): ParsedHeader {
  if (file.length < 4) throw malformed(`the file is ${file.length} bytes, too short for a session log`);
  const length = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(0);
  if (length === 0 || length > MAX_METADATA_LENGTH) {
    throw malformed(`the metadata length ${length} is out of range (not a session log?)`);
  }
  if (4 + length > file.length) throw malformed('the file ends inside its metadata');
  const base64Bytes = file.subarray(4, 4 + length);
  const base64 = Buffer.from(base64Bytes).toString('ascii');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw malformed('the metadata is not standard base64');
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw malformed('the metadata is not JSON');
  }
  return { metadata: validateMetadata(value), headerLength: 4 + length, sha256: metadataDigest(base64Bytes) };
}

function validateMetadata(value: unknown): SessionLogMetadata {
  if (!isObject(value)) throw malformed('the metadata is not a JSON object');
  const startedAt = value.started_at;
  const dataSize = value.data_size;
  const enc = value.encapsulated_key;
  if (!isCount(startedAt))
    throw malformed('metadata.started_at must be a non-negative integer (unix seconds)');
  if (!isCount(dataSize)) throw malformed('metadata.data_size must be a non-negative integer');
  if (typeof enc !== 'string' || !/^[0-9a-fA-F]{64}$/.test(enc)) {
    throw malformed('metadata.encapsulated_key must be 64 hex digits');
  }
  return {
    started_at: startedAt,
    data_size: dataSize,
    encapsulated_key: enc,
    pty: value.pty == null ? null : validatePty(value.pty),
    exit_data: value.exit_data == null ? null : validateExitData(value.exit_data),
  };
}

function validatePty(value: unknown): PtyMetadata {
  if (!isObject(value)) throw malformed('metadata.pty must be an object or null');
  const { term, width, height, modes } = value;
  if (term !== null && term !== undefined && typeof term !== 'string') {
    throw malformed('metadata.pty.term must be a string or null');
  }
  if (!isCount(width) || !isCount(height)) throw malformed('metadata.pty.width and height must be integers');
  const pairs = modes ?? [];
  if (
    !Array.isArray(pairs) ||
    !pairs.every((pair) => Array.isArray(pair) && typeof pair[0] === 'string' && isCount(pair[1]))
  ) {
    throw malformed('metadata.pty.modes must be a list of [name, value] pairs');
  }
  return { term: term ?? null, width, height, modes: pairs as [string, number][] };
}

function validateExitData(value: unknown): ExitData {
  if (!isObject(value)) throw malformed('metadata.exit_data must be an object or null');
  const { timestamp, status, signal, core_dumped: coreDumped, error_msg: errorMessage } = value;
  if (!isCount(timestamp)) throw malformed('metadata.exit_data.timestamp must be unix seconds');
  if (status != null && !isCount(status))
    throw malformed('metadata.exit_data.status must be an integer or null');
  if (signal != null && typeof signal !== 'string')
    throw malformed('metadata.exit_data.signal must be a string');
  if (errorMessage != null && typeof errorMessage !== 'string') {
    throw malformed('metadata.exit_data.error_msg must be a string');
  }
  return {
    timestamp,
    status: status ?? null,
    signal: signal ?? null,
    core_dumped: coreDumped === true,
    error_msg: errorMessage ?? null,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function malformed(what: string): LatchkeyError {
  return new LatchkeyError('malformed_session_log', what);
}
