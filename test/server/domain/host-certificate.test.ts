import assert from 'node:assert/strict';
import { generateSshKeyPair, issueCertificate, type CertificateRequest } from '@latchkey/shared';
import {
  HOST_CERTIFICATE_RENEW_BEFORE_SECONDS,
  HOST_CERTIFICATE_VALID_SECONDS,
  decideHostCertificate,
  frontHostCa,
  hostCertificateKeyId,
  hostCertificatePrincipals,
  type HostCertificateReason,
  type HostCertificateTarget,
} from '../../../server/src/domain/host-certificate.js';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const DAY_MS = 86_400_000;
const TARGET: HostCertificateTarget = {
  id: '0A1B2C3D-0000-4000-8000-00000000000A',
  hostname: 'Web-1',
  ipv4: { address: '10.0.0.5', virtualNetworkId: 'vnet' },
  ipv6: { address: 'fd00::5', virtualNetworkId: 'vnet' },
};
const PRINCIPALS = ['0a1b2c3d-0000-4000-8000-00000000000a', 'web-1', '10.0.0.5', 'fd00::5'];

const hostCa = generateSshKeyPair('ed25519');
const otherCa = generateSshKeyPair('ed25519');
const hostKey = generateSshKeyPair('ed25519').publicKey;
const otherKey = generateSshKeyPair('ed25519').publicKey;

function certificate(overrides: Partial<CertificateRequest> = {}, ca = hostCa, issuedAt = NOW): string {
  return issueCertificate(
    ca,
    {
      subjectKey: hostKey,
      type: 'host',
      keyId: 'test',
      principals: PRINCIPALS,
      validForSeconds: HOST_CERTIFICATE_VALID_SECONDS,
      backdateSeconds: 300,
      ...overrides,
    },
    { now: () => issuedAt },
  ).toAuthorizedKey();
}

describe('server domain: host certificates for agent fronts', () => {
  it('names the target by id, hostname and addresses, lowercase, without duplicates', () => {
    assert.deepEqual(hostCertificatePrincipals(TARGET), PRINCIPALS);
    assert.deepEqual(
      hostCertificatePrincipals({
        id: 'ID-1',
        hostname: '10.0.0.5',
        ipv4: { address: '10.0.0.5', virtualNetworkId: 'v' },
      }),
      ['id-1', '10.0.0.5'],
    );
    assert.equal(hostCertificateKeyId(TARGET), 'latchkey target 0a1b2c3d-0000-4000-8000-00000000000a web-1');
  });

  const cases: {
    name: string;
    reported: () => string | undefined;
    now?: Date;
    want: HostCertificateReason | 'keep';
  }[] = [
    { name: 'no certificate yet (a new or older agent)', reported: () => undefined, want: 'none' },
    { name: 'an empty line', reported: () => '  ', want: 'none' },
    { name: 'not a certificate', reported: () => hostKey.toAuthorizedKey(), want: 'unreadable' },
    { name: "another CA's certificate", reported: () => certificate({}, otherCa), want: 'not_valid' },
    { name: 'a user certificate', reported: () => certificate({ type: 'user' }), want: 'not_valid' },
    {
      name: 'an expired certificate',
      reported: () => certificate({}, hostCa, new Date(NOW.getTime() - 30 * DAY_MS)),
      want: 'not_valid',
    },
    {
      name: 'a certificate of another key',
      reported: () => certificate({ subjectKey: otherKey }),
      want: 'other_key',
    },
    {
      name: 'the hostname or addresses changed',
      reported: () => certificate({ principals: PRINCIPALS.slice(0, 3) }),
      want: 'principals_changed',
    },
    {
      name: 'principals in another order',
      reported: () => certificate({ principals: [...PRINCIPALS].reverse() }),
      want: 'principals_changed',
    },
    {
      name: 'less than the renewal margin left',
      reported: () =>
        certificate(
          {},
          hostCa,
          new Date(
            NOW.getTime() -
              (HOST_CERTIFICATE_VALID_SECONDS - HOST_CERTIFICATE_RENEW_BEFORE_SECONDS + 60) * 1000,
          ),
        ),
      want: 'renewal_due',
    },
    { name: 'a valid certificate with time left', reported: () => certificate(), want: 'keep' },
    {
      name: 'a valid certificate just before renewal',
      reported: () => certificate({}, hostCa, new Date(NOW.getTime() - 13 * DAY_MS)),
      want: 'keep',
    },
  ];
  for (const { name, reported, want } of cases) {
    it(`${name}: ${want}`, () => {
      const decision = decideHostCertificate({
        reported: reported(),
        hostKey,
        target: TARGET,
        caPublicKey: hostCa.publicKey,
        now: NOW,
      });
      if (want === 'keep') {
        assert.equal(decision.issue, false);
        if (!decision.issue) assert.deepEqual(decision.certificate.principals, PRINCIPALS);
      } else {
        assert.deepEqual(decision, { issue: true, reason: want });
      }
    });
  }

  it('gives clients the host CA only for a front with a valid certificate from it for its key', () => {
    const ca = hostCa.publicKey.toAuthorizedKey('latchkey-host-ca');
    const plain = hostCa.publicKey.toAuthorizedKey();
    const front = { hostKey: hostKey.toAuthorizedKey() };
    assert.equal(frontHostCa({ ...front, hostCertificate: certificate() }, ca, NOW), plain);
    assert.equal(frontHostCa(front, ca, NOW), undefined, 'no certificate: pin the key');
    assert.equal(frontHostCa({ ...front, hostCertificate: certificate() }, undefined, NOW), undefined);
    assert.equal(frontHostCa({ ...front, hostCertificate: certificate({}, otherCa) }, ca, NOW), undefined);
    assert.equal(
      frontHostCa({ ...front, hostCertificate: certificate({ subjectKey: otherKey }) }, ca, NOW),
      undefined,
    );
    assert.equal(
      frontHostCa({ ...front, hostCertificate: certificate() }, ca, new Date(NOW.getTime() + 29 * DAY_MS)),
      undefined,
      'expired',
    );
    assert.equal(frontHostCa({ ...front, hostCertificate: 'garbage' }, ca, NOW), undefined);
  });
});
