import assert from 'node:assert/strict';
import { generateSshKeyPair, issueCertificate } from '@latchkey/shared';
import { checkHostCertificate } from '../../../extension/src/domain/host-certificate-check.js';
import { expectedHostTrust } from '../../../extension/src/domain/host-key-pins.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const TARGET = '0A1B2C3D-0000-4000-8000-00000000000A';
const ca = generateSshKeyPair('ed25519');
const CA_LINE = ca.publicKey.toAuthorizedKey('latchkey-host-ca');
const hostKey = generateSshKeyPair('ed25519').publicKey;

function certificate(type: 'host' | 'user', principals: string[], issuedAt = NOW): Uint8Array {
  return issueCertificate(
    ca,
    { subjectKey: hostKey, type, keyId: 'k', principals, validForSeconds: 3600 },
    { now: () => issuedAt },
  ).blob;
}

describe('extension/domain: a certified front is trusted by the host CA', () => {
  it('accepts a host certificate from the CA naming the target id (any case), valid now', () => {
    assert.deepEqual(
      checkHostCertificate(certificate('host', [TARGET.toLowerCase(), 'box']), CA_LINE, TARGET, NOW),
      {
        ok: true,
      },
    );
  });

  const refused: [string, Uint8Array, RegExp][] = [
    ['a plain key', hostKey.blob, /a plain key/],
    ['a user certificate', certificate('user', [TARGET.toLowerCase()]), /not valid/],
    ['a certificate naming only the hostname', certificate('host', ['box']), /for another host \(box\)/],
    [
      'an expired certificate',
      certificate('host', [TARGET.toLowerCase()], new Date('2026-12-01T00:00:00Z')),
      /not valid \(expired/,
    ],
  ];
  for (const [what, blob, shown] of refused) {
    it(`refuses ${what}`, () => {
      const verdict = checkHostCertificate(blob, CA_LINE, TARGET, NOW);
      assert.equal(verdict.ok, false);
      if (!verdict.ok) assert.match(verdict.shown, shown);
    });
  }

  it("expects the certificate answer's CA, else a certified front's in the list at that port", () => {
    const front = { port: 2222, host_key: 'K', host_ca: 'CA' };
    assert.deepEqual(expectedHostTrust({ port: 2222, host_key: 'K', host_ca: 'CA2' }, { front }), {
      hostCa: 'CA2',
    });
    assert.deepEqual(expectedHostTrust({ port: 2222, host_key: 'K' }, { front }), { hostKey: 'K' });
    assert.deepEqual(expectedHostTrust({ port: 2222 }, { front }), { hostCa: 'CA' });
    assert.equal(expectedHostTrust({ port: 22 }, { front }), undefined);
    assert.equal(expectedHostTrust({ port: 22 }, {}), undefined);
  });
});
