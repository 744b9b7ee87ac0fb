/**
 * A one-key ssh-agent inside the latchkey process (draft-miller-ssh-agent), so that ssh can start before
 * its certificate exists: ssh connects and exchanges keys (most of its time) while the certificate is
 * being issued, and asks the agent for identities only when it authenticates. Until the identity is
 * provided, that question simply waits for the answer.
 *
 * It offers exactly one identity (the certificate of the connection's fresh key pair), signs only with
 * that key, and refuses everything else (adding or removing keys, locking, extensions such as
 * session-bind): SSH_AGENT_FAILURE. Its socket lives in a 0700 directory the caller created.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SshWireWriter, signSshData, type SshPrivateKey } from '@latchkey/shared';

const SSH_AGENT_FAILURE = 5;
const SSH_AGENTC_REQUEST_IDENTITIES = 11;
const SSH_AGENT_IDENTITIES_ANSWER = 12;
const SSH_AGENTC_SIGN_REQUEST = 13;
const SSH_AGENT_SIGN_RESPONSE = 14;
/** ssh's own agent client refuses longer messages. */
const MAX_MESSAGE_BYTES = 256 * 1024;

export interface AgentIdentity {
  privateKey: SshPrivateKey;
  /** The certificate as an authorized-keys line (`ssh-ed25519-cert-v01@openssh.com AAAA… comment`). */
  certificate: string;
}

interface ReadyIdentity {
  privateKey: SshPrivateKey;
  /** The blobs a sign request may name: the certificate's, and the plain public key's. */
  certificateBlob: Buffer;
  publicKeyBlob: Buffer;
  comment: string;
}

function readString(message: Buffer, offset: number): { value: Buffer; next: number } | undefined {
  if (offset + 4 > message.length) return undefined;
  const length = message.readUInt32BE(offset);
  const next = offset + 4 + length;
  if (next > message.length) return undefined;
  return { value: message.subarray(offset + 4, next), next };
}

function frame(type: number, body: Uint8Array = new Uint8Array()): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(1 + body.length, 0);
  out[4] = type;
  out.set(body, 5);
  return out;
}

export class OneKeySshAgent {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private identity: ReadyIdentity | undefined;
  private readonly ready: Promise<ReadyIdentity | undefined>;
  private settle!: (identity: ReadyIdentity | undefined) => void;

  private constructor(readonly socketPath: string) {
    this.ready = new Promise((resolve) => (this.settle = resolve));
    this.server = createServer((socket) => this.serve(socket));
  }

  /** Listens on `socketPath` (a path in a directory only this user can enter). */
  static async listen(socketPath: string): Promise<OneKeySshAgent> {
    const agent = new OneKeySshAgent(socketPath);
    await new Promise<void>((resolve, reject) => {
      agent.server.once('error', reject);
      agent.server.listen(socketPath, () => {
        agent.server.off('error', reject);
        resolve();
      });
    });
    return agent;
  }

  /** From now on the agent offers this identity, and answers the questions that were waiting for it. */
  provide(identity: AgentIdentity): void {
    const [, base64 = ''] = identity.certificate.trim().split(/\s+/);
    this.identity = {
      privateKey: identity.privateKey,
      certificateBlob: Buffer.from(base64, 'base64'),
      publicKeyBlob: Buffer.from(identity.privateKey.publicKey.blob),
      comment: 'latchkey',
    };
    this.settle(this.identity);
  }

  /** Stops listening and drops every connection; a question still waiting is answered "no identities". */
  async close(): Promise<void> {
    this.settle(undefined);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    // Answers go out in the order of the questions, even when one has to wait for the identity.
    let answered: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readUInt32BE(0);
        if (length === 0 || length > MAX_MESSAGE_BYTES) {
          socket.destroy();
          return;
        }
        if (buffered.length < 4 + length) break;
        const message = buffered.subarray(4, 4 + length);
        buffered = buffered.subarray(4 + length);
        answered = answered.then(async () => {
          const reply = await this.answer(message);
          if (!socket.destroyed) socket.write(reply);
        });
      }
    });
  }

  private async answer(message: Buffer): Promise<Buffer> {
    switch (message[0]) {
      case SSH_AGENTC_REQUEST_IDENTITIES: {
        const identity = this.identity ?? (await this.ready);
        if (identity === undefined) return frame(SSH_AGENT_IDENTITIES_ANSWER, new Uint8Array(4));
        const body = new SshWireWriter(identity.certificateBlob.length + 64)
          .uint32(1)
          .string(identity.certificateBlob)
          .text(identity.comment)
          .toBytes();
        return frame(SSH_AGENT_IDENTITIES_ANSWER, body);
      }
      case SSH_AGENTC_SIGN_REQUEST: {
        const identity = this.identity;
        const key = readString(message, 1);
        const data = key === undefined ? undefined : readString(message, key.next);
        if (identity === undefined || key === undefined || data === undefined)
          return frame(SSH_AGENT_FAILURE);
        if (!key.value.equals(identity.certificateBlob) && !key.value.equals(identity.publicKeyBlob)) {
          return frame(SSH_AGENT_FAILURE);
        }
        const signature = signSshData(identity.privateKey, data.value);
        const wire = new SshWireWriter(signature.bytes.length + 32)
          .text(signature.algorithm)
          .string(signature.bytes)
          .toBytes();
        return frame(SSH_AGENT_SIGN_RESPONSE, new SshWireWriter(wire.length + 4).string(wire).toBytes());
      }
      default:
        return frame(SSH_AGENT_FAILURE);
    }
  }
}
