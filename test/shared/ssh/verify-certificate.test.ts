// The verifier decides as sshd does; tampering anywhere breaks the signature.
import assert from 'node:assert/strict';
import {
  generateSshKeyPair,
  issueCertificate,
  parseCertificate,
  verifyCertificate,
  verifyCertificateSignature,
  type CertificatePolicy,
  type CertificateRequest,
  type CertificateRejection,
  type SshCertificate,
  type SshKeyAlgorithm,
} from '@latchkey/shared';

const NOW = new Date('2030-06-01T12:00:00Z');
const ALGORITHMS: SshKeyAlgorithm[] = ['ed25519', 'ecdsa-p256', 'rsa'];

describe('verifyCertificate and verifyCertificateSignature', () => {
  const ca = generateSshKeyPair('ed25519');
  const otherCa = generateSshKeyPair('ed25519');
  const user = generateSshKeyPair('ed25519');
  const issue = (overrides: Partial<CertificateRequest> = {}): SshCertificate =>
    issueCertificate(
      ca,
      { subjectKey: user.publicKey, keyId: 'alice', principals: ['alice'], ...overrides },
      { now: () => NOW },
    );
  const policy = (overrides: Partial<CertificatePolicy> = {}): CertificatePolicy => ({
    trustedCaKeys: [ca.publicKey],
    now: NOW,
    principal: 'alice',
    sourceAddress: '127.0.0.1',
    ...overrides,
  });

  const cases: {
    name: string;
    cert: () => SshCertificate;
    policy?: Partial<CertificatePolicy>;
    reason?: CertificateRejection;
  }[] = [
    { name: 'a valid certificate for the right principal', cert: () => issue() },
    {
      name: 'valid at exactly valid_after',
      cert: () => issue(),
      policy: { now: new Date(NOW.getTime() - 60_000) },
    },
    {
      name: 'expired (valid_before is exclusive)',
      cert: () => issue(),
      policy: { now: new Date(NOW.getTime() + 300_000) },
      reason: 'expired',
    },
    {
      name: 'not yet valid',
      cert: () => issue(),
      policy: { now: new Date(NOW.getTime() - 61_000) },
      reason: 'not_yet_valid',
    },
    {
      name: 'wrong principal',
      cert: () => issue(),
      policy: { principal: 'root' },
      reason: 'principal_not_listed',
    },
    { name: 'empty principal list', cert: () => issue({ principals: [] }), reason: 'no_principals' },
    {
      name: 'a host certificate used as a user certificate',
      cert: () => issue({ type: 'host' }),
      reason: 'wrong_type',
    },
    {
      name: 'a user certificate used as a host certificate',
      cert: () => issue(),
      policy: { type: 'host' },
      reason: 'wrong_type',
    },
    {
      name: 'a host certificate without principals (valid for any host, as ssh decides)',
      cert: () => issue({ type: 'host', principals: [] }),
      policy: { type: 'host', principal: 'web-1' },
    },
    {
      name: 'an untrusted CA',
      cert: () => issue(),
      policy: { trustedCaKeys: [otherCa.publicKey] },
      reason: 'untrusted_ca',
    },
    {
      name: 'an unknown critical option',
      cert: () => issue({ criticalOptions: { 'no-such-option': 'x' } }),
      reason: 'unknown_critical_option',
    },
    {
      name: 'a matching source-address',
      cert: () => issue({ criticalOptions: { 'source-address': '10.0.0.0/8,127.0.0.1' } }),
    },
    {
      name: 'a source-address that does not match',
      cert: () => issue({ criticalOptions: { 'source-address': '10.0.0.0/8' } }),
      reason: 'source_address_mismatch',
    },
    {
      name: 'a source-address but no client address',
      cert: () => issue({ criticalOptions: { 'source-address': '10.0.0.0/8' } }),
      policy: { sourceAddress: undefined },
      reason: 'source_address_mismatch',
    },
    {
      name: 'an IPv6 client in an IPv6 source-address network',
      cert: () => issue({ criticalOptions: { 'source-address': '2001:db8::/32' } }),
      policy: { sourceAddress: '2001:db8:1::7' },
    },
    {
      name: 'a certificate with force-command and verify-required (options sshd understands)',
      cert: () => issue({ criticalOptions: { 'force-command': '/bin/true', 'verify-required': '' } }),
    },
  ];

  for (const testCase of cases) {
    it(`${testCase.reason === undefined ? 'accepts' : 'rejects'} ${testCase.name}`, () => {
      const verdict = verifyCertificate(testCase.cert(), policy(testCase.policy));
      if (testCase.reason === undefined) assert.deepEqual(verdict, { ok: true });
      else {
        assert.equal(verdict.ok, false);
        assert.equal(!verdict.ok && verdict.reason, testCase.reason);
        assert.ok(!verdict.ok && verdict.message.length > 0);
      }
    });
  }

  for (const caAlgorithm of ALGORITHMS) {
    it(`every single flipped byte of a ${caAlgorithm}-signed certificate fails the signature check`, () => {
      const signer = generateSshKeyPair(caAlgorithm, { rsaBits: 2048 });
      const cert = issueCertificate(signer, {
        subjectKey: user.publicKey,
        keyId: 'alice',
        principals: ['alice'],
        criticalOptions: { 'force-command': '/bin/true' },
      });
      assert.equal(verifyCertificateSignature(cert), true);
      const positions = new Set<number>();
      // Every byte of the signed part up to the CA key, and samples of the signature.
      for (let i = 0; i < cert.signedLength; i += caAlgorithm === 'rsa' ? 7 : 1) positions.add(i);
      for (let i = cert.signedLength + 4; i < cert.blob.length; i += 3) positions.add(i);
      let rejectedByParser = 0;
      for (const position of positions) {
        const tampered = cert.blob.slice();
        tampered[position]! ^= 0x01;
        let parsed: SshCertificate;
        try {
          parsed = parseCertificate(tampered);
        } catch {
          rejectedByParser++;
          continue;
        }
        assert.equal(verifyCertificateSignature(parsed), false, `byte ${position} flipped still verifies`);
        const verdict = verifyCertificate(
          parsed,
          policy({ trustedCaKeys: [signer.publicKey], now: new Date() }),
        );
        assert.equal(verdict.ok, false, `byte ${position}`);
      }
      assert.ok(rejectedByParser < positions.size, 'most flips must reach the signature check');
    });
  }

  it('a certificate whose CA key is swapped for another fails, even though it parses', () => {
    const cert = issue();
    const original = cert.signatureKey.blob;
    const swapped = otherCa.publicKey.blob;
    assert.equal(original.length, swapped.length);
    const blob = cert.blob.slice();
    const at = Buffer.from(blob).indexOf(Buffer.from(original));
    blob.set(swapped, at);
    const parsed = parseCertificate(blob);
    assert.ok(parsed.signatureKey.equals(otherCa.publicKey));
    assert.equal(verifyCertificateSignature(parsed), false);
    const verdict = verifyCertificate(parsed, policy({ trustedCaKeys: [otherCa.publicKey] }));
    assert.equal(!verdict.ok && verdict.reason, 'bad_signature');
  });

  it('a signature from another CA of the same type, spliced in, fails', () => {
    const mine = issue();
    const theirs = issueCertificate(otherCa, {
      subjectKey: user.publicKey,
      keyId: 'alice',
      principals: ['alice'],
    });
    const blob = new Uint8Array(mine.signedLength + theirs.blob.length - theirs.signedLength);
    blob.set(mine.blob.subarray(0, mine.signedLength));
    blob.set(theirs.blob.subarray(theirs.signedLength), mine.signedLength);
    assert.equal(verifyCertificateSignature(parseCertificate(blob)), false);
  });
});
