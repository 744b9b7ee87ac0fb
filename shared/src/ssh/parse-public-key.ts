import sshpk from 'sshpk';
import { LatchkeyError } from '../errors/latchkey-error.js';
import { KNOWN_UNSUPPORTED_SSH_TYPES, SSH_KEY_TYPES } from './ssh-key-types.js';
import { decodePublicKeyBlob, unsupportedKeyType, type SshPublicKey } from './ssh-public-key.js';
import { decodeStrictBase64 } from './strict-base64.js';

const KEY_TYPE_NAMES = new Set([...SSH_KEY_TYPES.map((t) => t.sshType), ...KNOWN_UNSUPPORTED_SSH_TYPES]);
const CERT_TYPE_SUFFIX = '-cert-v01@openssh.com';

/**
 * Reads one public key from: an authorized_keys / *.pub line (options before the type are skipped), a raw
 * SSH wire blob, or PEM text that sshpk understands (SPKI `BEGIN PUBLIC KEY`, PKCS#1 `BEGIN RSA PUBLIC KEY`,
 * RFC 4716 `BEGIN SSH2 PUBLIC KEY`). The OpenSSH line and the blob are decoded here, strictly; sshpk
 * handles the rest and its result is re-read from its wire encoding, so every key ends up validated the
 * same way.
 */
export function parseSshPublicKey(input: string | Uint8Array): SshPublicKey {
  if (typeof input !== 'string') {
    if (looksLikeWireBlob(input)) return decodePublicKeyBlob(input);
    input = new TextDecoder('utf-8', { fatal: false }).decode(input);
  }
  const lines = input
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length === 0) throw new LatchkeyError('malformed_key', 'no public key found: the input is empty');
  if (lines.length === 1) {
    const fromLine = parseAuthorizedKeyLine(lines[0]!);
    if (fromLine !== undefined) return fromLine;
  }
  if (input.includes('-----BEGIN') || input.includes('---- BEGIN SSH2 PUBLIC KEY'))
    return parseWithSshpk(input);
  throw new LatchkeyError(
    'malformed_key',
    lines.length > 1
      ? 'expected exactly one public key, found several lines'
      : 'not a public key: expected an authorized_keys line, a PEM block or an SSH wire blob',
  );
}

function parseAuthorizedKeyLine(line: string): SshPublicKey | undefined {
  const tokens = line.split(/[ \t]+/);
  const index = tokens.findIndex((token) => KEY_TYPE_NAMES.has(token) || token.endsWith(CERT_TYPE_SUFFIX));
  if (index < 0) return undefined;
  const type = tokens[index]!;
  const encoded = tokens[index + 1];
  if (encoded === undefined) throw new LatchkeyError('malformed_key', `${type} key line has no key data`);
  const blob = decodeStrictBase64(encoded, `the ${type} key data`);
  const key = decodePublicKeyBlob(blob);
  if (key.sshType !== type) {
    throw new LatchkeyError(
      'malformed_key',
      `the key line says ${type} but its data is a ${key.sshType} key`,
    );
  }
  return key;
}

function parseWithSshpk(text: string): SshPublicKey {
  let key: sshpk.Key;
  try {
    key = sshpk.parseKey(text, 'auto');
  } catch (cause) {
    throw new LatchkeyError('malformed_key', 'the PEM block is not a public key sshpk can read', { cause });
  }
  if (key.type === 'ecdsa' && key.curve !== 'nistp256') {
    throw unsupportedKeyType(`ecdsa-sha2-${key.curve ?? 'unknown'}`, 'public key');
  }
  if (!['ed25519', 'ecdsa', 'rsa'].includes(key.type)) throw unsupportedKeyType(key.type, 'public key');
  return decodePublicKeyBlob(new Uint8Array(key.toBuffer('rfc4253')));
}

/** A wire blob starts with a short uint32 length and a printable type name. */
function looksLikeWireBlob(bytes: Uint8Array): boolean {
  if (bytes.length < 5 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0) return false;
  const length = bytes[3]!;
  if (length === 0 || length > 64 || bytes.length < 4 + length) return false;
  for (let i = 4; i < 4 + length; i++) if (bytes[i]! < 0x21 || bytes[i]! > 0x7e) return false;
  return true;
}
