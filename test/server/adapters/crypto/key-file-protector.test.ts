import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import {
  AesGcmKeyProtector,
  loadOrCreateKeyFile,
} from '../../../../server/src/adapters/crypto/key-file-protector.js';
import { createTempDir } from '../../../harness/temp-dir.js';
import type { TempDir } from '../../../harness/temp-dir.js';

describe('CA key protector (AES-256-GCM key file)', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir('ca-key');
  });
  afterEach(async () => dir?.remove());

  it('creates the key file 0600 on first use and reads the same key after', async () => {
    const path = dir.file('sub/ca-encryption.key');
    const first = await loadOrCreateKeyFile(path);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.match(await readFile(path, 'utf8'), /^[0-9a-f]{64}\n$/);
    const sealed = await first.seal(new TextEncoder().encode('secret'), 'ctx');
    const second = await loadOrCreateKeyFile(path);
    assert.equal(new TextDecoder().decode(await second.open(sealed, 'ctx')), 'secret');
  });

  it('concurrent first uses agree on one key', async () => {
    const path = dir.file('ca-encryption.key');
    const protectors = await Promise.all([1, 2, 3].map(() => loadOrCreateKeyFile(path)));
    const ids = new Set(protectors.map((p) => p.keyId.toString('hex')));
    assert.equal(ids.size, 1);
  });

  it('seals with a fresh IV each time; opens only with the same key and context; detects tampering', async () => {
    const protector = new AesGcmKeyProtector(randomBytes(32));
    const plaintext = new TextEncoder().encode('-----BEGIN PRIVATE KEY-----');
    const a = await protector.seal(plaintext, 'account 1');
    const b = await protector.seal(plaintext, 'account 1');
    assert.notDeepEqual(a, b);
    assert.ok(!Buffer.from(a).toString('latin1').includes('PRIVATE'));
    assert.deepEqual(await protector.open(a, 'account 1'), plaintext);
    await assert.rejects(protector.open(a, 'account 2'), /integrity check/);
    const tampered = new Uint8Array(a);
    tampered[tampered.length - 1]! ^= 1;
    await assert.rejects(protector.open(tampered, 'account 1'), /integrity check/);
    await assert.rejects(
      new AesGcmKeyProtector(randomBytes(32)).open(a, 'account 1'),
      /another CA encryption key/,
    );
    await assert.rejects(protector.open(new Uint8Array([2, 0, 0]), 'account 1'), /format/);
  });

  it('refuses a malformed or group-readable key file, naming --ca-key-file', async () => {
    const bad = dir.file('bad.key');
    await writeFile(bad, 'not hex\n', { mode: 0o600 });
    await assert.rejects(loadOrCreateKeyFile(bad), /^LatchkeyError: --ca-key-file: .*64 hex/);
    const open = dir.file('open.key');
    await writeFile(open, `${randomBytes(32).toString('hex')}\n`);
    await chmod(open, 0o644);
    await assert.rejects(loadOrCreateKeyFile(open), /--ca-key-file: .*chmod 600/);
  });
});
