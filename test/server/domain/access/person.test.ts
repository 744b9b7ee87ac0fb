import assert from 'node:assert/strict';
import { BUILTIN_LOGIN_METHOD, emailAlias } from '../../../../server/src/domain/access/index.js';

describe('server/domain/access/person', () => {
  it('built-in accounts sign in with login method "builtin"', () => {
    assert.equal(BUILTIN_LOGIN_METHOD, 'builtin');
  });

  const aliases: [string, string | undefined][] = [
    ['jdoe@company.com', 'jdoe'],
    ['Jdoe@company.com', 'jdoe'],
    ['first.last@company.com', 'first.last'],
    ['ec2-user@company.com', 'ec2-user'],
    ['"a@b"@company.com', undefined],
    ['1st@company.com', undefined],
    ['a+tag@company.com', undefined],
    [`${'a'.repeat(33)}@company.com`, undefined],
    ['@company.com', undefined],
    ['no-at-sign', undefined],
  ];
  for (const [email, alias] of aliases) {
    it(`the email alias of ${JSON.stringify(email.length > 40 ? `${email.slice(0, 8)}…` : email)} is ${alias ?? 'none'}`, () => {
      assert.equal(emailAlias(email), alias);
    });
  }
});
