import assert from 'node:assert/strict';
import { parseEmailAddress, upstreamEmail } from '../../../server/src/domain/email-address.js';

describe('domain: email addresses are exactly one plain address', () => {
  const cases: [string, string | undefined][] = [
    ['ada@example.com', 'ada@example.com'],
    ['  Ada.Lovelace+ops@Example.COM ', 'ada.lovelace+ops@example.com'],
    ['mallory@evil.example@corp.example', undefined],
    ['"mallory@evil.example"@corp.example', undefined],
    ['ada@corp.example (admin)', undefined],
    ['Ada <ada@corp.example>', undefined],
    ['ada@localhost', undefined],
    ['ada@corp..example', undefined],
    ['.ada@corp.example', undefined],
    ['ad..a@corp.example', undefined],
    ['@corp.example', undefined],
    ['ada@', undefined],
    ['ada\n@corp.example', undefined],
    [`${'a'.repeat(65)}@corp.example`, undefined],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected ?? 'refused'}`, () =>
      assert.equal(parseEmailAddress(text), expected));
  }

  const settings = { emailClaim: 'email', trustUnverifiedEmail: false, provider: 'Corp SSO' };
  it('an upstream email is used only when the provider says it is verified', () => {
    assert.deepEqual(upstreamEmail({ email: 'Ann@Corp.example', email_verified: true }, settings), {
      ok: true,
      email: 'ann@corp.example',
    });
    const missing = upstreamEmail({ email: 'ann@corp.example' }, settings);
    assert.equal(missing.ok, false);
    assert.match(
      (missing as { problem: string }).problem,
      /does not say that your email ann@corp.example is verified/,
    );
    const unverified = upstreamEmail({ email: 'ann@corp.example', email_verified: false }, settings);
    assert.match(
      (unverified as { problem: string }).problem,
      /says your email ann@corp.example is not verified/,
    );
    assert.equal(
      upstreamEmail({ email: 'ann@corp.example' }, { ...settings, trustUnverifiedEmail: true }).ok,
      true,
    );
  });

  it('an upstream email that is not exactly one address is refused, even from a trusted provider', () => {
    const twoAts = upstreamEmail(
      { email: 'mallory@evil.example@corp.example', email_verified: true },
      { ...settings, trustUnverifiedEmail: true },
    );
    assert.match((twoAts as { problem: string }).problem, /not exactly one plain email address/);
  });
});
