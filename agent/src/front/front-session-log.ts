/**
 * Starts the log of one session channel in the front: reads the recording settings the daemon keeps
 * (recording.json, root's), seals with HPKE to the auditors' key (SessionLogWriter) and writes into the
 * spool (SpoolStoreSink). The identity comes from the certificate the front verified and the channel the
 * client opened, never from anything on the target.
 *
 * No settings (no auditor key on the server): the session is not recorded, as in Cloudflare's product
 * when the SSH encryption key is removed. A log that cannot be opened follows the mode: strict refuses
 * the session (unless break-glass), best effort lets it run marked (domain/recording/unavailable-spool-policy.ts).
 */
import { generateHpkeKeyPair } from '@latchkey/shared/session-log/hpke-base';
import type { PtyMetadata } from '@latchkey/shared/session-log/log-metadata';
import type { SessionIdentity } from '@latchkey/shared/session-log/log-records';
import { SessionLogWriter } from '@latchkey/shared/session-log/session-log-writer';
import type { RecordingSettings } from '../domain/recording/recording-settings.js';
import { decideWhenSpoolUnavailable } from '../domain/recording/unavailable-spool-policy.js';
import { SessionRecording } from './session-recording.js';
import type { SpoolStore } from '../spool/spool-store.js';
import { SpoolStoreSink } from './spool-store-sink.js';

/**
 * Plaintext per sealed chunk for sessions without a PTY (exec, scp, sftp, rsync), which move bulk data:
 * each seal is one createCipheriv with its key checks and one ciphertext allocation, so 32 KiB chunks cost
 * the agent ≈ 3 ms/MB more on a 100 MiB scp (docs/benchmarks.md). Three 32 KiB SSH data packets fit, and
 * it stays under glibc's 128 KiB mmap threshold (a larger ciphertext buffer is an mmap and page faults
 * each time). PTY sessions keep the writer's 32 KiB: their buffer lives as long as the session.
 */
const BULK_CHUNK_BYTES = 112 * 1024;

export interface FrontRecordingDeps {
  /** The spool; undefined when it could not be opened at start. */
  readonly spool: SpoolStore | undefined;
  /** The current recording settings, or undefined when recording is off. Throws when unreadable. */
  readSettings(): Promise<RecordingSettings | undefined>;
  readonly now: () => Date;
  /** A log was finished (complete or not): the uploader can take it. */
  readonly onLogFinished?: () => void;
}

export type SessionLogStart =
  | { readonly kind: 'recording'; readonly recording: SessionRecording; readonly logId: string }
  | { readonly kind: 'unrecorded'; readonly notice?: string; readonly recording?: SessionRecording }
  | { readonly kind: 'refused'; readonly message: string };

export async function startSessionLog(
  deps: FrontRecordingDeps,
  session: { identity: SessionIdentity; pty: PtyMetadata | null; unixUser: string },
): Promise<SessionLogStart> {
  let settings: RecordingSettings | undefined;
  try {
    settings = await deps.readSettings();
  } catch (error) {
    // The settings exist but cannot be read: the key is unknown, so nothing can be sealed; the agent's
    // own mode (strict unless said otherwise is not knowable here) → treat as strict.
    return {
      kind: 'refused',
      message: `latchkey: this session must be recorded, but the recording settings cannot be read: ${(error as Error).message}`,
    };
  }
  if (settings === undefined) return { kind: 'unrecorded' };
  const startedAt = deps.now();
  const ephemeral = generateHpkeKeyPair();
  const writer = new SessionLogWriter({
    auditorPublicKey: settings.auditorPublicKey,
    identity: session.identity,
    pty: session.pty,
    startedAt,
    ephemeralPrivateKey: ephemeral.privateKey,
    ...(session.pty === null ? { maxChunkBytes: BULK_CHUNK_BYTES } : {}),
  });
  let sink: SpoolStoreSink;
  try {
    if (deps.spool === undefined) throw new Error("the agent's log spool is not open");
    sink = await SpoolStoreSink.open(
      deps.spool,
      {
        protocol: 1,
        started_at: Math.floor(startedAt.getTime() / 1000),
        encapsulated_key: Buffer.from(ephemeral.publicKey).toString('hex'),
        pty: session.pty,
        identity: session.identity,
        unix_user: session.unixUser,
      },
      session.unixUser,
    );
  } catch (error) {
    const decision = decideWhenSpoolUnavailable(
      settings.mode,
      (error as Error).message,
      settings.breakGlass,
      deps.now(),
    );
    if (decision.action === 'refuse') return { kind: 'refused', message: decision.message };
    return { kind: 'unrecorded', ...(decision.notice === undefined ? {} : { notice: decision.notice }) };
  }
  return { kind: 'recording', recording: new SessionRecording(writer, sink), logId: sink.logId };
}
