// Interop with the real ssh-keygen: it reads what Latchkey issues, and Latchkey reads what it issues.
import assert from 'node:assert/strict';
import {
  DEFAULT_USER_EXTENSIONS,
  generateSshKeyPair,
  issueCertificate,
  parseCertificate,
  parseSshPrivateKey,
  parseSshPublicKey,
  verifyCertificate,
  verifyCertificateSignature,
  type SshKeyAlgorithm,
  type SshPrivateKey,
} from '@latchkey/shared';
import { SshKeygen, keygenTime, parseKeygenListing } from './ssh-keygen-helper.js';

const ALGORITHMS: SshKeyAlgorithm[] = ['ed25519', 'ecdsa-p256', 'rsa'];
const SIGNATURE_NAMES: Record<SshKeyAlgorithm, string> = {
  ed25519: 'ssh-ed25519',
  'ecdsa-p256': 'ecdsa-sha2-nistp256',
  rsa: 'rsa-sha2-512',
};

describe('certificates and the real ssh-keygen', function () {
  this.timeout(120_000);
  let keygen: SshKeygen;
  const keys = new Map<SshKeyAlgorithm, SshPrivateKey>();

  before(() => {
    keygen = new SshKeygen();
    for (const algorithm of ALGORITHMS) keys.set(algorithm, generateSshKeyPair(algorithm, { rsaBits: 2048 }));
  });
  after(() => keygen.remove());

  for (const caAlgorithm of ALGORITHMS) {
    for (const subjectAlgorithm of ALGORITHMS) {
      it(`ssh-keygen -L shows exactly the fields of a ${caAlgorithm} CA / ${subjectAlgorithm} subject certificate`, () => {
        const ca = keys.get(caAlgorithm)!;
        const subject = keys.get(subjectAlgorithm)!;
        const validAfter = new Date('2030-01-02T03:04:05Z');
        const validBefore = new Date('2030-01-02T03:09:05Z');
        const cert = issueCertificate(ca, {
          subjectKey: subject.publicKey,
          keyId: `alice session ${caAlgorithm}/${subjectAlgorithm}`,
          principals: ['alice', 'deploy'],
          serial: 18446744073709551615n,
          validAfter,
          validBefore,
          criticalOptions: { 'source-address': '127.0.0.0/8,::1', 'force-command': '/usr/bin/id -u' },
          extensions: { 'permit-pty': '', 'permit-port-forwarding': '' },
        });
        const file = keygen.write(
          `cert-${caAlgorithm}-${subjectAlgorithm}-cert.pub`,
          `${cert.toAuthorizedKey('c')}\n`,
        );
        const listing = parseKeygenListing(keygen.run('-L', '-f', file));
        assert.equal(listing.type, cert.certType);
        assert.equal(listing.kind, 'user');
        assert.ok(listing.signingCa.includes(ca.publicKey.fingerprint()), listing.signingCa);
        assert.ok(listing.signingCa.endsWith(`(using ${SIGNATURE_NAMES[caAlgorithm]})`), listing.signingCa);
        assert.equal(listing.keyId, JSON.stringify(`alice session ${caAlgorithm}/${subjectAlgorithm}`));
        assert.equal(listing.serial, '18446744073709551615');
        assert.equal(listing.valid, `from ${keygenTime(validAfter)} to ${keygenTime(validBefore)}`);
        assert.deepEqual(listing.principals, ['alice', 'deploy']);
        assert.deepEqual(listing.criticalOptions, [
          'force-command /usr/bin/id -u',
          'source-address 127.0.0.0/8,::1',
        ]);
        assert.deepEqual(listing.extensions, ['permit-port-forwarding', 'permit-pty']);
      });
    }
  }

  it('ssh-keygen -L reads host certificates, default extensions, and "forever"', () => {
    const ca = keys.get('ed25519')!;
    const host = issueCertificate(ca, {
      subjectKey: keys.get('ecdsa-p256')!.publicKey,
      keyId: 'host web-1',
      principals: ['web-1.example.com', '10.0.0.5'],
      type: 'host',
      serial: 0n,
      validAfter: new Date(0),
      validBefore: new Date(8_640_000_000_000_000),
    });
    const hostListing = parseKeygenListing(
      keygen.run('-L', '-f', keygen.write('host-cert.pub', host.toAuthorizedKey())),
    );
    assert.equal(hostListing.kind, 'host');
    assert.equal(hostListing.valid, 'forever');
    assert.equal(hostListing.serial, '0');
    assert.deepEqual(hostListing.extensions, []);
    assert.deepEqual(hostListing.criticalOptions, []);

    const now = new Date('2031-05-06T07:08:09.750Z');
    const user = issueCertificate(
      ca,
      { subjectKey: keys.get('ed25519')!.publicKey, keyId: '', principals: ['bob'] },
      { now: () => now },
    );
    const userListing = parseKeygenListing(
      keygen.run('-L', '-f', keygen.write('user-cert.pub', user.toAuthorizedKey())),
    );
    assert.deepEqual(userListing.extensions, Object.keys(DEFAULT_USER_EXTENSIONS));
    assert.equal(userListing.keyId, '""');
    // Default validity: backdated 60 s, valid for 300 s, whole seconds.
    assert.equal(userListing.valid, 'from 2031-05-06T07:07:09 to 2031-05-06T07:13:09');
  });

  for (const caType of ['ed25519', 'ecdsa', 'rsa'] as const) {
    it(`reads and verifies a certificate issued by ssh-keygen -s with a ${caType} CA`, () => {
      const caPath = keygen.generate(`keygen-ca-${caType}`, caType);
      const userPath = keygen.generate(`keygen-user-${caType}`, 'ed25519');
      keygen.run(
        '-q',
        '-s',
        caPath,
        '-I',
        'alice@example.com',
        '-n',
        'alice,bob',
        '-V',
        '20300101000000:20300101001500',
        '-O',
        'force-command=/bin/echo hi',
        '-O',
        'source-address=192.168.0.0/16,10.1.2.3',
        '-O',
        'no-x11-forwarding',
        '-z',
        '4242',
        `${userPath}.pub`,
      );
      const text = keygen.read(`keygen-user-${caType}-cert.pub`);
      const cert = parseCertificate(text);
      const caKey = parseSshPublicKey(keygen.read(`keygen-ca-${caType}.pub`));
      const userKey = parseSshPublicKey(keygen.read(`keygen-user-${caType}.pub`));
      assert.equal(cert.certType, 'ssh-ed25519-cert-v01@openssh.com');
      assert.equal(cert.type, 'user');
      assert.equal(cert.keyId, 'alice@example.com');
      assert.equal(cert.serial, 4242n);
      assert.deepEqual(cert.principals, ['alice', 'bob']);
      assert.equal(cert.validAfter.toISOString(), '2030-01-01T00:00:00.000Z');
      assert.equal(cert.validBefore.toISOString(), '2030-01-01T00:15:00.000Z');
      assert.deepEqual(cert.criticalOptions, {
        'force-command': '/bin/echo hi',
        'source-address': '192.168.0.0/16,10.1.2.3',
      });
      assert.deepEqual(cert.extensions, {
        'permit-agent-forwarding': '',
        'permit-port-forwarding': '',
        'permit-pty': '',
        'permit-user-rc': '',
      });
      assert.ok(cert.subjectKey.equals(userKey));
      assert.ok(cert.signatureKey.equals(caKey));
      assert.equal(cert.nonce.length, 32);
      assert.equal(cert.toAuthorizedKey(), text.trim().split(' ').slice(0, 2).join(' '));
      assert.equal(verifyCertificateSignature(cert), true);
      const verdict = verifyCertificate(cert, {
        trustedCaKeys: [caKey],
        now: new Date('2030-01-01T00:10:00Z'),
        principal: 'bob',
        sourceAddress: '10.1.2.3',
      });
      assert.deepEqual(verdict, { ok: true });
      if (caType === 'rsa') assert.equal(cert.signature.algorithm, 'rsa-sha2-512');
      // The fingerprint ssh-keygen prints for the certificate is that of its subject key.
      const printed = keygen.run('-l', '-E', 'sha256', '-f', keygen.path(`keygen-user-${caType}-cert.pub`));
      assert.ok(printed.includes(cert.subjectKey.fingerprint()), printed);
    });
  }

  it('reads ssh-keygen host certificates and RSA subject keys; SHA-1 RSA CA signatures verify', () => {
    const caPath = keygen.generate('host-ca', 'rsa');
    const hostPath = keygen.generate('host-key', 'rsa');
    keygen.run(
      '-q',
      '-s',
      caPath,
      '-t',
      'ssh-rsa',
      '-h',
      '-I',
      'web',
      '-n',
      'web.example',
      '-V',
      'always:forever',
      `${hostPath}.pub`,
    );
    const cert = parseCertificate(keygen.read('host-key-cert.pub'));
    assert.equal(cert.type, 'host');
    assert.equal(cert.certType, 'ssh-rsa-cert-v01@openssh.com');
    assert.equal(cert.validAfterSeconds, 0n);
    assert.equal(cert.validBeforeSeconds, 0xffffffffffffffffn);
    assert.equal(cert.validBefore.getTime(), 8_640_000_000_000_000);
    assert.deepEqual(cert.extensions, {});
    assert.equal(cert.signature.algorithm, 'ssh-rsa');
    assert.equal(verifyCertificateSignature(cert), true);
    const caKey = parseSshPublicKey(keygen.read('host-ca.pub'));
    const verdict = verifyCertificate(cert, {
      trustedCaKeys: [caKey],
      now: new Date(),
      type: 'host',
      principal: 'web.example',
    });
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.reason, 'bad_signature'); // sshd's default CASignatureAlgorithms has no ssh-rsa
  });

  it('private keys written by toOpenSSH() are read by ssh-keygen -y, and keys from ssh-keygen parse', () => {
    for (const [algorithm, key] of keys) {
      const file = keygen.write(`latchkey-${algorithm}`, key.toOpenSSH('made by latchkey'));
      const derived = keygen.run('-y', '-f', file).trim();
      assert.ok(parseSshPublicKey(derived).equals(key.publicKey), `${algorithm}: ${derived}`);
      assert.ok(parseSshPrivateKey(key.toOpenSSH()).publicKey.equals(key.publicKey));
      assert.ok(parseSshPrivateKey(key.toPkcs8Pem()).publicKey.equals(key.publicKey));
    }
  });
});
