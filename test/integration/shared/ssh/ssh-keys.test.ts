// Keys in the formats people bring, checked against the real ssh-keygen.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import {
  generateSshKeyPair,
  isLatchkeyError,
  parseSshPrivateKey,
  parseSshPublicKey,
  type SshKeyAlgorithm,
} from '@latchkey/shared';
import { SshKeygen } from './ssh-keygen-helper.js';

const KEYGEN_TYPES: Record<SshKeyAlgorithm, 'ed25519' | 'ecdsa' | 'rsa'> = {
  ed25519: 'ed25519',
  'ecdsa-p256': 'ecdsa',
  rsa: 'rsa',
};

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => isLatchkeyError(error) && error.code === code);
}

describe('SSH keys', function () {
  this.timeout(120_000);
  let keygen: SshKeygen;
  before(() => (keygen = new SshKeygen()));
  after(() => keygen.remove());

  for (const [algorithm, type] of Object.entries(KEYGEN_TYPES) as [
    SshKeyAlgorithm,
    'ed25519' | 'ecdsa' | 'rsa',
  ][]) {
    it(`reads ${algorithm} keys from ssh-keygen in OpenSSH, PEM and PKCS#8 formats, with the same fingerprint`, () => {
      const openssh = keygen.generate(`${type}-openssh`, type);
      const publicLine = keygen.read(`${type}-openssh.pub`);
      const publicKey = parseSshPublicKey(publicLine);
      assert.equal(publicKey.algorithm, algorithm);
      assert.equal(publicKey.toAuthorizedKey(), publicLine.trim().split(' ').slice(0, 2).join(' '));
      assert.equal(publicKey.toAuthorizedKey(`${type}-openssh@test`), publicLine.trim());
      const printed = keygen.run('-l', '-E', 'sha256', '-f', `${openssh}.pub`);
      assert.equal(printed.split(' ')[1], publicKey.fingerprint());

      const formats = type === 'ed25519' ? ['openssh'] : ['openssh', 'PEM', 'PKCS8'];
      for (const format of formats) {
        const file =
          format === 'openssh' ? openssh : keygen.generate(`${type}-${format}`, type, ['-m', format]);
        const privateKey = parseSshPrivateKey(keygen.read(file.split('/').pop()!));
        const expected = parseSshPublicKey(keygen.read(`${file.split('/').pop()!}.pub`));
        assert.equal(privateKey.algorithm, algorithm, format);
        assert.ok(privateKey.publicKey.equals(expected), format);
        // The key signs, and the signature checks with the public half: it really is that key.
        const node = createPrivateKey(privateKey.toPkcs8Pem());
        const hash = algorithm === 'ed25519' ? null : 'sha256';
        const signature = sign(hash, Buffer.from('x'), node);
        assert.ok(verify(hash, Buffer.from('x'), createPrivateKey(privateKey.toPkcs8Pem()), signature));
      }
    });

    it(`reads ${algorithm} public keys as SPKI PEM, PKCS#1 and RFC 4716 (ssh-keygen -e) and as a wire blob`, () => {
      const file = keygen.generate(`${type}-export`, type);
      const expected = parseSshPublicKey(keygen.read(`${type}-export.pub`));
      // ssh-keygen 9.2 cannot export Ed25519 as PKCS8: node writes its SPKI PEM instead.
      const exports =
        type === 'rsa' ? ['PKCS8', 'PEM', 'RFC4716'] : type === 'ecdsa' ? ['PKCS8', 'RFC4716'] : ['RFC4716'];
      for (const format of exports) {
        const text = keygen.run('-e', '-m', format, '-f', `${file}.pub`);
        assert.ok(parseSshPublicKey(text).equals(expected), `${format}: ${text}`);
      }
      const spki = createPublicKey(parseSshPrivateKey(keygen.read(`${type}-export`)).toPkcs8Pem()).export({
        type: 'spki',
        format: 'pem',
      });
      assert.ok(parseSshPublicKey(spki.toString()).equals(expected));
      assert.ok(parseSshPublicKey(expected.blob).equals(expected));
      assert.ok(
        parseSshPublicKey(`cert-authority,principals="a,b" ${expected.toAuthorizedKey('x y')}`).equals(
          expected,
        ),
      );
    });
  }

  it('reads a passphrase-protected OpenSSH key, and says when the passphrase is missing or wrong', () => {
    const file = keygen.generate('protected', 'ed25519', ['-N', 'correct horse']);
    const text = keygen.read('protected');
    const key = parseSshPrivateKey(text, 'correct horse');
    assert.ok(key.publicKey.equals(parseSshPublicKey(keygen.read('protected.pub'))));
    assertCode(() => parseSshPrivateKey(text), 'malformed_key');
    assertCode(() => parseSshPrivateKey(text, 'wrong'), 'malformed_key');
    assert.ok(file.endsWith('protected'));
  });

  it('generates keys whose toOpenSSH() form ssh-keygen accepts and whose fingerprints agree', () => {
    for (const algorithm of ['ed25519', 'ecdsa-p256', 'rsa'] as const) {
      const key = generateSshKeyPair(algorithm, { rsaBits: 2048 });
      const file = keygen.write(`generated-${algorithm}`, key.toOpenSSH('generated'));
      keygen.write(`generated-${algorithm}.pub`, `${key.publicKey.toAuthorizedKey('generated')}\n`, 0o644);
      const derived = keygen.run('-y', '-f', file).trim();
      assert.equal(derived.split(' ').slice(0, 2).join(' '), key.publicKey.toAuthorizedKey());
      const printed = keygen.run('-l', '-E', 'sha256', '-f', `${file}.pub`);
      assert.equal(printed.split(' ')[1], key.publicKey.fingerprint());
    }
  });

  it('refuses bad input with stable codes', () => {
    const ed = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const [type, data] = ed.split(' ') as [string, string];
    assertCode(() => parseSshPublicKey(''), 'malformed_key');
    assertCode(() => parseSshPublicKey('hello world'), 'malformed_key');
    assertCode(() => parseSshPublicKey(`${type} ${data.slice(0, -2)}!=`), 'malformed_base64');
    assertCode(() => parseSshPublicKey(`${type} ${data.slice(0, 21)}`), 'malformed_base64');
    assertCode(() => parseSshPublicKey(`${type} ${data.slice(0, 24)}`), 'malformed_key');
    assertCode(() => parseSshPublicKey(`ssh-rsa ${data}`), 'malformed_key');
    assertCode(() => parseSshPublicKey(`ssh-dss AAAAB3NzaC1kc3M=`), 'unsupported_key_type');
    assertCode(() => parseSshPublicKey(`${ed}\n${ed}`), 'malformed_key');
    assertCode(
      () => parseSshPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'),
      'malformed_key',
    );
    assertCode(() => parseSshPrivateKey('not a key'), 'malformed_key');
    assertCode(() => generateSshKeyPair('rsa', { rsaBits: 1024 }), 'invalid_argument');
  });
});
