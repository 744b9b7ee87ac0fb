import { createPrivateKey, type KeyObject } from 'node:crypto';
import sshpk from 'sshpk';
import { LatchkeyError } from '../errors/latchkey-error.js';
import { base64url } from './ssh-public-key.js';
import { privateKeyFromNodeKey, type SshPrivateKey } from './ssh-private-key.js';

/**
 * Reads a private key in the formats people bring: OpenSSH (`BEGIN OPENSSH PRIVATE KEY`, also
 * passphrase-protected), PEM (PKCS#1 `BEGIN RSA PRIVATE KEY`, SEC1 `BEGIN EC PRIVATE KEY`) and PKCS#8
 * (also encrypted). sshpk does the parsing; its keys are then handed to node:crypto (Ed25519 through JWK,
 * because node refuses sshpk's Ed25519 PKCS#8). What sshpk cannot read but OpenSSL can (encrypted
 * PKCS#8) falls back to node:crypto.
 */
export function parseSshPrivateKey(input: string | Uint8Array, passphrase?: string): SshPrivateKey {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  let parsed: sshpk.PrivateKey;
  try {
    parsed = sshpk.parsePrivateKey(bytes, 'auto', passphrase === undefined ? {} : { passphrase });
  } catch (sshpkError) {
    if (sshpkError instanceof Error && sshpkError.name === 'KeyEncryptedError') {
      throw new LatchkeyError(
        'malformed_key',
        'the private key is encrypted: a passphrase is needed to read it',
      );
    }
    return privateKeyFromNodeKey(nodeFallback(bytes, passphrase, sshpkError));
  }
  return privateKeyFromNodeKey(toNodeKey(parsed));
}

function toNodeKey(key: sshpk.PrivateKey): KeyObject {
  const parts = Object.fromEntries(key.parts.map((part) => [part.name, part.data]));
  try {
    if (key.type === 'ed25519' && parts.k !== undefined && parts.A !== undefined) {
      // sshpk's `k` is the 32-byte seed (some sources carry seed||public: keep the seed).
      const seed = parts.k.subarray(0, 32);
      return createPrivateKey({
        key: { kty: 'OKP', crv: 'Ed25519', d: base64url(seed), x: base64url(parts.A) },
        format: 'jwk',
      });
    }
    if ((key.type === 'ecdsa' && key.curve === 'nistp256') || key.type === 'rsa') {
      return createPrivateKey(key.toString('pkcs8'));
    }
  } catch (cause) {
    throw new LatchkeyError('malformed_key', `the ${key.type} private key is invalid`, { cause });
  }
  const name = key.type === 'ecdsa' ? `ecdsa ${key.curve ?? ''}`.trim() : key.type;
  throw new LatchkeyError(
    'unsupported_key_type',
    `private keys of type ${name} are not supported; use Ed25519, ECDSA P-256 or RSA`,
  );
}

function nodeFallback(bytes: Buffer, passphrase: string | undefined, sshpkError: unknown): KeyObject {
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN')) {
    try {
      return createPrivateKey({
        key: text,
        format: 'pem',
        ...(passphrase === undefined ? {} : { passphrase }),
      });
    } catch (nodeError) {
      const message = nodeError instanceof Error ? nodeError.message : String(nodeError);
      if (/passphrase|decrypt|bad decrypt/i.test(message)) {
        throw new LatchkeyError(
          'malformed_key',
          'the private key could not be decrypted: wrong or missing passphrase',
          {
            cause: nodeError,
          },
        );
      }
    }
  }
  const reason = sshpkError instanceof Error ? sshpkError.message : String(sshpkError);
  throw new LatchkeyError(
    'malformed_key',
    `not a private key in OpenSSH, PEM or PKCS#8 format (${reason.slice(0, 200)})`,
    { cause: sshpkError },
  );
}
