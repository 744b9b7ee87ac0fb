/**
 * Opens a session log with the auditor's private key and judges its integrity.
 *
 * Decryption proves each chunk is authentic and in order (the HPKE nonce counts chunks). Latchkey's records
 * (log-records.ts) prove the rest: that the unauthenticated metadata is the writer's, which session the file
 * belongs to, and that the stream ends where the writer ended it. A log written by another tool (Cloudflare's
 * own) has no such records and is reported as "unverified", never as verified.
 */
import { LatchkeyError } from '../errors/latchkey-error.js';
import { setupHpkeRecipient } from './hpke-base.js';
import { parseHeader, type SessionLogMetadata } from './log-metadata.js';
import { decodePackets, type LogPacket } from './log-packet.js';
import { decodeRecord, isRecordPacket, type LatchkeyRecord, type SessionIdentity } from './log-records.js';

export type IntegrityStatus = 'verified' | 'incomplete' | 'tampered' | 'unverified';

export interface IntegrityVerdict {
  status: IntegrityStatus;
  /** What is wrong, one sentence each; empty when verified. */
  problems: string[];
  /** The session the log belongs to, when its records say (proven only when verified). */
  identity?: SessionIdentity;
}

export interface SessionLogContents {
  metadata: SessionLogMetadata;
  /** The session's data packets in order (Latchkey's records excluded). */
  packets: LogPacket[];
  /** Latchkey's records in order, the end record last when present. */
  records: LatchkeyRecord[];
  integrity: IntegrityVerdict;
}

export function readSessionLog(file: Uint8Array, auditorPrivateKey: Uint8Array): SessionLogContents {
  const { metadata, headerLength, sha256 } = parseHeader(file);
  const opener = setupHpkeRecipient(auditorPrivateKey, Buffer.from(metadata.encapsulated_key, 'hex'));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);

  const packets: LogPacket[] = [];
  const records: LatchkeyRecord[] = [];
  const tampered: string[] = [];
  const incomplete: string[] = [];
  let section: 'data' | 'trailer' | 'after-end' = 'data';
  let dataChunks = 0;
  let dataPackets = 0;
  let dataBytes = 0;
  let lastElapsed = 0;
  let chunkIndex = 0;
  let openedChunks = 0;

  for (let offset = headerLength; offset < file.length; chunkIndex++) {
    if (file.length - offset < 4) {
      incomplete.push(`the file ends inside the length of chunk ${chunkIndex} (truncated)`);
      break;
    }
    const length = view.getUint32(offset);
    if (offset + 4 + length > file.length) {
      incomplete.push(`the file ends inside chunk ${chunkIndex} (truncated)`);
      break;
    }
    let plaintext: Uint8Array;
    try {
      plaintext = opener.open(file.subarray(offset + 4, offset + 4 + length));
      openedChunks++;
    } catch {
      // Step past it: the chunks after an altered one still open, which tells tampering from a wrong key.
      tampered.push(
        `chunk ${chunkIndex} does not authenticate: its bytes were altered, or chunks were reordered or spliced`,
      );
      opener.skip();
      offset += 4 + length;
      continue;
    }
    offset += 4 + length;

    if (section === 'after-end') {
      tampered.push(`chunk ${chunkIndex} follows the end record`);
      break;
    }
    if (plaintext.length === 0) {
      if (section === 'trailer') {
        tampered.push(`chunk ${chunkIndex} is a second terminator`);
        break;
      }
      // The trailer's deferred records keep the times they happened at, so its clock starts over.
      section = 'trailer';
      lastElapsed = 0;
      continue;
    }

    let chunkPackets: LogPacket[];
    try {
      chunkPackets = decodePackets(plaintext, chunkIndex);
    } catch (error) {
      tampered.push(error instanceof Error ? error.message : String(error));
      break;
    }
    if (section === 'data') {
      dataChunks++;
      dataPackets += chunkPackets.length;
      dataBytes += plaintext.length;
    }
    for (const packet of chunkPackets) {
      if (packet.elapsedMicros < lastElapsed) {
        tampered.push(
          `chunk ${chunkIndex}: time runs backwards (${packet.elapsedMicros} µs after ${lastElapsed} µs)`,
        );
      }
      lastElapsed = Math.max(lastElapsed, packet.elapsedMicros);
      if (section === 'after-end') {
        tampered.push(`chunk ${chunkIndex}: packets follow the end record`);
        break;
      }
      if (isRecordPacket(packet)) {
        let record: LatchkeyRecord;
        try {
          record = decodeRecord(packet);
        } catch (error) {
          tampered.push(error instanceof Error ? error.message : String(error));
          continue;
        }
        records.push(record);
        if (record.kind === 'end') {
          if (section !== 'trailer') tampered.push('the end record appears before the terminator');
          section = 'after-end';
        }
      } else if (section === 'trailer') {
        tampered.push(`chunk ${chunkIndex}: session data inside Latchkey's trailer`);
      } else {
        packets.push(packet);
      }
    }
  }

  if (openedChunks === 0 && chunkIndex > 0) {
    throw new LatchkeyError(
      'session_log_decryption_failed',
      'cannot decrypt this log: the key is not the one it was sealed for, or its metadata (encapsulated key) was altered',
    );
  }

  const start = records.find((record) => record.kind === 'start');
  const end = records.find((record) => record.kind === 'end');
  const identity = start?.body.identity;

  if (end === undefined) {
    // A file with packets but no records is another writer's; one with nothing after its metadata is a
    // Latchkey log cut right there (every Latchkey log starts with its start record), so: incomplete.
    if (
      records.length === 0 &&
      packets.length > 0 &&
      tampered.length === 0 &&
      incomplete.length === 0 &&
      section === 'data'
    ) {
      return {
        metadata,
        packets,
        records,
        integrity: {
          status: 'unverified',
          problems: [
            'the log has no Latchkey integrity records (written by another tool?): its metadata and its end cannot be proven',
          ],
        },
      };
    }
    if (tampered.length === 0) {
      incomplete.push(
        `the log stops after ${dataChunks} data chunk(s) without Latchkey's end record` +
          (metadata.exit_data?.error_msg
            ? ` (${metadata.exit_data.error_msg})`
            : ' (cut short, or the recorder was stopped)'),
      );
    }
  } else {
    const body = end.body;
    if (body.metadata_sha256 !== sha256) {
      tampered.push(
        'the metadata at the head of the file is not the metadata the writer had (altered or swapped)',
      );
    }
    if (
      body.data_chunks !== dataChunks ||
      body.data_packets !== dataPackets ||
      body.data_bytes !== dataBytes
    ) {
      tampered.push(
        `the data section has ${dataChunks} chunks, ${dataPackets} packets, ${dataBytes} bytes; ` +
          `the end record says ${body.data_chunks}, ${body.data_packets}, ${body.data_bytes}`,
      );
    }
    if (metadata.data_size !== dataBytes) {
      tampered.push(
        `metadata.data_size is ${metadata.data_size} but the data section holds ${dataBytes} bytes`,
      );
    }
    if (identity === undefined) {
      tampered.push('the log has an end record but no start record');
    } else if (JSON.stringify(identity) !== JSON.stringify(body.identity)) {
      tampered.push('the start and end records name different sessions');
    }
  }

  const status: IntegrityStatus =
    tampered.length > 0 ? 'tampered' : incomplete.length > 0 ? 'incomplete' : 'verified';
  return {
    metadata,
    packets,
    records,
    integrity: { status, problems: [...tampered, ...incomplete], ...(identity ? { identity } : {}) },
  };
}
