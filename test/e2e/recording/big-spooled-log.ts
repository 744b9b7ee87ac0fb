/**
 * A big session log in an agent's spool, written the way the front writes one (SessionLogWriter sealing
 * to the auditors' key, SpoolStore's appender, markComplete with the writer's header), for the upload
 * tests and the upload bench. The data is a repeating pattern: sealing makes every chunk different
 * anyway, and the test can say what the auditor must read back.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { SessionLogWriter, type SessionIdentity } from '@latchkey/shared';
import { SpoolStore } from '../../../agent/src/spool/spool-store.js';

/** The plaintext's pattern: 64 KiB, byte i is i * 7 mod 251. */
const PATTERN = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7) % 251));

export interface BigSpooledLog {
  readonly logId: string;
  /** Bytes of the log file (header + chunks) as it will be uploaded. */
  readonly size: number;
  /** SHA-256 (hex) of that file. */
  readonly sha256: string;
}

/** Writes a complete log of `plaintextBytes` of terminal output (the pattern) into `spoolDir`. */
export async function writeBigSpooledLog(
  spoolDir: string,
  options: {
    auditorPublicKey: Uint8Array;
    identity: SessionIdentity;
    unixUser: string;
    plaintextBytes: number;
    startedAt?: Date;
  },
): Promise<BigSpooledLog> {
  const spool = new SpoolStore(spoolDir);
  await spool.init();
  const startedAt = options.startedAt ?? new Date();
  const writer = new SessionLogWriter({
    auditorPublicKey: options.auditorPublicKey,
    identity: options.identity,
    pty: null,
    startedAt,
  });
  const { logId } = await spool.create(
    {
      protocol: 1,
      started_at: Math.floor(startedAt.getTime() / 1000),
      encapsulated_key: '00'.repeat(32),
      pty: null,
      identity: options.identity,
      unix_user: options.unixUser,
    },
    options.unixUser,
  );
  const appender = await spool.appender(logId);
  let written = 0;
  let elapsed = 0;
  while (written < options.plaintextBytes) {
    const piece = PATTERN.subarray(0, Math.min(PATTERN.length, options.plaintextBytes - written));
    writer.data(1, (elapsed += 10), piece);
    written += piece.length;
    if (written % (8 * 1024 * 1024) === 0) {
      for (const sealed of writer.takeSealedPieces()) appender.append(Buffer.from(sealed));
      await appender.flushed();
    }
  }
  for (const sealed of writer.takeSealedPieces()) appender.append(Buffer.from(sealed));
  const finished = writer.finish({
    exitData: {
      timestamp: Math.floor(startedAt.getTime() / 1000) + 60,
      status: 0,
      signal: null,
      core_dumped: false,
      error_msg: null,
    },
    elapsedMicros: elapsed + 10,
  });
  appender.append(Buffer.from(finished.sealed));
  await appender.close();
  await spool.markComplete(logId, finished.header);
  // The file as an auditor gets it: the writer's header, then the chunks (read here, not through the
  // spool's reader, so that the bench can use this with an older agent too).
  const hash = createHash('sha256').update(finished.header);
  let size = finished.header.length;
  for await (const piece of createReadStream(
    path.join(spoolDir, `${logId}.chunks`),
  ) as AsyncIterable<Buffer>) {
    hash.update(piece);
    size += piece.length;
  }
  return { logId, size, sha256: hash.digest('hex') };
}

/** What the auditor must read back from such a log: the pattern, `plaintextBytes` long, hashed. */
export function expectedPlaintextSha256(plaintextBytes: number): string {
  const hash = createHash('sha256');
  for (let done = 0; done < plaintextBytes; done += PATTERN.length) {
    hash.update(PATTERN.subarray(0, Math.min(PATTERN.length, plaintextBytes - done)));
  }
  return hash.digest('hex');
}
