/**
 * Asks a real sshd whether it would accept a public key or certificate for a user, by sending the RFC 4252
 * §7 publickey *query* (no signature) over an SSH transport of our own, and reports sshd's answer:
 * SSH_MSG_USERAUTH_PK_OK (accepted) or SSH_MSG_USERAUTH_FAILURE (rejected). sshd runs its full key check
 * for a query (certificate validity, principals, CA trust, options, KRL) and logs its reason, so tests
 * assert the reason from the sshd log as for a real login.
 *
 * Why it exists: the OpenSSH client refuses to offer some certificates at all (it verifies the CA signature
 * when it loads a certificate and skips host certificates), so `ssh` cannot show that *sshd* rejects a
 * tampered signature or a host certificate. No private key is needed, because nothing is signed.
 *
 * The transport is the smallest one OpenSSH 9.x speaks: curve25519-sha256, an ssh-ed25519 host key
 * (verified against the expected one), aes128-ctr, hmac-sha2-256, no compression (RFC 4253, RFC 8731).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  verify,
} from 'node:crypto';
import type { Cipher, Decipher } from 'node:crypto';
import net from 'node:net';

export interface PublicKeyProbeOptions {
  host: string;
  port: number;
  /** The server's ssh-ed25519 host key (`ssh-ed25519 AAAA…`); the probe fails on any other key. */
  hostKey: string;
  user: string;
  /** The key or certificate to offer, as an authorized_keys line (`ssh-ed25519-cert-v01@openssh.com AAAA…`). */
  publicKey: string;
  /** Public key algorithm to name; default: the key type of `publicKey`. */
  algorithm?: string;
  /** Local address to connect from. */
  localAddress?: string;
  timeoutMs?: number;
}

export type PublicKeyProbeResult = 'accepted' | 'rejected';

const MSG = {
  DISCONNECT: 1,
  IGNORE: 2,
  UNIMPLEMENTED: 3,
  DEBUG: 4,
  SERVICE_REQUEST: 5,
  SERVICE_ACCEPT: 6,
  EXT_INFO: 7,
  KEXINIT: 20,
  NEWKEYS: 21,
  KEX_ECDH_INIT: 30,
  KEX_ECDH_REPLY: 31,
  USERAUTH_REQUEST: 50,
  USERAUTH_FAILURE: 51,
  USERAUTH_BANNER: 53,
  USERAUTH_PK_OK: 60,
} as const;

const CLIENT_VERSION = 'SSH-2.0-LatchkeyTestProbe_1.0';

/** Offers `publicKey` for `user` and returns sshd's verdict; rejects on any protocol or connection problem. */
export async function probePublicKey(options: PublicKeyProbeOptions): Promise<PublicKeyProbeResult> {
  const [keyType, keyBase64] = options.publicKey.trim().split(/\s+/);
  if (keyType === undefined || keyBase64 === undefined) throw new Error('publicKey must be "type base64"');
  const keyBlob = Buffer.from(keyBase64, 'base64');
  const connection = await SshConnection.open(options);
  try {
    await connection.handshake(options.hostKey);
    await connection.send(Buffer.concat([Buffer.from([MSG.SERVICE_REQUEST]), sshString('ssh-userauth')]));
    await connection.expect(MSG.SERVICE_ACCEPT);
    await connection.send(
      Buffer.concat([
        Buffer.from([MSG.USERAUTH_REQUEST]),
        sshString(options.user),
        sshString('ssh-connection'),
        sshString('publickey'),
        Buffer.from([0]), // FALSE: a query, no signature
        sshString(options.algorithm ?? keyType),
        sshString(keyBlob),
      ]),
    );
    const reply = await connection.expect(MSG.USERAUTH_PK_OK, MSG.USERAUTH_FAILURE);
    return reply[0] === MSG.USERAUTH_PK_OK ? 'accepted' : 'rejected';
  } finally {
    connection.close();
  }
}

class SshConnection {
  private buffered = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private sendSeq = 0;
  private receiveSeq = 0;
  private encrypt: { cipher: Cipher; macKey: Buffer } | undefined;
  private decrypt: { decipher: Decipher; macKey: Buffer } | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timer: NodeJS.Timeout,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('sshd closed the connection')));
  }

  static open(options: PublicKeyProbeOptions): Promise<SshConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({
        host: options.host,
        port: options.port,
        localAddress: options.localAddress,
      });
      const timeoutMs = options.timeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        connection.fail(new Error(`public key probe: no answer within ${timeoutMs} ms`));
        socket.destroy();
      }, timeoutMs);
      const connection = new SshConnection(socket, timer);
      socket.once('connect', () => resolve(connection));
      socket.once('error', reject);
    });
  }

  close(): void {
    clearTimeout(this.timer);
    this.socket.destroy();
  }

  /** Version exchange, KEXINIT, curve25519-sha256 with host key verification, NEWKEYS. */
  async handshake(expectedHostKey: string): Promise<void> {
    this.socket.write(`${CLIENT_VERSION}\r\n`);
    const serverVersion = await this.readVersionLine();

    const clientKexInit = Buffer.concat([
      Buffer.from([MSG.KEXINIT]),
      randomBytes(16),
      ...[
        'curve25519-sha256,curve25519-sha256@libssh.org',
        'ssh-ed25519',
        'aes128-ctr',
        'aes128-ctr',
        'hmac-sha2-256',
        'hmac-sha2-256',
        'none',
        'none',
        '',
        '',
      ].map((list) => sshString(list)),
      Buffer.from([0, 0, 0, 0, 0]), // first_kex_packet_follows, reserved
    ]);
    await this.send(clientKexInit);
    const serverKexInit = await this.expect(MSG.KEXINIT);

    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    const clientEphemeral = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    await this.send(Buffer.concat([Buffer.from([MSG.KEX_ECDH_INIT]), sshString(clientEphemeral)]));
    const reply = new WireReader(await this.expect(MSG.KEX_ECDH_REPLY), 1);
    const hostKeyBlob = reply.string();
    const serverEphemeral = reply.string();
    const signature = new WireReader(reply.string());

    const expectedBlob = Buffer.from(expectedHostKey.trim().split(/\s+/)[1] ?? '', 'base64');
    if (!hostKeyBlob.equals(expectedBlob)) throw new Error('public key probe: unexpected host key');
    const secret = diffieHellman({
      privateKey,
      publicKey: createPublicKey({ key: x25519Spki(serverEphemeral), format: 'der', type: 'spki' }),
    });
    const sharedSecret = sshMpint(secret);
    const exchangeHash = sha256(
      sshString(CLIENT_VERSION),
      sshString(serverVersion),
      sshString(clientKexInit),
      sshString(serverKexInit),
      sshString(hostKeyBlob),
      sshString(clientEphemeral),
      sshString(serverEphemeral),
      sharedSecret,
    );
    const hostKeyReader = new WireReader(hostKeyBlob);
    if (
      hostKeyReader.string().toString() !== 'ssh-ed25519' ||
      signature.string().toString() !== 'ssh-ed25519'
    ) {
      throw new Error('public key probe: sshd must use an ssh-ed25519 host key');
    }
    const hostPublicKey = createPublicKey({
      key: ed25519Spki(hostKeyReader.string()),
      format: 'der',
      type: 'spki',
    });
    if (!verify(null, exchangeHash, hostPublicKey, signature.string())) {
      throw new Error('public key probe: bad host key signature over the exchange hash');
    }

    await this.send(Buffer.from([MSG.NEWKEYS]));
    await this.expect(MSG.NEWKEYS);
    const derive = (letter: string, length: number) =>
      sha256(sharedSecret, exchangeHash, Buffer.from(letter), exchangeHash).subarray(0, length);
    this.encrypt = {
      cipher: createCipheriv('aes-128-ctr', derive('C', 16), derive('A', 16)),
      macKey: derive('E', 32),
    };
    this.decrypt = {
      decipher: createDecipheriv('aes-128-ctr', derive('D', 16), derive('B', 16)),
      macKey: derive('F', 32),
    };
  }

  async send(payload: Buffer): Promise<void> {
    const blockSize = 16;
    let padding = blockSize - ((5 + payload.length) % blockSize);
    if (padding < 4) padding += blockSize;
    const packet = Buffer.concat([
      uint32(1 + payload.length + padding),
      Buffer.from([padding]),
      payload,
      randomBytes(padding),
    ]);
    const seq = this.sendSeq++;
    if (this.encrypt) {
      const mac = createHmac('sha256', this.encrypt.macKey).update(uint32(seq)).update(packet).digest();
      this.socket.write(Buffer.concat([this.encrypt.cipher.update(packet), mac]));
    } else {
      this.socket.write(packet);
    }
  }

  /** The next packet that is not IGNORE/DEBUG/BANNER/EXT_INFO; it must be one of `types`. */
  async expect(...types: number[]): Promise<Buffer> {
    for (;;) {
      const payload = await this.receive();
      const type = payload[0] ?? -1;
      if (types.includes(type)) return payload;
      if ([MSG.IGNORE, MSG.DEBUG, MSG.USERAUTH_BANNER, MSG.EXT_INFO].includes(type as 2)) continue;
      if (type === MSG.DISCONNECT) {
        const reader = new WireReader(payload, 5);
        throw new Error(`public key probe: sshd disconnected: ${reader.string().toString()}`);
      }
      throw new Error(`public key probe: expected message ${types.join('|')}, got ${type}`);
    }
  }

  private async receive(): Promise<Buffer> {
    const firstBlock = await this.read(16);
    const decipher = this.decrypt?.decipher;
    const first = decipher ? decipher.update(firstBlock) : firstBlock;
    const packetLength = first.readUInt32BE(0);
    if (packetLength > 256 * 1024 || packetLength < 12)
      throw new Error(`public key probe: bad packet length`);
    const restEncrypted = await this.read(4 + packetLength - 16);
    const packet = Buffer.concat([first, decipher ? decipher.update(restEncrypted) : restEncrypted]);
    const seq = this.receiveSeq++;
    if (this.decrypt) {
      const mac = await this.read(32);
      const expected = createHmac('sha256', this.decrypt.macKey).update(uint32(seq)).update(packet).digest();
      if (!mac.equals(expected)) throw new Error('public key probe: bad MAC from sshd');
    }
    const paddingLength = packet[4] ?? 0;
    return packet.subarray(5, 4 + packetLength - paddingLength);
  }

  private async readVersionLine(): Promise<string> {
    for (;;) {
      const end = this.buffered.indexOf('\r\n');
      if (end >= 0) {
        const line = this.buffered.subarray(0, end).toString('latin1');
        this.buffered = this.buffered.subarray(end + 2);
        if (line.startsWith('SSH-')) return line;
        continue; // lines before the version are allowed (RFC 4253 §4.2)
      }
      await this.more();
    }
  }

  private async read(length: number): Promise<Buffer> {
    while (this.buffered.length < length) await this.more();
    const bytes = this.buffered.subarray(0, length);
    this.buffered = this.buffered.subarray(length);
    return bytes;
  }

  private more(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = () => (this.failure ? reject(this.failure) : resolve());
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }
}

class WireReader {
  constructor(
    private readonly bytes: Buffer,
    private offset = 0,
  ) {}

  string(): Buffer {
    const length = this.bytes.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.bytes.length) throw new Error('public key probe: truncated message from sshd');
    this.offset = start + length;
    return this.bytes.subarray(start, start + length);
  }
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

/** RFC 4251 mpint of an unsigned big-endian number (curve25519-sha256 encodes the shared secret so). */
function sshMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length && unsigned[start] === 0) start++;
  let bytes = unsigned.subarray(start);
  if (bytes.length > 0 && (bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return sshString(bytes);
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

// DER SubjectPublicKeyInfo prefixes for raw 32-byte X25519 and Ed25519 keys (RFC 8410).
function x25519Spki(raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]);
}

function ed25519Spki(raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
}
