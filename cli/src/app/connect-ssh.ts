import type { SshPrivateKey } from '@latchkey/shared';
import { targetAddress } from '../domain/access-api.js';
import type { MeTarget } from '../domain/access-api.js';
import { chooseUsername } from '../domain/choose-username.js';
import { parseDestination } from '../domain/destination.js';
import { issuedHostKey, listedHostKey, sameHostTrust, type HostTrust } from '../domain/host-key-check.js';
import {
  changedHostKeyMessage,
  refusedServerHostKeyMessage,
  reportsChangedHostKey,
  reportsRefusedHostKey,
} from '../domain/known-hosts.js';
import { resolveTarget } from '../domain/resolve-target.js';
import { sshArguments } from '../domain/ssh-arguments.js';
import type { SshPassThroughOptions } from '../domain/ssh-arguments.js';
import { obtainCertificate } from './obtain-certificate.js';
import type { ObtainedCertificate } from './obtain-certificate.js';
import { pinServerHostKeys } from './pin-server-host-keys.js';
import type { Notify } from './ports/environment.js';
import type { TextFiles } from './ports/files.js';
import type { SshRunner, StartedSsh } from './ports/ssh-runner.js';
import type { TargetCache } from './ports/target-cache.js';
import { withAccessToken } from './signed-in-session.js';
import type { SessionDeps } from './signed-in-session.js';

export interface ConnectDeps extends SessionDeps {
  ssh: SshRunner;
  generateKey: () => SshPrivateKey;
  notify: Notify;
  knownHostsFile: string;
  /** Where Latchkey's known_hosts is read and written (the server's key of a fronted target is pinned there). */
  files: TextFiles;
  /** Recently listed targets, so that ssh can start before the certificate is issued (optional). */
  targetCache?: TargetCache;
  /**
   * The access server's tunnel (docs/tunnels.md): a target the list marks `tunnel: true` is reached
   * through it, ssh running `proxyCommand(targetId)` (`latchkey proxy …`) instead of dialling the address.
   */
  tunnel?: { proxyCommand: (targetId: string) => string };
}

export interface ConnectRequest {
  /** `[USER@]TARGET` */
  destination: string;
  command: readonly string[];
  passThrough: SshPassThroughOptions;
  localUsername?: string;
}

/**
 * Where ssh goes: the target's name (its host key's), address, port, the UNIX user, and for a fronted
 * target the trust the access server gives (its host CA, or the front's key), which ssh must find;
 * undefined: first use.
 */
interface Endpoint {
  hostname: string;
  address: string;
  port: number;
  username: string;
  trust?: HostTrust;
  /** Through the tunnel: the ProxyCommand ssh runs. */
  proxyCommand?: string;
}

const sameEndpoint = (a: Endpoint, b: Endpoint) =>
  a.hostname.toLowerCase() === b.hostname.toLowerCase() &&
  a.address === b.address &&
  a.port === b.port &&
  a.username === b.username &&
  a.proxyCommand === b.proxyCommand &&
  sameHostTrust(a.trust, b.trust);

/** Where a listed target says ssh goes; undefined when the list cannot tell (no address, a bad host key). */
function endpointOf(target: MeTarget, username: string, proxy: ProxyOf): Endpoint | undefined {
  const address = targetAddress(target);
  const proxyCommand = proxy(target);
  if (address === '') return undefined;
  let trust: HostTrust | undefined;
  try {
    trust = listedHostKey(target);
  } catch {
    return undefined; // the certificate answer decides, and says what is wrong
  }
  return {
    hostname: target.hostname,
    address,
    port: target.port,
    username,
    ...(trust === undefined ? {} : { trust }),
    ...(proxyCommand === undefined ? {} : { proxyCommand }),
  };
}

/** The ProxyCommand for a listed target reached through the tunnel; undefined: ssh dials its address. */
type ProxyOf = (target: Pick<MeTarget, 'id' | 'tunnel'>) => string | undefined;

/** The endpoint a recent target list points at, or undefined when it cannot tell. */
function guessEndpoint(
  targets: readonly MeTarget[] | undefined,
  name: string,
  username: string | undefined,
  localUsername: string | undefined,
  proxy: ProxyOf,
): Endpoint | undefined {
  if (targets === undefined) return undefined;
  try {
    const target = resolveTarget(targets, name);
    return endpointOf(target, chooseUsername(target, username, localUsername), proxy);
  } catch {
    return undefined;
  }
}

/**
 * Where the certificate says ssh goes, with the host key from the freshest source: the certificate
 * answer's; failing that, a fronted target's key from a list the server has just given (a recent list is
 * listed again first, so a stale key is never what ssh is held to). Whether it goes through the tunnel is
 * read from a list the server has just given too (a recent list is listed again when a tunnel is wired):
 * a tunnel comes and goes with its agent.
 */
async function issuedEndpoint(
  deps: ConnectDeps,
  obtained: ObtainedCertificate,
  proxy: ProxyOf,
): Promise<Endpoint> {
  const issued = obtained.issued.target;
  let listed = obtained.target;
  let check = issuedHostKey(issued, listed);
  if (obtained.fromKnownTargets && (check?.from === 'list' || deps.tunnel !== undefined)) {
    const fresh = await withAccessToken(deps, (token) => deps.server.myTargets(token));
    await deps.targetCache?.put(deps.server.url, fresh);
    listed = fresh.find((target) => target.id === obtained.target.id) ?? {
      ...listed,
      front: undefined,
      tunnel: undefined,
    };
    check = issuedHostKey(issued, listed);
  }
  const proxyCommand = proxy(listed);
  return {
    hostname: obtained.target.hostname,
    address: issued.address,
    port: issued.port,
    username: obtained.username,
    ...(proxyCommand === undefined ? {} : { proxyCommand }),
    ...(check === undefined
      ? {}
      : { trust: check.hostCa === undefined ? { hostKey: check.hostKey } : { hostCa: check.hostCa } }),
  };
}

/**
 * `latchkey ssh`: a fresh Ed25519 key pair that never outlives the connection (nor touches the disk), a
 * certificate for it, and the system ssh straight to the target, authenticating through latchkey's
 * one-key agent. When a recent target list says where the target is, ssh starts at once (else as soon
 * as the server's list has named it) and connects while the certificate is being issued (it asks the
 * agent only when it authenticates); if the certificate then names another address, port, user or host
 * key, that ssh is ended before it authenticated and a new one goes where the certificate says. A refused
 * certificate ends the early ssh without a word from it.
 *
 * A fronted target's trust (the account's host CA when its agent's SSH front presents a host
 * certificate, as one `@cert-authority` line; else the front's key the access server gives) is written in
 * Latchkey's known_hosts before each ssh starts, and ssh checks it strictly: never a trust-on-first-use
 * prompt. A key from the recent list (up to 5 minutes old) may start the early ssh, but the ssh that is
 * kept is always held to the key the server gives now: the certificate answer's (or, without one, a list
 * fetched again). So a stale key means one refresh; the same key refused again is the host's doing, and
 * Latchkey says the host is not the one the server knows (and forgets the recent list).
 *
 * Answers ssh's exit status; when ssh refused a host key, says which target and what to do.
 */
export async function connectSsh(deps: ConnectDeps, request: ConnectRequest): Promise<number> {
  const { username, target } = parseDestination(request.destination);
  const knownTargets = await deps.targetCache?.get(deps.server.url);
  // A target the list marks `tunnel: true` is reached through the server's tunnel.
  const { tunnel } = deps;
  const proxy: ProxyOf = (listed) =>
    tunnel !== undefined && listed.tunnel === true ? tunnel.proxyCommand(listed.id) : undefined;
  const guess = guessEndpoint(knownTargets, target, username, request.localUsername, proxy);
  return deps.ssh.withAgent(async (session) => {
    const start = async (endpoint: Endpoint): Promise<StartedSsh> => {
      if (endpoint.trust !== undefined) {
        await pinServerHostKeys(deps.files, deps.knownHostsFile, [
          { hostname: endpoint.hostname, ...endpoint.trust },
        ]);
      }
      return session.start(
        sshArguments({
          agentSocket: session.agentSocket,
          knownHostsFile: deps.knownHostsFile,
          hostKeyAlias: endpoint.hostname,
          hostKeyCheck: endpoint.trust === undefined ? 'first-use' : 'server',
          address: endpoint.address,
          port: endpoint.port,
          username: endpoint.username,
          passThrough: request.passThrough,
          command: request.command,
          ...(endpoint.proxyCommand === undefined ? {} : { proxyCommand: endpoint.proxyCommand }),
        }),
      );
    };
    // An early ssh is only a head start: if it cannot be started (its pin not written), there is none.
    const startEarly = (endpoint: Endpoint) => ({
      endpoint,
      ssh: start(endpoint).catch(() => undefined),
    });
    // ssh first (its pin written, when fronted): it has the longest way to go. Then the key and the
    // certificate request.
    let early: { endpoint: Endpoint; ssh: Promise<StartedSsh | undefined> } | undefined =
      guess === undefined ? undefined : startEarly(guess);
    await early?.ssh;
    const key = deps.generateKey();
    let obtained: ObtainedCertificate;
    let endpoint: Endpoint;
    let earlySsh: StartedSsh | undefined;
    try {
      obtained = await obtainCertificate(deps, {
        target,
        key,
        ...(username === undefined ? {} : { username }),
        ...(request.localUsername === undefined ? {} : { localUsername: request.localUsername }),
        ...(knownTargets === undefined ? {} : { knownTargets }),
        // Without a recent list, ssh starts once the server's list has named the target.
        onTarget: (found, user) => {
          const at = early === undefined ? endpointOf(found, user, proxy) : undefined;
          if (at !== undefined) early = startEarly(at);
        },
      });
      endpoint = await issuedEndpoint(deps, obtained, proxy);
      earlySsh = await early?.ssh;
    } catch (error) {
      await (await early?.ssh)?.abandon();
      throw error;
    }
    // The identity is offered only once the ssh that would use it goes where the certificate says and
    // is held to the host key the server gives: an early ssh that went elsewhere never authenticates.
    let ssh: StartedSsh;
    if (earlySsh !== undefined && early !== undefined && sameEndpoint(early.endpoint, endpoint)) {
      ssh = earlySsh;
    } else {
      await earlySsh?.abandon();
      ssh = await start(endpoint);
    }
    session.provide({ privateKey: key, certificate: obtained.issued.certificate });
    ssh.keep();
    const result = await ssh.result;
    if (result.exitCode === 255) {
      if (endpoint.trust !== undefined && reportsRefusedHostKey(result.stderrTail)) {
        await deps.targetCache?.forget(deps.server.url);
        deps.notify(refusedServerHostKeyMessage(endpoint.hostname, endpoint.trust.hostCa !== undefined));
      } else if (reportsChangedHostKey(result.stderrTail)) {
        deps.notify(changedHostKeyMessage(endpoint.hostname, deps.knownHostsFile));
      }
    }
    return result.exitCode;
  });
}
