/**
 * The inner hop (DESIGN.md flow 6): the front's own SSH connection to the local sshd over loopback, as
 * the person's UNIX user, with a one-minute certificate from the host-local CA (domain/front/
 * inner-certificate.ts). ssh2 cannot offer a certificate by itself: shared/src/ssh2/offer-certificate.ts
 * closes that gap. sshd's host key is checked against the keys sshd itself serves (read from its
 * configuration by the caller), so nothing else listening on that port gets the session.
 *
 * The TCP connection and key exchange start as soon as a client connects to the front, before the
 * person has authenticated (the prototype measured login at 0.96-0.98x direct this way, against
 * 1.28-1.32x when started after); authentication waits for the person's login, and an inner connection
 * whose person never logs in is closed without ever authenticating.
 */
import ssh2, { type BaseAgent, type ClientChannel, type ConnectConfig } from 'ssh2';
import { issueCertificate } from '@latchkey/shared/ssh/issue-certificate';
import type { SshPrivateKey } from '@latchkey/shared/ssh/ssh-private-key';
import type { SshPublicKey } from '@latchkey/shared/ssh/ssh-public-key';
import { signSshData } from '@latchkey/shared/ssh/ssh-signature';
import { offerCertificate } from '@latchkey/shared/ssh2/offer-certificate';
import { innerCertificateRequest, type InnerLogin } from '../domain/front/inner-certificate.js';

export interface SshdEndpoint {
  readonly host: string;
  readonly port: number;
  /** Public key blobs sshd serves; empty: not known, and then no inner connection is made. */
  readonly hostKeys: readonly Buffer[];
}

/** The front's key for the inner hop (in memory only) and the host CA that certifies it per login. */
export interface InnerIdentity {
  readonly hostCa: SshPrivateKey;
  readonly key: SshPrivateKey;
  readonly keyOpenSsh: string;
  readonly publicKey: SshPublicKey;
}

const READY_TIMEOUT_MS = 20_000;

export class InnerSshdConnection {
  readonly client = new ssh2.Client();
  private login: PersonLogin | undefined;
  private resolveLogin: ((login: PersonLogin | undefined) => void) | undefined;
  private readonly loginDecided: Promise<PersonLogin | undefined>;
  readonly ready: Promise<void>;
  private closed = false;

  /** `agent`: the person's forwarded agent, reached through the front (used only by sessions that ask). */
  constructor(endpoint: SshdEndpoint, identity: InnerIdentity, now: () => Date, agent?: BaseAgent) {
    this.loginDecided = new Promise((resolve) => (this.resolveLogin = resolve));
    this.ready = new Promise<void>((resolve, reject) => {
      this.client.once('ready', () => resolve());
      this.client.once('error', (error) => reject(error));
      this.client.once('close', () => reject(new Error('sshd closed the connection before login')));
    });
    this.ready.catch(() => undefined);
    const config: ConnectConfig = {
      host: endpoint.host,
      port: endpoint.port,
      username: 'latchkey-front',
      readyTimeout: READY_TIMEOUT_MS,
      keepaliveInterval: 0,
      algorithms: {
        // AES-GCM on loopback: the cheapest AEAD with AES-NI; the person's side uses what their client prefers.
        cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'],
      },
      ...(agent === undefined ? {} : { agent }),
      // Only sshd's own host keys: whatever else listens on that port never gets a person's session.
      hostVerifier: (key: Buffer) => endpoint.hostKeys.some((pinned) => pinned.equals(key)),
      authHandler: (methodsLeft, _partial, next) => {
        const stop = (): void => (next as unknown as (method: false) => void)(false);
        if (methodsLeft !== null) {
          stop(); // sshd refused the certificate: one attempt only
          return;
        }
        void this.loginDecided.then((login) => {
          if (login === undefined || this.closed) {
            stop();
            return;
          }
          const certificate = issueCertificate(
            identity.hostCa,
            innerCertificateRequest({ ...login, subjectKey: identity.publicKey }),
            { now },
          );
          offerCertificate(this.client, {
            certificateType: certificate.certType,
            certificateBlob: Buffer.from(certificate.blob),
            signatureAlgorithm: 'ssh-ed25519',
            publicKeyBlob: Buffer.from(identity.publicKey.blob),
            sign: (data) => Buffer.from(signSshData(identity.key, data).bytes),
          });
          next({ type: 'publickey', username: login.username, key: identity.keyOpenSsh });
        });
      },
    };
    this.client.on('error', () => undefined);
    this.client.connect(config);
    // TCP_NODELAY: keystrokes and echoes are single small packets.
    this.client.on('connect', () => {
      const socket = (this.client as unknown as { _sock?: { setNoDelay?: (on: boolean) => void } })._sock;
      socket?.setNoDelay?.(true);
    });
  }

  /** The person logged in to the front: authenticate to sshd as them. */
  authenticate(login: PersonLogin): Promise<void> {
    this.login = login;
    this.resolveLogin?.(login);
    return this.ready;
  }

  get authenticatedAs(): string | undefined {
    return this.login?.username;
  }

  openSession(
    kind: 'shell' | 'exec' | 'subsystem',
    options: { command?: string; pty?: PtyRequest; env: Record<string, string>; agentForward?: boolean },
  ): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | undefined, channel: ClientChannel): void =>
        error ? reject(error) : resolve(channel);
      const env = {
        ...(Object.keys(options.env).length > 0 ? { env: options.env } : {}),
        ...(options.agentForward === true ? { agentForward: true } : {}),
      };
      if (kind === 'shell') {
        this.client.shell(options.pty === undefined ? false : options.pty, env, done);
      } else if (kind === 'exec') {
        this.client.exec(
          options.command ?? '',
          { ...env, ...(options.pty === undefined ? {} : { pty: options.pty }) },
          done,
        );
      } else {
        this.client.subsys(options.command ?? '', done);
      }
    });
  }

  forwardOut(srcIP: string, srcPort: number, dstIP: string, dstPort: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) =>
      this.client.forwardOut(srcIP, srcPort, dstIP, dstPort, (error, channel) =>
        error ? reject(error) : resolve(channel),
      ),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.resolveLogin?.(undefined);
    this.client.end();
  }
}

/** Who logged in to the front: what the inner certificate is made from. */
export type PersonLogin = Omit<InnerLogin, 'subjectKey'>;

export interface PtyRequest {
  readonly term: string;
  readonly cols: number;
  readonly rows: number;
  readonly width: number;
  readonly height: number;
  readonly modes?: Record<string, number>;
}
