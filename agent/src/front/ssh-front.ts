/**
 * The agent's SSH front (DESIGN.md flows 5, 6 and 9): an SSH server (ssh2's Server) that takes
 * certificate logins for this one target, checks them itself (domain/front/login-certificate.ts), logs
 * in to the local sshd over loopback as the same UNIX user (inner-sshd.ts), and relays and records each
 * channel (session-relay.ts). It keeps the list of open sessions for the heartbeat and ends sessions
 * when the access server says so.
 *
 * Limits against people who never log in: at most MAX_UNAUTHENTICATED connections wait for a login at a
 * time (more are dropped at once), each for at most LOGIN_GRACE_MS, and only MAX_SPECULATIVE of them get
 * an inner connection to sshd started before they have logged in.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../../shared/src/ssh2/ssh2-internals.d.ts" />
import { type AddressInfo } from 'node:net';
import ssh2, {
  type AuthContext,
  type CipherAlgorithm,
  type Connection,
  type PublicKeyAuthContext,
} from 'ssh2';
import ssh2Crypto from 'ssh2/lib/protocol/crypto.js';
import type { ClientInfo } from 'ssh2';
import type { SshCertificate } from '@latchkey/shared/ssh/certificate';
import { checkLoginCertificate, type FrontTrust } from '../domain/front/login-certificate.js';
import { permits } from '../domain/front/inner-certificate.js';
import type { FrontRecordingDeps } from './front-session-log.js';
import { InnerSshdConnection, type InnerIdentity, type SshdEndpoint } from './inner-sshd.js';
import { ForwardedAgent } from './forwarded-agent.js';
import { relayForward } from './forward-relay.js';
import { relaySession, type LiveSession } from './session-relay.js';

export interface SshFrontSettings {
  /** Where to listen; port 0 picks a free one (tests). */
  readonly host: string;
  readonly port: number;
  readonly hostKeyOpenSsh: string;
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
const MAX_SPECULATIVE = 16;
const LOGIN_GRACE_MS = 60_000;

export class SshFront {
  private readonly server: InstanceType<typeof ssh2.Server>;
  private unauthenticated = 0;
  private speculative = 0;
  /** Session channels running a program: what the heartbeat reports. */
  private readonly live = new Set<LiveSession>();
  /** Every connection; with its person once logged in (what ending sessions looks at). */
  private readonly connections = new Map<Connection, PersonOnFront | undefined>();

  private constructor(
    private readonly settings: SshFrontSettings,
    private readonly deps: SshFrontDeps,
  ) {
    this.server = new ssh2.Server(
      { hostKeys: [settings.hostKeyOpenSsh], ident: 'LatchkeyFront', algorithms: { cipher: frontCiphers() } },
      (client, info) => this.accept(client, info),
    );
    this.server.on('error', (error: Error) => deps.log(`ssh front: ${error.message}`));
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

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The sessions open now, for the heartbeat and the access server's session list. */
  sessions(): LiveSession[] {
    return [...this.live];
  }

  /** Ends every open session that matches; answers how many. */
  endSessions(ending: SessionEnding): number {
    let ended = 0;
    for (const [connection, person] of this.connections) {
      if (person === undefined) continue;
      if (ending.sessionId !== undefined && person.sessionId !== ending.sessionId) continue;
      if (ending.person !== undefined && person.person.toLowerCase() !== ending.person.toLowerCase())
        continue;
      if (ending.startedBefore !== undefined && person.loggedInAt >= ending.startedBefore) continue;
      this.deps.log(`ssh front: ending session ${person.sessionId} of ${person.person}: ${ending.reason}`);
      connection.end();
      ended++;
    }
    return ended;
  }

  async close(): Promise<void> {
    for (const connection of this.connections.keys()) connection.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Connection, info: ClientInfo): void {
    const { deps } = this;
    if (this.unauthenticated >= MAX_UNAUTHENTICATED) {
      client.on('error', () => undefined);
      client.end();
      return;
    }
    this.connections.set(client, undefined);
    this.unauthenticated++;
    let authenticated = false;
    const leavePreAuth = (): void => {
      if (authenticated) return;
      authenticated = true;
      this.unauthenticated--;
    };
    const grace = setTimeout(() => {
      if (!authenticated) client.end();
    }, LOGIN_GRACE_MS);
    grace.unref();

    let inner: InnerSshdConnection | undefined;
    const agent = new ForwardedAgent(client);
    let innerSpeculative = false;
    const openInner = async (): Promise<InnerSshdConnection> => {
      if (inner === undefined) {
        inner = new InnerSshdConnection(await deps.sshd.endpoint(), this.settings.identity, deps.now, agent);
      }
      return inner;
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
      void openInner()
        .then((connection) =>
          connection.authenticate({
            outer: current.certificate,
            username: current.username,
            person: current.person,
            sessionId: current.sessionId,
          }),
        )
        .then(
          () => {
            leavePreAuth();
            releaseSpeculative();
            this.connections.set(client, current);
            deps.log(
              `ssh front: ${current.person} logged in as ${current.username} from ${info.ip} (session ${current.sessionId})`,
            );
            context.accept();
          },
          (error: unknown) => {
            deps.sshd.invalidate();
            deps.log(
              `ssh front: ${current.person} as ${current.username}: the local sshd refused the login: ${(error as Error).message}`,
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
      client.on('tcpip', (accept, reject, request) => {
        if (!permits(current.certificate, 'port-forwarding')) {
          reject();
          return;
        }
        const destination = joinAddress(request.destIP, request.destPort);
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

interface PersonOnFront {
  readonly person: string;
  readonly sessionId: string;
  readonly username: string;
  readonly certificate: SshCertificate;
  readonly loggedInAt: Date;
}

function joinAddress(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
