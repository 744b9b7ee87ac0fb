import type { Duplex } from 'node:stream';
import { LatchkeyError, isLatchkeyError } from '@latchkey/shared';
import type { IssuedCertificateResult, MyTarget } from '../domain/access-api.js';
import { HOST_CERTIFICATE_ALGORITHMS } from '@latchkey/shared/ssh2/accept-host-certificates';
import { checkHostCertificate } from '../domain/host-certificate-check.js';
import {
  changedHostKeyMessage,
  checkHostKey,
  expectedHostTrust,
  parseServerHostKey,
  refusedHostCertificateMessage,
  refusedServerHostKeyMessage,
  pinKey,
  withPin,
} from '../domain/host-key-pins.js';
import type { ServerHostKey } from '../domain/host-key-pins.js';
import type { AccessServer } from './ports/access-server.js';
import type { HostKeyStore, KeyFactory, SshConnector, SshShell, TerminalSize } from './ports/ssh.js';
import type { SignedInSession } from './signed-in-session.js';
import type { TunnelStreams } from './ports/tunnel.js';

export interface ConnectDeps {
  server: AccessServer;
  session: SignedInSession;
  keys: KeyFactory;
  ssh: SshConnector;
  hostKeys: HostKeyStore;
  /** Tells the person something worth knowing that does not stop the connection (a newly pinned key). */
  notice(message: string): void;
  /** The clock host certificates are checked with. */
  now(): Date;
  /** The server's tunnel; absent: every target is dialled at its address. */
  tunnel?: TunnelStreams;
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
 * then an SSH shell to the address and port the server named (a fronted target's: its agent's SSH front).
 * The host key is checked before authentication: for a fronted target whose front presents a host
 * certificate, as a certificate from the account's host CA naming the target's id (only certificate
 * algorithms are offered, so a plain key never gets that far); for another fronted target, against
 * exactly the key the access server gives (no prompt, no pin; another key stops the connection); for
 * any other, against the pins (first use pins it; a changed key stops the connection).
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
  const trust = await serverHostTrust(deps, issued.target, target);
  const serverKey = trust !== undefined && 'type' in trust ? trust : undefined;
  const hostCa = trust !== undefined && 'hostCa' in trust ? trust.hostCa : undefined;
  let hostKeyProblem: LatchkeyError | undefined;
  const verifyHostKey = async (fingerprint: string, hostKeyBlob: Uint8Array): Promise<boolean> => {
    if (hostCa !== undefined) {
      const verdict = checkHostCertificate(hostKeyBlob, hostCa, target.id, deps.now());
      if (verdict.ok) return true;
      hostKeyProblem = new LatchkeyError(
        'permission_denied',
        refusedHostCertificateMessage(target.hostname, pinKey(address, port), verdict.shown),
      );
      return false;
    }
    if (serverKey !== undefined) {
      if (fingerprint === serverKey.fingerprint) return true;
      hostKeyProblem = new LatchkeyError(
        'permission_denied',
        refusedServerHostKeyMessage(
          target.hostname,
          pinKey(address, port),
          serverKey.fingerprint,
          `the host key ${fingerprint}`,
        ),
      );
      return false;
    }
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
  const socket = await tunnelSocket(deps, target, port);
  try {
    return await deps.ssh.openShell({
      host: address,
      port,
      ...(socket === undefined ? {} : { socket }),
      username,
      key,
      certificate: issued.certificate,
      size: request.size,
      verifyHostKey,
      ...(hostCa !== undefined
        ? { hostKeyAlgorithms: [...HOST_CERTIFICATE_ALGORITHMS] }
        : serverKey === undefined
          ? {}
          : { hostKeyAlgorithms: serverKey.algorithms }),
    });
  } catch (error) {
    if (hostKeyProblem !== undefined) throw hostKeyProblem;
    // A certified front's stand-in with no host certificate to show (an uncertified key) fails the
    // handshake before any key is shown: refused as such.
    if (hostCa !== undefined && isLatchkeyError(error, 'permission_denied')) {
      throw new LatchkeyError(
        'permission_denied',
        refusedHostCertificateMessage(
          target.hostname,
          pinKey(address, port),
          'no host certificate (a plain key)',
        ),
        { cause: error },
      );
    }
    // A fronted target's host that has no key of the expected type fails the handshake before any key
    // is shown (the connector says permission_denied): the same refusal.
    if (serverKey !== undefined && isLatchkeyError(error, 'permission_denied')) {
      throw new LatchkeyError(
        'permission_denied',
        refusedServerHostKeyMessage(
          target.hostname,
          pinKey(address, port),
          serverKey.fingerprint,
          `no ${serverKey.type} host key`,
        ),
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * A stream through the server's tunnel when the person's list marks the target `tunnel: true` (as
 * `latchkey ssh` does); else undefined, and the connection dials the target's address (an older server,
 * which does not mark targets, means dialling). A refused stream is the server's refusal, said as such.
 */
async function tunnelSocket(deps: ConnectDeps, target: MyTarget, port: number): Promise<Duplex | undefined> {
  const { tunnel } = deps;
  if (tunnel === undefined || target.tunnel !== true) return undefined;
  return deps.session.withAccessToken((token) => tunnel.open(token, target.id, port));
}

/**
 * The access server's trust for this connection: its host CA (canonical line) for a certified front,
 * else the front's key; undefined when the target is not fronted. The certificate answer is fresh; what
 * only the listed target names (a server that left `host_key` out) is taken from the list as the server
 * gives it now, not from the view's older copy.
 */
async function serverHostTrust(
  deps: ConnectDeps,
  issued: IssuedCertificateResult['target'],
  listed: MyTarget,
): Promise<ServerHostKey | { hostCa: string } | undefined> {
  let expected = expectedHostTrust(issued, listed);
  if (expected !== undefined && issued.host_key === undefined) {
    const fresh = await deps.session.withAccessToken((token) => deps.server.myTargets(token));
    expected = expectedHostTrust(issued, fresh.find((t) => t.id === listed.id) ?? {});
  }
  if (expected === undefined) return undefined;
  if ('hostCa' in expected) {
    // Read as strictly as a key: one public key line of a known type.
    parseServerHostKey(expected.hostCa, listed.hostname);
    return { hostCa: expected.hostCa };
  }
  return parseServerHostKey(expected.hostKey, listed.hostname);
}
