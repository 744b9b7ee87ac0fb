import assert from 'node:assert/strict';
import {
  generateSshKeyPair,
  issueCertificate,
  signSshData,
  TARGET_BINDING_OPTION,
  type SshPrivateKey,
} from '@latchkey/shared';
import { encodeSshSignature } from '../../../../shared/src/ssh/ssh-signature.js';
import {
  checkLoginCertificate,
  type FrontTrust,
} from '../../../../agent/src/domain/front/login-certificate.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const TARGET = '0f2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';
const OTHER = '11111111-2222-4333-8444-555555555555';

describe('agent/domain/front: checkLoginCertificate', () => {
  const ca = generateSshKeyPair('ed25519');
  const person = generateSshKeyPair('ed25519');
  const trust: FrontTrust = { targetId: TARGET, accountCaKeys: [ca.publicKey] };

  function certificate(
    overrides: {
      ca?: SshPrivateKey;
      options?: Record<string, string>;
      principals?: string[];
      validFor?: number;
    } = {},
  ) {
    return issueCertificate(
      overrides.ca ?? ca,
      {
        subjectKey: person.publicKey,
        keyId: 'ada@example.com session=6f9d0c1e-3b7a-4c55-9e0d-2a1b3c4d5e6f',
        principals: overrides.principals ?? ['deploy'],
        criticalOptions: overrides.options ?? { [TARGET_BINDING_OPTION]: TARGET },
        validForSeconds: overrides.validFor ?? 300,
      },
      { now: () => NOW },
    );
  }

  function attempt(cert = certificate(), extra: { username?: string; signedBy?: SshPrivateKey } = {}) {
    const signedData = Buffer.from('session id and request');
    const signer = extra.signedBy ?? person;
    return {
      keyAlgorithm: cert.certType,
      keyBlob: cert.blob,
      username: extra.username ?? 'deploy',
      clientAddress: '192.0.2.7',
      signature: { signedData, signatureBlob: encodeSshSignature(signSshData(signer, signedData)) },
    };
  }

  it('accepts a certificate bound to this target, naming the person and the session', () => {
    const verdict = checkLoginCertificate(attempt(), trust, NOW);
    assert.equal(verdict.ok, true);
    if (verdict.ok) {
      assert.equal(verdict.person, 'ada@example.com');
      assert.equal(verdict.sessionId, '6f9d0c1e-3b7a-4c55-9e0d-2a1b3c4d5e6f');
    }
  });

  const refusals: [
    string,
    () => Parameters<typeof checkLoginCertificate>[0],
    FrontTrust | undefined,
    RegExp,
  ][] = [
    [
      'bound to another target',
      () => attempt(certificate({ options: { [TARGET_BINDING_OPTION]: OTHER } })),
      trust,
      /bound to target .* not to this one/,
    ],
    [
      'not bound at all (a plain Cloudflare-model certificate)',
      () => attempt(certificate({ options: {} })),
      trust,
      /not bound to a target/,
    ],
    [
      'signed by another CA',
      () => attempt(certificate({ ca: generateSshKeyPair('ed25519') })),
      trust,
      /not a trusted CA/,
    ],
    [
      'for another UNIX user',
      () => attempt(certificate(), { username: 'root' }),
      trust,
      /not a listed principal/,
    ],
    ['expired', () => attempt(certificate({ validFor: 1 })), trust, /expired/],
    [
      'with a force-command',
      () => attempt(certificate({ options: { [TARGET_BINDING_OPTION]: TARGET, 'force-command': 'true' } })),
      trust,
      /force-command/,
    ],
    [
      'with an unknown critical option',
      () => attempt(certificate({ options: { [TARGET_BINDING_OPTION]: TARGET, 'other@x': '1' } })),
      trust,
      /not supported/,
    ],
    [
      'signed by a key other than the certificate’s',
      () => attempt(certificate(), { signedBy: generateSshKeyPair('ed25519') }),
      trust,
      /signature does not verify/,
    ],
    ['before the target is registered', () => attempt(), undefined, /not registered/],
  ];
  for (const [name, make, withTrust, reason] of refusals) {
    it(`refuses a certificate ${name}`, () => {
      const now = name === 'expired' ? new Date(NOW.getTime() + 10_000) : NOW;
      const verdict = checkLoginCertificate(make(), withTrust, now);
      assert.equal(verdict.ok, false);
      if (!verdict.ok) assert.match(verdict.reason, reason);
    });
  }

  it('refuses a plain key: only certificates log in', () => {
    const verdict = checkLoginCertificate(
      {
        keyAlgorithm: 'ssh-ed25519',
        keyBlob: person.publicKey.blob,
        username: 'deploy',
        clientAddress: '::1',
      },
      trust,
      NOW,
    );
    assert.equal(verdict.ok, false);
  });

  it('answers a query without signature (the client asks whether the key would do)', () => {
    const { signature: _signature, ...query } = attempt();
    assert.equal(checkLoginCertificate(query, trust, NOW).ok, true);
  });
});
