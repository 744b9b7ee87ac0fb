/**
 * A port-forwarding channel (direct-tcpip) through the front: relayed to sshd, which applies its own
 * rules (AllowTcpForwarding, PermitOpen), and recorded as metadata in a log of its own: who, from where,
 * to which host and port, and how many bytes each way. The payload is not kept.
 */
import type { Duplex } from 'node:stream';
import type { SessionIdentity } from '@latchkey/shared/session-log/log-records';
import { startSessionLog, type FrontRecordingDeps } from './front-session-log.js';

export async function relayForward(
  outer: Duplex,
  inner: Duplex,
  options: {
    recording: FrontRecordingDeps;
    identity: SessionIdentity;
    unixUser: string;
    destination: string;
  },
): Promise<void> {
  outer.on('error', () => undefined);
  inner.on('error', () => undefined);
  let fromClient = 0;
  let toClient = 0;
  const closed = new Promise<void>((resolve) => {
    let open = 2;
    const one = (): void => {
      if (--open === 0) resolve();
    };
    outer.once('close', one);
    inner.once('close', one);
  });
  const log = await startSessionLog(options.recording, {
    identity: options.identity,
    pty: null,
    unixUser: options.unixUser,
  });
  if (log.kind === 'refused') {
    // Strict recording and no log: nothing passes.
    outer.destroy();
    inner.destroy();
    return;
  }
  // Counted from here on: a 'data' listener makes a stream flow, so it is added with the pipes.
  outer.on('data', (bytes: Buffer) => (fromClient += bytes.length));
  inner.on('data', (bytes: Buffer) => (toClient += bytes.length));
  outer.pipe(inner).pipe(outer);
  await closed;
  if (log.kind !== 'recording') return;
  log.recording.transfer({
    program: 'port-forward',
    direction: 'both',
    destination: options.destination,
    bytes_from_client: fromClient,
    bytes_to_client: toClient,
  });
  await log.recording.finish(
    { timestamp: Math.floor(Date.now() / 1000), status: 0, signal: null, core_dumped: false },
    30_000,
  );
  options.recording.onLogFinished?.();
}
