/**
 * CA private keys encrypted at rest with AES-256-GCM under a 32-byte key kept in a file the operator
 * controls (default DATA_DIR/ca-encryption.key, mode 0600, created on first start; `--ca-key-file`
 * points elsewhere, e.g. a mounted secret). Keep that file out of database backups: with it and the
 * database, the CA can be used; with only the database, it cannot.
 *
 * Sealed layout (version 1):
 *   0x01 | key id (8 bytes: the first 8 bytes of SHA-256 of the key) | IV (12) | tag (16) | ciphertext
 * Additional authenticated data: the version, the key id and the caller's context (the account id and
 * the CA public key), so a sealed key cannot be moved to another row or account unnoticed, and opening
 * with a different key file fails with a message that says so instead of "bad tag".
 *
 * The file holds the key as 64 hex characters (plus an optional newline), so it can be made with
 * `openssl rand -hex 32 > ca-encryption.key`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LatchkeyError } from '@latchkey/shared';
import type { CaKeyProtector } from '../../app/ca-key-protector.js';

const VERSION = 1;
const KEY_ID_LENGTH = 8;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + KEY_ID_LENGTH + IV_LENGTH + TAG_LENGTH;

export class AesGcmKeyProtector implements CaKeyProtector {
  readonly keyId: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('the CA encryption key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest().subarray(0, KEY_ID_LENGTH);
  }

  async seal(plaintext: Uint8Array, context: string): Promise<Uint8Array> {
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(this.aad(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return new Uint8Array(
      Buffer.concat([Buffer.from([VERSION]), this.keyId, iv, cipher.getAuthTag(), ciphertext]),
    );
  }

  async open(sealed: Uint8Array, context: string): Promise<Uint8Array> {
    const data = Buffer.from(sealed);
    if (data.length < HEADER_LENGTH || data[0] !== VERSION) {
      throw new LatchkeyError(
        'internal',
        'the stored CA private key is not in a format this server can read',
      );
    }
    const keyId = data.subarray(1, 1 + KEY_ID_LENGTH);
    if (!keyId.equals(this.keyId)) {
      throw new LatchkeyError(
        'internal',
        `the stored CA private key was encrypted with another CA encryption key (id ${keyId.toString('hex')}, ` +
          `this server has ${this.keyId.toString('hex')}); start the server with the key file it was created with (--ca-key-file)`,
      );
    }
    const iv = data.subarray(1 + KEY_ID_LENGTH, 1 + KEY_ID_LENGTH + IV_LENGTH);
    const tag = data.subarray(1 + KEY_ID_LENGTH + IV_LENGTH, HEADER_LENGTH);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(this.aad(context));
    decipher.setAuthTag(tag);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(data.subarray(HEADER_LENGTH)), decipher.final()]));
    } catch (error) {
      throw new LatchkeyError(
        'internal',
        'the stored CA private key failed its integrity check (tampered, or stored for another account or public key)',
        { cause: error },
      );
    }
  }

  private aad(context: string): Buffer {
    return Buffer.concat([Buffer.from([VERSION]), this.keyId, Buffer.from(context, 'utf8')]);
  }
}

/**
 * Reads the key file, or creates it (0600, in a 0700 directory if that must be made) when it does not
 * exist. `setting` names the option in errors.
 */
export async function loadOrCreateKeyFile(
  path: string,
  setting = '--ca-key-file',
): Promise<AesGcmKeyProtector> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new LatchkeyError(
        'invalid_config',
        `${setting}: cannot read ${path}: ${(error as Error).message}`,
        {
          pointer: setting,
          cause: error,
        },
      );
    }
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${key.toString('hex')}\n`);
      await handle.sync();
      await handle.close();
      await chmod(path, 0o600);
      return new AesGcmKeyProtector(key);
    } catch (createError) {
      // Another process created it first: use theirs.
      if ((createError as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LatchkeyError(
          'invalid_config',
          `${setting}: cannot create ${path}: ${(createError as Error).message}`,
          {
            pointer: setting,
            cause: createError,
          },
        );
      }
      text = await readWhenWritten(path);
    }
  }
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new LatchkeyError(
      'invalid_config',
      `${setting}: ${path} must hold 64 hex characters (a 32-byte key), e.g. from \`openssl rand -hex 32\``,
      { pointer: setting },
    );
  }
  const mode = (await stat(path)).mode & 0o077;
  if (mode !== 0) {
    throw new LatchkeyError(
      'invalid_config',
      `${setting}: ${path} is readable by group or others (mode ${((await stat(path)).mode & 0o777).toString(8)}); run chmod 600 on it`,
      { pointer: setting },
    );
  }
  return new AesGcmKeyProtector(Buffer.from(hex, 'hex'));
}

/** The content of a key file another process has just created (it may not have written it yet). */
async function readWhenWritten(path: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const text = await readFile(path, 'utf8');
    if (text.trim() !== '' || attempt >= 50) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
