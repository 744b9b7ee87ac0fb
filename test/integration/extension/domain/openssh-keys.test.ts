// The key encodings checked against independent parsers: ssh2's and OpenSSH's own ssh-keygen.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { utils } from 'ssh2';
import { generateEphemeralKeyPair } from '../../../../extension/src/adapters/ssh/ed25519-key-pair.js';
import { certificateBlob } from '../../../../extension/src/domain/openssh-keys.js';
import { createTempDir, runCommandOrThrow } from '../../../harness/index.js';

describe('extension/domain: OpenSSH encodings of the in-memory Ed25519 key', () => {
  it('ssh2 parses the private key, and it matches the public key line', () => {
    const key = generateEphemeralKeyPair('latchkey-vscode test');
    const parsed = utils.parseKey(key.privateKeyOpenSsh);
    assert.ok(!(parsed instanceof Error), String(parsed));
    assert.equal(parsed.type, 'ssh-ed25519');
    assert.ok(parsed.isPrivateKey());
    assert.deepEqual(parsed.getPublicSSH(), key.publicKeyBlob);
    assert.equal(
      key.publicKeyLine,
      `ssh-ed25519 ${key.publicKeyBlob.toString('base64')} latchkey-vscode test`,
    );
    const data = Buffer.from('signed data');
    assert.ok(parsed.verify(data, key.sign(data)), 'the key signs what its public half verifies');
  });

  it('ssh-keygen reads the private key and derives the same public key', async () => {
    const dir = await createTempDir('extension-keys');
    try {
      const key = generateEphemeralKeyPair('c');
      await writeFile(dir.file('id'), key.privateKeyOpenSsh, { mode: 0o600 });
      const derived = await runCommandOrThrow('ssh-keygen', ['-y', '-f', dir.file('id')]);
      assert.equal(
        derived.stdout.trim().split(' ').slice(0, 2).join(' '),
        key.publicKeyLine.split(' ').slice(0, 2).join(' '),
      );
    } finally {
      await dir.remove();
    }
  });

  it('reads a certificate line and refuses what is not one', () => {
    const inner = Buffer.concat([
      Buffer.from([0, 0, 0, 32]),
      Buffer.from('ssh-ed25519-cert-v01@openssh.com'),
    ]);
    const line = `ssh-ed25519-cert-v01@openssh.com ${inner.toString('base64')} comment`;
    assert.deepEqual(certificateBlob(line), { type: 'ssh-ed25519-cert-v01@openssh.com', blob: inner });
    assert.throws(() => certificateBlob('ssh-ed25519 AAAA'), /not an OpenSSH certificate/);
    assert.throws(
      () => certificateBlob(`ssh-rsa-cert-v01@openssh.com ${inner.toString('base64')}`),
      /says ssh-ed25519-cert-v01@openssh.com inside/,
    );
  });
});
