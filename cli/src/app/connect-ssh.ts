import type { SshPrivateKey } from '@latchkey/shared';
import { targetAddress } from '../domain/access-api.js';
import type { MeTarget } from '../domain/access-api.js';
import { chooseUsername } from '../domain/choose-username.js';
import { parseDestination } from '../domain/destination.js';
import { changedHostKeyMessage, reportsChangedHostKey } from '../domain/known-hosts.js';
import { resolveTarget } from '../domain/resolve-target.js';
import { sshArguments } from '../domain/ssh-arguments.js';
import type { SshPassThroughOptions } from '../domain/ssh-arguments.js';
import { obtainCertificate } from './obtain-certificate.js';
import type { ObtainedCertificate } from './obtain-certificate.js';
import type { Notify } from './ports/environment.js';
import type { SshRunner, StartedSsh } from './ports/ssh-runner.js';
import type { TargetCache } from './ports/target-cache.js';
import type { SessionDeps } from './signed-in-session.js';

export interface ConnectDeps extends SessionDeps {
  ssh: SshRunner;
  generateKey: () => SshPrivateKey;
  notify: Notify;
  knownHostsFile: string;
  /** Recently listed targets, so that ssh can start before the certificate is issued (optional). */
  targetCache?: TargetCache;
}

export interface ConnectRequest {
  /** `[USER@]TARGET` */
  destination: string;
  command: readonly string[];
  passThrough: SshPassThroughOptions;
  localUsername?: string;
}

/** Where ssh goes: the target's name (its host key's), address, port, and the UNIX user. */
interface Endpoint {
  hostname: string;
  address: string;
  port: number;
  username: string;
}

const sameEndpoint = (a: Endpoint, b: Endpoint) =>
  a.hostname.toLowerCase() === b.hostname.toLowerCase() &&
  a.address === b.address &&
  a.port === b.port &&
  a.username === b.username;

function endpointOf(target: MeTarget, username: string): Endpoint | undefined {
  const address = targetAddress(target);
  return address === '' ? undefined : { hostname: target.hostname, address, port: target.port, username };
}

/** The endpoint a recent target list points at, or undefined when it cannot tell. */
function guessEndpoint(
  targets: readonly MeTarget[] | undefined,
  name: string,
  username: string | undefined,
  localUsername: string | undefined,
): Endpoint | undefined {
  if (targets === undefined) return undefined;
  try {
    const target = resolveTarget(targets, name);
    return endpointOf(target, chooseUsername(target, username, localUsername));
  } catch {
    return undefined;
  }
}

function issuedEndpoint(obtained: ObtainedCertificate): Endpoint {
  return {
    hostname: obtained.target.hostname,
    address: obtained.issued.target.address,
    port: obtained.issued.target.port,
    username: obtained.username,
  };
}

/**
 * `latchkey ssh`: a fresh Ed25519 key pair that never outlives the connection (nor touches the disk), a
 * certificate for it, and the system ssh straight to the target, authenticating through latchkey's
 * one-key agent. When a recent target list says where the target is, ssh starts at once (else as soon
 * as the server's list has named it) and connects while the certificate is being issued (it asks the
 * agent only when it authenticates); if the
 * certificate then names another address, port or user, that ssh is ended before it authenticated and a
 * new one goes where the certificate says. A refused certificate ends the early ssh without a word from
 * it. Answers ssh's exit status; when ssh refused a changed host key, says which target and how to fix it.
 */
export async function connectSsh(deps: ConnectDeps, request: ConnectRequest): Promise<number> {
  const { username, target } = parseDestination(request.destination);
  const knownTargets = await deps.targetCache?.get(deps.server.url);
  const guess = guessEndpoint(knownTargets, target, username, request.localUsername);
  return deps.ssh.withAgent(async (session) => {
    const start = (endpoint: Endpoint) =>
      session.start(
        sshArguments({
          agentSocket: session.agentSocket,
          knownHostsFile: deps.knownHostsFile,
          hostKeyAlias: endpoint.hostname,
          address: endpoint.address,
          port: endpoint.port,
          username: endpoint.username,
          passThrough: request.passThrough,
          command: request.command,
        }),
      );
    // ssh first: it has the longest way to go. Then the key and the certificate request.
    let early: { endpoint: Endpoint; ssh: StartedSsh } | undefined =
      guess === undefined ? undefined : { endpoint: guess, ssh: start(guess) };
    const key = deps.generateKey();
    const issuing = obtainCertificate(deps, {
      target,
      key,
      ...(username === undefined ? {} : { username }),
      ...(request.localUsername === undefined ? {} : { localUsername: request.localUsername }),
      ...(knownTargets === undefined ? {} : { knownTargets }),
      // Without a recent list, ssh starts once the server's list has named the target.
      onTarget: (found, user) => {
        const endpoint = early === undefined ? endpointOf(found, user) : undefined;
        if (endpoint !== undefined) early = { endpoint, ssh: start(endpoint) };
      },
    });
    let obtained: ObtainedCertificate;
    try {
      obtained = await issuing;
    } catch (error) {
      await early?.ssh.abandon();
      throw error;
    }
    session.provide({ privateKey: key, certificate: obtained.issued.certificate });
    const endpoint = issuedEndpoint(obtained);
    let ssh: StartedSsh;
    if (early !== undefined && sameEndpoint(early.endpoint, endpoint)) {
      ssh = early.ssh;
    } else {
      await early?.ssh.abandon();
      ssh = start(endpoint);
    }
    ssh.keep();
    const result = await ssh.result;
    if (result.exitCode === 255 && reportsChangedHostKey(result.stderrTail)) {
      deps.notify(changedHostKeyMessage(endpoint.hostname, deps.knownHostsFile));
    }
    return result.exitCode;
  });
}
