import { LatchkeyError } from '@latchkey/shared';
import type { MyTarget } from '../domain/access-api.js';
import { changedHostKeyMessage, checkHostKey, withPin } from '../domain/host-key-pins.js';
import type { AccessServer } from './ports/access-server.js';
import type { HostKeyStore, KeyFactory, SshConnector, SshShell, TerminalSize } from './ports/ssh.js';
import type { SignedInSession } from './signed-in-session.js';

export interface ConnectDeps {
  server: AccessServer;
  session: SignedInSession;
  keys: KeyFactory;
  ssh: SshConnector;
  hostKeys: HostKeyStore;
  /** Tells the person something worth knowing that does not stop the connection (a newly pinned key). */
  notice(message: string): void;
}

export interface ConnectRequest {
  target: MyTarget;
  username: string;
  size: TerminalSize;
  /** Wanted certificate lifetime in seconds (the server caps it); undefined: the server's default. */
  validSeconds?: number;
}

/**
 * One connection: a fresh in-memory Ed25519 key, a certificate for (target, username) from the server,
 * then an SSH shell to the address the server named, with the host key checked against the pins
 * (first use pins it; a changed key stops the connection before authentication).
 */
export async function connectToTarget(deps: ConnectDeps, request: ConnectRequest): Promise<SshShell> {
  const { target, username } = request;
  const key = deps.keys.generate(`latchkey-vscode ${username}@${target.hostname}`);
  const issued = await deps.session.withAccessToken((token) =>
    deps.server.issueCertificate(token, {
      target_id: target.id,
      username,
      public_key: key.publicKeyLine,
      ...(request.validSeconds === undefined ? {} : { valid_seconds: request.validSeconds }),
    }),
  );
  const { address, port } = issued.target;
  let hostKeyProblem: LatchkeyError | undefined;
  const verifyHostKey = async (fingerprint: string): Promise<boolean> => {
    const pins = await deps.hostKeys.load();
    const verdict = checkHostKey(pins, address, port, fingerprint);
    if (verdict.kind === 'known') return true;
    if (verdict.kind === 'new') {
      await deps.hostKeys.save(withPin(pins, address, port, fingerprint));
      deps.notice(`Pinned the host key of ${target.hostname} (${address}:${port}): ${fingerprint}`);
      return true;
    }
    hostKeyProblem = new LatchkeyError(
      'permission_denied',
      changedHostKeyMessage(address, port, verdict.pinned, fingerprint),
    );
    return false;
  };
  try {
    return await deps.ssh.openShell({
      host: address,
      port,
      username,
      key,
      certificate: issued.certificate,
      size: request.size,
      verifyHostKey,
    });
  } catch (error) {
    if (hostKeyProblem !== undefined) throw hostKeyProblem;
    throw error;
  }
}
