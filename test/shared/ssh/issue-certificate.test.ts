import assert from 'node:assert/strict';
import {
  CERTIFICATE_FOREVER_MS,
  DEFAULT_USER_EXTENSIONS,
  generateSshKeyPair,
  isLatchkeyError,
  issueCertificate,
  parseCertificate,
  verifyCertificateSignature,
  type CertificateRequest,
} from '@latchkey/shared';

const NOW = new Date('2030-01-01T00:00:00.400Z');

describe('issueCertificate', () => {
  const ca = generateSshKeyPair('ed25519');
  const subjectKey = generateSshKeyPair('ed25519').publicKey;
  const base: CertificateRequest = { subjectKey, keyId: 'alice', principals: ['alice'] };

  it('applies the defaults: user type, random serial and nonce, backdated 60 s, valid 300 s, permit-* extensions', () => {
    const cert = issueCertificate(ca, base, { now: () => NOW });
    assert.equal(cert.type, 'user');
    assert.equal(cert.certType, 'ssh-ed25519-cert-v01@openssh.com');
    assert.equal(cert.validAfter.toISOString(), '2029-12-31T23:59:00.000Z');
    assert.equal(cert.validBefore.toISOString(), '2030-01-01T00:05:00.000Z');
    assert.deepEqual(cert.extensions, DEFAULT_USER_EXTENSIONS);
    assert.deepEqual(cert.criticalOptions, {});
    assert.equal(cert.nonce.length, 32);
    assert.ok(cert.signatureKey.equals(ca.publicKey));
    const other = issueCertificate(ca, base, { now: () => NOW });
    assert.notEqual(cert.serial, other.serial);
    assert.notDeepEqual(cert.nonce, other.nonce);
    assert.equal(
      issueCertificate(ca, { ...base, type: 'host' }).extensions,
      issueCertificate(ca, { ...base, type: 'host' }).extensions,
    );
    assert.deepEqual(issueCertificate(ca, { ...base, type: 'host' }).extensions, {});
  });

  it('is deterministic given the environment (time and randomness are inputs)', () => {
    const env = { now: () => NOW, randomBytes: (n: number) => new Uint8Array(n).fill(7) };
    const a = issueCertificate(ca, base, env);
    const b = issueCertificate(ca, base, env);
    assert.deepEqual(a.blob, b.blob); // Ed25519 signatures are deterministic too.
    assert.equal(a.serial, 0x0707070707070707n);
  });

  it('encodes options sorted by name, flags empty and values as strings, and parses them back', () => {
    const cert = issueCertificate(ca, {
      ...base,
      criticalOptions: { 'source-address': '10.0.0.0/8', 'force-command': 'true' },
      extensions: { 'permit-pty': '', 'custom@example.com': 'v', 'permit-X11-forwarding': '' },
    });
    const parsed = parseCertificate(cert.toAuthorizedKey());
    assert.deepEqual(Object.keys(parsed.criticalOptions), ['force-command', 'source-address']);
    assert.deepEqual(Object.keys(parsed.extensions), [
      'custom@example.com',
      'permit-X11-forwarding',
      'permit-pty',
    ]);
    assert.equal(parsed.extensions['custom@example.com'], 'v');
    assert.deepEqual(parsed.blob, cert.blob);
    // force-command value is string("true") inside the option's data string.
    const hex = Buffer.from(cert.blob).toString('hex');
    assert.ok(
      hex.includes(Buffer.from('\0\0\0\x0dforce-command\0\0\0\x08\0\0\0\x04true', 'latin1').toString('hex')),
    );
    assert.ok(verifyCertificateSignature(parsed));
  });

  it('represents "forever" and "always" sensibly', () => {
    const cert = issueCertificate(ca, {
      ...base,
      validAfter: new Date(0),
      validBefore: new Date(CERTIFICATE_FOREVER_MS),
    });
    assert.equal(cert.validAfterSeconds, 0n);
    assert.equal(cert.validBeforeSeconds, 2n ** 64n - 1n);
    assert.equal(parseCertificate(cert.blob).validBefore.getTime(), CERTIFICATE_FOREVER_MS);
  });

  const invalid: [string, Partial<CertificateRequest>, string, string][] = [
    ['a principal with a comma', { principals: ['a,b'] }, 'invalid_argument', '/principals/0'],
    ['an empty principal', { principals: ['ok', ''] }, 'invalid_argument', '/principals/1'],
    ['a principal with a newline', { principals: ['a\nb'] }, 'invalid_argument', '/principals/0'],
    [
      '257 principals',
      { principals: Array.from({ length: 257 }, (_, i) => `u${i}`) },
      'invalid_argument',
      '/principals',
    ],
    ['a key id with NUL', { keyId: 'a\0b' }, 'invalid_argument', '/keyId'],
    ['a negative validity', { validForSeconds: -5 }, 'invalid_argument', '/validForSeconds'],
    ['a fractional validity', { validForSeconds: 1.5 }, 'invalid_argument', '/validForSeconds'],
    ['an infinite validity', { validForSeconds: Infinity }, 'invalid_argument', '/validForSeconds'],
    ['a century of validity', { validForSeconds: 100 * 365 * 86400 }, 'invalid_argument', '/validForSeconds'],
    ['a negative backdate', { backdateSeconds: -1 }, 'invalid_argument', '/backdateSeconds'],
    ['an empty interval', { validAfter: NOW, validBefore: NOW }, 'invalid_argument', '/validBefore'],
    ['an invalid date', { validAfter: new Date(NaN) }, 'invalid_argument', '/validAfter'],
    ['a serial beyond 64 bits', { serial: 2n ** 64n }, 'invalid_argument', '/serial'],
    ['a negative serial', { serial: -1n }, 'invalid_argument', '/serial'],
    ['a short nonce', { nonce: new Uint8Array(4) }, 'invalid_argument', '/nonce'],
    ['an unknown type', { type: 'admin' as 'user' }, 'invalid_argument', '/type'],
    [
      'an empty force-command',
      { criticalOptions: { 'force-command': '' } },
      'invalid_certificate_options',
      '/criticalOptions/force-command',
    ],
    [
      'verify-required with a value',
      { criticalOptions: { 'verify-required': 'x' } },
      'invalid_certificate_options',
      '/criticalOptions/verify-required',
    ],
    [
      'a source-address with host bits',
      { criticalOptions: { 'source-address': '10.0.0.1/8' } },
      'invalid_certificate_options',
      '',
    ],
    [
      'a source-address with a space',
      { criticalOptions: { 'source-address': '10.0.0.0/8, ::1' } },
      'invalid_certificate_options',
      '',
    ],
    [
      'a source-address mask too long',
      { criticalOptions: { 'source-address': '::/129' } },
      'invalid_certificate_options',
      '',
    ],
    [
      'a non-string extension value',
      { extensions: { 'permit-pty': true as unknown as string } },
      'invalid_certificate_options',
      '/extensions/permit-pty',
    ],
  ];
  for (const [name, overrides, code, pointer] of invalid) {
    it(`refuses ${name} (${code})`, () => {
      assert.throws(
        () => issueCertificate(ca, { ...base, ...overrides }, { now: () => NOW }),
        (error: unknown) =>
          isLatchkeyError(error) && error.code === code && (pointer === '' || error.pointer === pointer),
      );
    });
  }

  it('accepts what sshd must see to reject: empty principals, unknown critical options, host certs', () => {
    assert.deepEqual(issueCertificate(ca, { ...base, principals: [] }).principals, []);
    assert.equal(
      issueCertificate(ca, { ...base, criticalOptions: { 'x-unknown': '1' } }).criticalOptions['x-unknown'],
      '1',
    );
    assert.equal(issueCertificate(ca, { ...base, type: 'host' }).type, 'host');
    assert.equal(issueCertificate(ca, { ...base, keyId: '' }).keyId, '');
  });
});
