/**
 * OpenSSH encodings of an Ed25519 key pair (PROTOCOL.key and RFC 8709): the public key line the server
 * signs, and the unencrypted `openssh-key-v1` private key that ssh2 can parse. Pure: bytes in, text out.
 */
export const ED25519 = 'ssh-ed25519';
export const ED25519_CERT = 'ssh-ed25519-cert-v01@openssh.com';

export function sshString(value: Uint8Array | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The public key blob: string "ssh-ed25519", string(32-byte key). */
export function ed25519PublicBlob(publicKey: Uint8Array): Buffer {
  if (publicKey.length !== 32) throw new Error(`an Ed25519 public key has 32 bytes, not ${publicKey.length}`);
  return Buffer.concat([sshString(ED25519), sshString(publicKey)]);
}

export function ed25519PublicKeyLine(publicKey: Uint8Array, comment: string): string {
  return `${ED25519} ${ed25519PublicBlob(publicKey).toString('base64')} ${comment}`.trimEnd();
}

/**
 * `-----BEGIN OPENSSH PRIVATE KEY-----` with cipher "none". `checkInt` is the random 32-bit value that
 * appears twice in the private section (it lets a decrypter check its passphrase).
 */
export function ed25519OpenSshPrivateKey(
  seed: Uint8Array,
  publicKey: Uint8Array,
  comment: string,
  checkInt: number,
): string {
  if (seed.length !== 32) throw new Error(`an Ed25519 seed has 32 bytes, not ${seed.length}`);
  const check = Buffer.alloc(8);
  check.writeUInt32BE(checkInt >>> 0, 0);
  check.writeUInt32BE(checkInt >>> 0, 4);
  let privateSection = Buffer.concat([
    check,
    sshString(ED25519),
    sshString(publicKey),
    sshString(Buffer.concat([Buffer.from(seed), Buffer.from(publicKey)])),
    sshString(comment),
  ]);
  const padding: number[] = [];
  for (let i = 1; (privateSection.length + padding.length) % 8 !== 0; i++) padding.push(i);
  privateSection = Buffer.concat([privateSection, Buffer.from(padding)]);
  const uint32 = Buffer.alloc(4);
  uint32.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32,
    sshString(ed25519PublicBlob(publicKey)),
    sshString(privateSection),
  ]);
  const base64 = body.toString('base64').replace(/.{1,70}/g, '$&\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${base64}-----END OPENSSH PRIVATE KEY-----\n`;
}

/** The blob of an OpenSSH certificate line (`ssh-ed25519-cert-v01@openssh.com AAAA… [comment]`). */
export function certificateBlob(line: string): { type: string; blob: Buffer } {
  const [type, base64] = line.trim().split(/\s+/);
  if (type === undefined || base64 === undefined || !type.endsWith('-cert-v01@openssh.com')) {
    throw new Error(`not an OpenSSH certificate line: ${line.slice(0, 40)}…`);
  }
  const blob = Buffer.from(base64, 'base64');
  const innerType = blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('utf8');
  if (innerType !== type) throw new Error(`the certificate says ${innerType} inside but ${type} outside`);
  return { type, blob };
}
