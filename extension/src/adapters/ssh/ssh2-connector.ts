/**
 * The SshConnector port over ssh2: certificate login (through shared/src/ssh2/offer-certificate.ts), host key check
 * before authentication, an interactive shell with a PTY (xterm-256color, so colours work), resize,
 * exit status, and errors that say what failed.
 */
import { createHash } from 'node:crypto';
import { LatchkeyError } from '@latchkey/shared';
import { Client } from 'ssh2';
import type { Algorithms, ClientChannel, KexAlgorithm, ServerHostKeyAlgorithm } from 'ssh2';
import { ED25519, certificateBlob } from '../../domain/openssh-keys.js';
import type { ShellEnd, ShellRequest, SshConnector, SshShell } from '../../app/ports/ssh.js';
import { offerCertificate } from '@latchkey/shared/ssh2/offer-certificate';
import { acceptHostCertificates } from '@latchkey/shared/ssh2/accept-host-certificates';
import {
  MLKEM768X25519_SHA256,
  registerPostQuantumKeyExchange,
} from '@latchkey/shared/ssh2/register-post-quantum-kex';

const READY_TIMEOUT_MS = 20_000;

export function sha256Fingerprint(hostKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The post-quantum hybrid first (as OpenSSH 10 does; the agent's front offers it), then ssh2's defaults
 * for servers without it (shared/src/ssh2/register-post-quantum-kex.ts).
 */
function postQuantumFirst(): Algorithms['kex'] {
  registerPostQuantumKeyExchange();
  // ssh2 takes `{ prepend }` alone (lib/utils.js generateAlgorithmList); its types want every key.
  return { prepend: [MLKEM768X25519_SHA256 as KexAlgorithm] } as Algorithms['kex'];
}

export class Ssh2Connector implements SshConnector {
  openShell(request: ShellRequest): Promise<SshShell> {
    // A certified front is asked for its host certificate (ssh2 takes none without this).
    if (request.hostKeyAlgorithms?.some((name) => name.includes('-cert-v01@openssh.com'))) {
      acceptHostCertificates();
    }
    const client = new Client();
    const { type, blob } = certificateBlob(request.certificate);
    return new Promise<SshShell>((resolve, reject) => {
      let settled = false;
      const fail = (error: LatchkeyError): void => {
        if (settled) return;
        settled = true;
        client.end();
        reject(error);
      };
      client.on('error', (error: Error & { level?: string }) => {
        fail(describeConnectError(error, request));
      });
      client.on('ready', () => {
        client.shell(
          { term: 'xterm-256color', cols: request.size.columns, rows: request.size.rows },
          (error, channel) => {
            if (error) {
              fail(new LatchkeyError('unavailable', `${where(request)} refused a shell: ${error.message}`));
              return;
            }
            settled = true;
            resolve(new Ssh2Shell(client, channel));
          },
        );
      });
      client.on('close', () =>
        fail(new LatchkeyError('unavailable', `${where(request)} closed the connection during login`)),
      );
      client.connect({
        host: request.host,
        port: request.port,
        ...(request.socket === undefined ? {} : { sock: request.socket }),
        username: request.username,
        readyTimeout: READY_TIMEOUT_MS,
        algorithms: {
          kex: postQuantumFirst(),
          ...(request.hostKeyAlgorithms === undefined
            ? {}
            : { serverHostKey: request.hostKeyAlgorithms as ServerHostKeyAlgorithm[] }),
        },
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
          request.verifyHostKey(sha256Fingerprint(key), key).then(verify, () => verify(false));
        },
        authHandler: (methodsLeft, _partialSuccess, next) => {
          // ssh2 accepts `false` for "no more methods" although its types do not say so.
          const stop = (): void => (next as unknown as (method: false) => void)(false);
          if (methodsLeft !== null && !methodsLeft.includes('publickey')) {
            stop();
            return;
          }
          offerCertificate(client, {
            certificateType: type,
            certificateBlob: blob,
            signatureAlgorithm: ED25519,
            publicKeyBlob: request.key.publicKeyBlob,
            sign: request.key.sign,
          });
          // One attempt: the certificate. If sshd refuses it, ssh2 calls back again and we stop.
          if (methodsLeft !== null) {
            stop();
            return;
          }
          next({ type: 'publickey', username: request.username, key: request.key.privateKeyOpenSsh });
        },
      });
    });
  }
}

function where(request: ShellRequest): string {
  return `${request.username}@${request.host}:${request.port}`;
}

function describeConnectError(
  error: Error & { level?: string; code?: string },
  request: ShellRequest,
): LatchkeyError {
  if (error.level === 'client-authentication') {
    return new LatchkeyError(
      'access_denied',
      `${where(request)} refused the Latchkey certificate for "${request.username}" (the server may not trust the Latchkey CA, or the user does not exist there)`,
      { cause: error },
    );
  }
  if (/no matching host key/i.test(error.message)) {
    return new LatchkeyError(
      'permission_denied',
      `${where(request)} has no host key of the type asked for (${(request.hostKeyAlgorithms ?? []).join(', ')})`,
      { cause: error },
    );
  }
  if (/verification failed/i.test(error.message)) {
    return new LatchkeyError('permission_denied', `${where(request)}: the host key was not accepted`, {
      cause: error,
    });
  }
  if (error.level === 'client-timeout') {
    return new LatchkeyError('unavailable', `${where(request)} did not answer in time`, { cause: error });
  }
  return new LatchkeyError('unavailable', `cannot connect to ${where(request)}: ${error.message}`, {
    cause: error,
  });
}

class Ssh2Shell implements SshShell {
  private end: ShellEnd = {};
  private ended = false;
  private readonly endListeners: Array<(end: ShellEnd) => void> = [];

  constructor(
    private readonly client: Client,
    private readonly channel: ClientChannel,
  ) {
    channel.on('exit', (code: number | null, signal?: string) => {
      if (typeof code === 'number') this.end.exitCode = code;
      if (typeof signal === 'string') this.end.signal = signal;
    });
    channel.on('close', () => {
      this.finish();
      client.end();
    });
    client.on('error', (error: Error) => {
      this.end.error = error;
    });
    client.on('close', () => {
      if (!this.ended && this.end.exitCode === undefined && this.end.signal === undefined) {
        this.end.error ??= new Error('the connection was closed');
      }
      this.finish();
    });
  }

  onData(listener: (data: Buffer) => void): void {
    this.channel.on('data', listener);
    this.channel.stderr.on('data', listener);
  }

  onEnd(listener: (end: ShellEnd) => void): void {
    if (this.ended) listener(this.end);
    else this.endListeners.push(listener);
  }

  write(data: string): void {
    if (!this.ended) this.channel.write(data);
  }

  resize(size: { columns: number; rows: number }): void {
    if (!this.ended) this.channel.setWindow(size.rows, size.columns, 0, 0);
  }

  close(): void {
    this.channel.close();
    this.client.end();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const listener of this.endListeners.splice(0)) listener(this.end);
  }
}
