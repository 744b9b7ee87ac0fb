import assert from 'node:assert/strict';
import { ALL_PERMISSIONS, PERMISSIONS, parsePermission } from '../../../server/src/domain/permissions.js';
import { parseTokenExpiry } from '../../../server/src/domain/token-expiry.js';
import { formatApiTokenSecret, hashApiTokenSecret } from '../../../server/src/domain/api-token-secret.js';

describe('permissions, token secrets and expiry', () => {
  it('uses Cloudflare-style names, one table', () => {
    assert.deepEqual(
      [...ALL_PERMISSIONS],
      [
        'Zero Trust: Read',
        'Zero Trust: Edit',
        'Access: Apps and Policies: Read',
        'Access: Apps and Policies: Edit',
        'Access: SSH Auditing: Read',
        'Access: SSH Auditing: Edit',
        'Audit Logs: Read',
        'Account API Tokens: Read',
        'Account API Tokens: Edit',
      ],
    );
  });

  const spellings: [string, string][] = [
    ['Zero Trust: Read', PERMISSIONS.zeroTrustRead],
    ['zero trust edit', PERMISSIONS.zeroTrustEdit],
    ['Zero Trust Write', PERMISSIONS.zeroTrustEdit],
    ['Access: Apps and Policies Edit', PERMISSIONS.appsAndPoliciesEdit],
    ['access: ssh auditing: read', PERMISSIONS.sshAuditingRead],
    ['Audit Logs Read', PERMISSIONS.auditLogsRead],
    ['account api tokens write', PERMISSIONS.apiTokensEdit],
  ];
  for (const [text, expected] of spellings) {
    it(`reads "${text}" as "${expected}"`, () => assert.equal(parsePermission(text), expected));
  }
  it('refuses an unknown permission, listing the known ones', () => {
    assert.throws(() => parsePermission('Zero Trust: Admin'), /unknown permission.*"Zero Trust: Read"/);
  });

  it('token secrets: lk_ + 43 base64url characters; the stored hash is SHA-256 hex', () => {
    const secret = formatApiTokenSecret(new Uint8Array(32).fill(1));
    assert.match(secret, /^lk_[A-Za-z0-9_-]{43}$/);
    assert.match(hashApiTokenSecret(secret), /^[0-9a-f]{64}$/);
    assert.notEqual(hashApiTokenSecret(secret), hashApiTokenSecret(`${secret}x`));
    assert.throws(() => formatApiTokenSecret(new Uint8Array(16)));
  });

  const now = new Date('2030-01-01T00:00:00Z');
  const expiries: [string, string][] = [
    ['30d', '2030-01-31T00:00:00.000Z'],
    ['12h', '2030-01-01T12:00:00.000Z'],
    ['90m', '2030-01-01T01:30:00.000Z'],
    ['2w', '2030-01-15T00:00:00.000Z'],
    ['2031-06-01T00:00:00Z', '2031-06-01T00:00:00.000Z'],
    ['2031-06-01', '2031-06-01T00:00:00.000Z'],
  ];
  for (const [text, expected] of expiries) {
    it(`--expires ${text} → ${expected}`, () =>
      assert.equal(parseTokenExpiry(text, now).toISOString(), expected));
  }
  for (const text of ['0d', '30', 'tomorrow', '2029-01-01T00:00:00Z', '2031-13-45', '-1d']) {
    it(`--expires ${text} is refused, naming --expires`, () => {
      assert.throws(() => parseTokenExpiry(text, now), /^LatchkeyError: --expires/);
    });
  }
});
