/**
 * The agent's SSH front (DESIGN.md flows 5, 6 and 9): an SSH server (ssh2's Server) that takes
 * certificate logins for this one target, checks them itself (domain/front/login-certificate.ts), logs
 * in to the local sshd over loopback as the same UNIX user (inner-sshd.ts), and relays and records each
 * channel (session-relay.ts). It keeps the list of open sessions for the heartbeat and ends sessions
 * when the access server says so.
 *
 * Limits against people who never log in: at most MAX_UNAUTHENTICATED connections wait for a login at a
 * time, MAX_UNAUTHENTICATED_PER_ADDRESS of them from one address (more are dropped at once), each for at
 * most LOGIN_GRACE_MS, and only MAX_SPECULATIVE of them get an inner connection to sshd started before
 * they have logged in.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../../shared/src/ssh2/ssh2-internals.d.ts" />
import { type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2, {
  type Algorithms,
  type AuthContext,
  type CipherAlgorithm,
  type Connection,
  type KexAlgorithm,
  type PublicKeyAuthContext,
} from 'ssh2';
import ssh2Crypto from 'ssh2/lib/protocol/crypto.js';
import type { ClientInfo } from 'ssh2';
import type { SshCertificate } from '@latchkey/shared/ssh/certificate';
import {
  MLKEM768X25519_SHA256,
  registerPostQuantumKeyExchange,
} from '@latchkey/shared/ssh2/register-post-quantum-kex';
import { checkLoginCertificate, type FrontTrust } from '../domain/front/login-certificate.js';
import { permits } from '../domain/front/inner-certificate.js';
import type { FrontRecordingDeps } from './front-session-log.js';
import { INNER_LOGIN_RETRY_DELAYS_MS, isRetriableInnerFailure } from './inner-login-retry.js';
import { InnerSshdConnection, type InnerIdentity, type SshdEndpoint } from './inner-sshd.js';
import { ForwardedAgent } from './forwarded-agent.js';
import { relayForward } from './forward-relay.js';
import { presentHostCertificate } from './present-host-certificate.js';
import { relaySession, type LiveSession } from './session-relay.js';

export interface SshFrontSettings {
  /** Where to listen; port 0 picks a free one (tests). */
  readonly host: string;
  readonly port: number;
  readonly hostKeyOpenSsh: string;
  /** The host certificate of that key (the host CA's), presented alongside the plain key; none yet: undefined. */
  readonly hostCertificate?: string;
  readonly identity: InnerIdentity;
}

export interface SshFrontDeps {
  /** This target and the account CA as the daemon last fetched them; undefined before registration. */
  readonly trust: () => FrontTrust | undefined;
  readonly targetHostname: () => string | undefined;
  /** Where the local sshd listens, and its host keys; invalidate() when a connection to it failed. */
  readonly sshd: { endpoint(): Promise<SshdEndpoint>; invalidate(): void };
  readonly recording: FrontRecordingDeps;
  readonly now: () => Date;
  readonly log: (line: string) => void;
}

export interface SessionEnding {
  readonly sessionId?: string;
  readonly person?: string;
  /** Only sessions that started before this. */
  readonly startedBefore?: Date;
  readonly reason: string;
}

const MAX_UNAUTHENTICATED = 64;
/** One address cannot hold every waiting slot (a few idle sockets would lock everyone out). */
const MAX_UNAUTHENTICATED_PER_ADDRESS = 8;
/** How long a client gets to close after being told its session ended, before its socket is cut. */
const TERMINATE_GRACE_MS = 1000;
/** Orders to end sessions are remembered longer than the longest certificate lifetime (1 h cap). */
const ORDER_MEMORY_MS = 2 * 60 * 60 * 1000;
const MAX_ORDERS = 10_000;
/** Under sshd's default MaxStartups (10): early inner connections never make sshd drop others'. */
const MAX_SPECULATIVE = 8;
const LOGIN_GRACE_MS = 20_000;

export class SshFront {
  private readonly server: InstanceType<typeof ssh2.Server>;
  private presented: string | undefined;
  private unauthenticated = 0;
  private readonly waitingByAddress = new Map<string, number>();
  /** The person behind each tunnel stream (acceptStream): their waiting slots are counted per person. */
  private readonly tunnelPeople = new WeakMap<object, string>();
  private speculative = 0;
  /** Session channels running a program: what the heartbeat reports. */
  private readonly live = new Set<LiveSession>();
  /** Every connection, with how to cut it, and its person once known (what ending sessions looks at). */
  private readonly connections = new Map<
    Connection,
    { person: PersonOnFront | undefined; terminate: () => void }
  >();
  /**
   * Orders to end sessions, kept so that a certificate they cover cannot simply log in again: a session
   * id ended stays refused, a person's sessions stay refused for certificates issued before the order.
   * Kept for ORDER_MEMORY_MS (longer than any certificate lives), at most MAX_ORDERS.
   */
  private orders: (SessionEnding & { readonly receivedAt: number })[] = [];

  private constructor(
    private readonly settings: SshFrontSettings,
    private readonly deps: SshFrontDeps,
  ) {
    this.server = new ssh2.Server(
      {
        hostKeys: [settings.hostKeyOpenSsh],
        ident: 'LatchkeyFront',
        algorithms: { kex: frontKeyExchanges(), cipher: frontCiphers() },
      },
      (client, info) => this.accept(client, info),
    );
    this.server.on('error', (error: Error) => deps.log(`ssh front: ${error.message}`));
    if (settings.hostCertificate !== undefined) {
      try {
        presentHostCertificate(this.server, settings.hostKeyOpenSsh, settings.hostCertificate);
        this.presented = settings.hostCertificate;
      } catch (error) {
        // The plain key still works for clients that pin it; the next heartbeat brings a good certificate.
        deps.log(`ssh front: not presenting the stored host certificate: ${(error as Error).message}`);
      }
    }
  }

  /**
   * From now on, new connections see this host certificate (a renewed or first one) and the plain key.
   * Throws, presenting what it did before, when the line is not a host certificate of the front's key.
   */
  presentHostCertificate(certificateLine: string): void {
    presentHostCertificate(this.server, this.settings.hostKeyOpenSsh, certificateLine);
    this.presented = certificateLine;
  }

  /** The host certificate the front presents now; undefined: none (the plain key only). */
  get hostCertificate(): string | undefined {
    return this.presented;
  }

  static async start(settings: SshFrontSettings, deps: SshFrontDeps): Promise<SshFront> {
    const front = new SshFront(settings, deps);
    await new Promise<void>((resolve, reject) => {
      front.server.once('error', reject);
      front.server.listen(settings.port, settings.host, () => {
        front.server.off('error', reject);
        resolve();
      });
    });
    return front;
  }

  /**
   * Takes a connection that did not arrive on the front's socket (a stream of the agent's tunnel,
   * agent/src/tunnel/) as if it had: the same SSH server, limits, login checks and recording. `remote` is
   * the client's address as the access server saw it; the limits and the logs use it.
   */
  acceptStream(
    stream: Duplex,
    remote: { readonly address: string; readonly port: number },
    person?: string,
  ): void {
    // A tunnel stream's address is whatever the access server saw (a proxy's loopback, 0.0.0.0): it is
    // capped per person, never exempt as loopback.
    if (person !== undefined) this.tunnelPeople.set(stream, person);
    Object.defineProperties(stream, {
      remoteAddress: { value: remote.address, configurable: true },
      remotePort: { value: remote.port, configurable: true },
      remoteFamily: { value: remote.address.includes(':') ? 'IPv6' : 'IPv4', configurable: true },
    });
    this.server.injectSocket(stream as Socket);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The sessions open now, for the heartbeat and the access server's session list. */
  sessions(): LiveSession[] {
    return [...this.live];
  }

  /**
   * Ends every open session that matches, and refuses the same certificates from now on; answers how
   * many were open. `startedBefore` is compared with the certificate's issue time (the server's clock, as
   * is the order's), never with this host's clock.
   */
  endSessions(ending: SessionEnding): number {
    const now = Date.now();
    this.orders = this.orders.filter((order) => now - order.receivedAt < ORDER_MEMORY_MS);
    this.orders.push({ ...ending, receivedAt: now });
    if (this.orders.length > MAX_ORDERS) this.orders.splice(0, this.orders.length - MAX_ORDERS);
    let ended = 0;
    for (const { person, terminate } of this.connections.values()) {
      if (person === undefined || !endingCovers(ending, person)) continue;
      this.deps.log(`ssh front: ending session ${person.sessionId} of ${person.person}: ${ending.reason}`);
      terminate();
      ended++;
    }
    return ended;
  }

  /** The order that still refuses this login, if any. */
  private endedBy(person: PersonOnFront): SessionEnding | undefined {
    const now = Date.now();
    return this.orders.find(
      (order) => now - order.receivedAt < ORDER_MEMORY_MS && endingCovers(order, person),
    );
  }

  async close(): Promise<void> {
    for (const { terminate } of this.connections.values()) terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Connection, info: ClientInfo): void {
    const { deps } = this;
    const socket = (client as unknown as { _sock?: object })._sock;
    const tunnelled = socket === undefined ? undefined : this.tunnelPeople.get(socket);
    const slot = tunnelled === undefined ? info.ip : `tunnel:${tunnelled}`;
    const waitingHere = this.waitingByAddress.get(slot) ?? 0;
    // Loopback is this host's own (tests, benchmarks, a local proxy): only the total applies to it. Not a
    // tunnel stream's, whose address is only what the access server saw: those are capped per person.
    const exempt = tunnelled === undefined && isLoopback(info.ip);
    const perAddressCapped = !exempt && waitingHere >= MAX_UNAUTHENTICATED_PER_ADDRESS;
    if (this.unauthenticated >= MAX_UNAUTHENTICATED || perAddressCapped) {
      client.on('error', () => undefined);
      client.end();
      return;
    }
    this.waitingByAddress.set(slot, waitingHere + 1);
    let inner: InnerSshdConnection | undefined;
    let innerOpening: Promise<InnerSshdConnection> | undefined;
    /**
     * Ends the connection for good: the inner connection first (nothing more reaches sshd, whatever the
     * client does), then the client's, and its socket shortly after even if the client ignores the
     * disconnect.
     */
    const terminate = (): void => {
      inner?.close();
      void innerOpening?.then(
        (connection) => connection.close(),
        () => undefined,
      );
      client.end();
      const socket = (client as unknown as { _sock?: { destroy(): void } })._sock;
      setTimeout(() => socket?.destroy(), TERMINATE_GRACE_MS).unref();
    };
    this.connections.set(client, { person: undefined, terminate });
    // ssh2's server never sets TCP_NODELAY: each small write (an echo, a login step) then waits for the
    // client's delayed ACK, measured at +44 ms per keystroke (docs/benchmarks.md).
    (client as unknown as { setNoDelay(on: boolean): unknown }).setNoDelay(true);
    this.unauthenticated++;
    let authenticated = false;
    const leavePreAuth = (): void => {
      if (authenticated) return;
      authenticated = true;
      this.unauthenticated--;
      const left = (this.waitingByAddress.get(slot) ?? 1) - 1;
      if (left <= 0) this.waitingByAddress.delete(slot);
      else this.waitingByAddress.set(slot, left);
    };
    const grace = setTimeout(() => {
      if (!authenticated) client.end();
    }, LOGIN_GRACE_MS);
    grace.unref();

    const agent = new ForwardedAgent(client);
    let innerSpeculative = false;
    // One inner connection per client connection: the promise is kept, so two callers share it.
    const openInner = (): Promise<InnerSshdConnection> => {
      innerOpening ??= deps.sshd.endpoint().then((endpoint) => {
        inner = new InnerSshdConnection(endpoint, this.settings.identity, deps.now, agent);
        return inner;
      });
      return innerOpening;
    };
    let clientClosed = false;
    /**
     * Logs in to sshd as the person, opening a new inner connection while sshd is briefly away (a
     * reload's re-exec): see inner-login-retry.ts. Rejects with the last failure.
     */
    const loginToSshd = async (current: PersonOnFront): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const connection = await openInner();
          await connection.authenticate({
            outer: current.certificate,
            username: current.username,
            person: current.person,
            sessionId: current.sessionId,
          });
          return;
        } catch (error) {
          const delay = INNER_LOGIN_RETRY_DELAYS_MS[attempt];
          if (delay === undefined || !isRetriableInnerFailure(error) || clientClosed) throw error;
          if (this.endedBy(current) !== undefined) throw error;
          deps.log(
            `ssh front: ${current.person} as ${current.username}: the local sshd is not answering ` +
              `(${(error as Error).message}); trying again in ${String(delay)} ms`,
          );
          inner?.close();
          inner = undefined;
          innerOpening = undefined;
          deps.sshd.invalidate();
          await new Promise((resolve) => setTimeout(resolve, delay));
          if (clientClosed) throw error;
        }
      }
    };
    if (this.speculative < MAX_SPECULATIVE) {
      this.speculative++;
      innerSpeculative = true;
      void openInner().catch(() => undefined);
    }
    const releaseSpeculative = (): void => {
      if (!innerSpeculative) return;
      innerSpeculative = false;
      this.speculative--;
    };

    let login: PersonOnFront | undefined;
    let refusalLogged = false;

    client.on('error', () => undefined);
    client.on('close', () => {
      clientClosed = true;
      clearTimeout(grace);
      leavePreAuth();
      releaseSpeculative();
      this.connections.delete(client);
      inner?.close();
    });
    client.on('authentication', (context: AuthContext) => {
      if (context.method !== 'publickey') {
        context.reject(['publickey']);
        return;
      }
      const pk = context as PublicKeyAuthContext;
      const verdict = checkLoginCertificate(
        {
          keyAlgorithm: pk.key.algo,
          keyBlob: pk.key.data,
          username: pk.username,
          clientAddress: info.ip,
          ...(pk.signature === undefined || pk.blob === undefined
            ? {}
            : { signature: { signedData: pk.blob, signatureBlob: pk.signature } }),
        },
        deps.trust(),
        deps.now(),
      );
      if (!verdict.ok) {
        // Logged once per connection: a client offers each of its keys in turn.
        if (!refusalLogged) {
          refusalLogged = true;
          deps.log(`ssh front: refused ${pk.username} from ${info.ip}: ${verdict.reason}`);
        }
        context.reject(['publickey']);
        return;
      }
      if (pk.signature === undefined) {
        context.accept(); // "this key would do": the client signs next
        return;
      }
      const sessionId = verdict.sessionId ?? verdict.certificate.serial.toString();
      login = {
        person: verdict.person,
        sessionId,
        username: pk.username,
        certificate: verdict.certificate,
        loggedInAt: deps.now(),
      };
      const current = login;
      const ended = this.endedBy(current);
      if (ended !== undefined) {
        deps.log(
          `ssh front: refused ${current.person} (session ${current.sessionId}): its access was ended (${ended.reason})`,
        );
        context.reject([]);
        terminate();
        return;
      }
      // Known from here on: an order that arrives while sshd is asked still finds this connection.
      this.connections.set(client, { person: current, terminate });
      void loginToSshd(current).then(
        () => {
          leavePreAuth();
          releaseSpeculative();
          if (this.endedBy(current) !== undefined) {
            context.reject([]);
            terminate();
            return;
          }
          deps.log(
            `ssh front: ${current.person} logged in as ${current.username} from ${info.ip} (session ${current.sessionId})`,
          );
          context.accept();
        },
        (error: unknown) => {
          deps.sshd.invalidate();
          deps.log(
            `ssh front: ${current.person} as ${current.username}: no login to the local sshd: ${(error as Error).message}`,
          );
          context.reject([]);
          client.end();
        },
      );
    });
    client.on('ready', () => {
      const current = login!;
      const connection = inner!;
      const trust = deps.trust();
      client.on('session', (accept) => {
        relaySession(accept(), {
          inner: connection,
          certificate: current.certificate,
          person: current.person,
          sessionId: current.sessionId,
          username: current.username,
          targetId: trust?.targetId ?? '',
          targetHostname: deps.targetHostname(),
          clientAddress: joinAddress(info.ip, info.port),
          serverAddress: joinAddress(this.settings.host, this.port),
          recording: deps.recording,
          agent,
          log: deps.log,
          onStart: (session) => {
            this.live.add(session);
            return () => this.live.delete(session);
          },
        });
      });
      let forwarding: LiveSession | undefined;
      client.on('close', () => {
        if (forwarding !== undefined) this.live.delete(forwarding);
      });
      client.on('tcpip', (accept, reject, request) => {
        if (!permits(current.certificate, 'port-forwarding')) {
          reject();
          return;
        }
        const destination = joinAddress(request.destIP, request.destPort);
        // A connection that only forwards (ssh -N -L) is listed too, so an admin can see and end it.
        if (forwarding === undefined) {
          forwarding = {
            sessionId: current.sessionId,
            person: current.person,
            unixUser: current.username,
            program: 'exec',
            command: `direct-tcpip ${destination}`,
            startedAt: new Date(),
            clientAddress: joinAddress(info.ip, info.port),
          };
          this.live.add(forwarding);
        }
        connection
          .forwardOut(request.srcIP, request.srcPort, request.destIP, request.destPort)
          .then(async (innerChannel) => {
            const outerChannel = accept();
            deps.log(
              `ssh front: ${current.person} forwards to ${destination} (session ${current.sessionId})`,
            );
            await relayForward(outerChannel, innerChannel, {
              recording: deps.recording,
              identity: {
                session_id: current.sessionId,
                target_id: trust?.targetId ?? '',
                ...(deps.targetHostname() === undefined ? {} : { target_hostname: deps.targetHostname()! }),
                user_email: current.person,
                principal: current.username,
                program_type: 'exec',
                command: `direct-tcpip ${destination}`,
                client_address: joinAddress(info.ip, info.port),
                server_address: joinAddress(this.settings.host, this.port),
              },
              unixUser: current.username,
              destination,
            });
          })
          .catch(() => reject());
      });
      client.on('request', (_accept, reject) => reject?.());
    });
  }
}

/**
 * The post-quantum hybrid first (OpenSSH's default since 10.0; 10.1+ warns without one: the front must not
 * make a connection weaker than a direct one), then ssh2's defaults, curve25519 first, for older clients
 * such as OpenSSH 9.2. Registering it is what lets ssh2 accept the name (register-post-quantum-kex.ts).
 */
function frontKeyExchanges(): Algorithms['kex'] {
  registerPostQuantumKeyExchange();
  // ssh2 takes `{ prepend }` alone (lib/utils.js generateAlgorithmList); its types want every key.
  return { prepend: [MLKEM768X25519_SHA256 as KexAlgorithm] } as Algorithms['kex'];
}

/**
 * AES-GCM first (AES-NI), then AES-CTR; chacha20-poly1305 only where ssh2's native binding is loaded:
 * without it ssh2 computes Poly1305 in JavaScript, which would cost the front more than the recording.
 * OpenSSH clients take the first of their own list that the server offers.
 */
function frontCiphers(): CipherAlgorithm[] {
  const aes: CipherAlgorithm[] = [
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
  ];
  return sshCryptoBinding() ? ['chacha20-poly1305@openssh.com', ...aes] : aes;
}

function sshCryptoBinding(): boolean {
  return ssh2Crypto.bindingAvailable === true;
}

/**
 * Whether an order to end sessions covers this login: the same session id, or the same person with a
 * certificate issued before the order (the certificate's valid-after, back-dated by the server, against
 * the order's time: both the server's clock).
 */
function endingCovers(ending: SessionEnding, person: PersonOnFront): boolean {
  if (ending.sessionId !== undefined && person.sessionId !== ending.sessionId) return false;
  if (ending.person !== undefined && person.person.toLowerCase() !== ending.person.toLowerCase())
    return false;
  if (ending.startedBefore !== undefined && person.certificate.validAfter >= ending.startedBefore)
    return false;
  return true;
}

interface PersonOnFront {
  readonly person: string;
  readonly sessionId: string;
  readonly username: string;
  readonly certificate: SshCertificate;
  readonly loggedInAt: Date;
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

function joinAddress(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
