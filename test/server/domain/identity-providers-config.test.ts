import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { parseIdentityProvidersConfig } from '../../../server/src/domain/identity-providers-config.js';

const corp = {
  id: 'corp',
  name: 'Corp SSO',
  issuer: 'https://sso.example.com',
  client_id: 'latchkey',
  client_secret: 's3cret',
};

const parse = (document: unknown) => parseIdentityProvidersConfig(JSON.stringify(document), 'providers.json');

describe('parseIdentityProvidersConfig', () => {
  it('fills in the defaults', () => {
    assert.deepEqual(parse({ providers: [corp] }), [
      {
        id: 'corp',
        name: 'Corp SSO',
        issuer: 'https://sso.example.com',
        clientId: 'latchkey',
        clientSecret: { kind: 'inline', value: 's3cret' },
        scopes: ['openid', 'email', 'profile'],
        claims: { email: 'email', groups: 'groups' },
        allowUnverifiedEmail: false,
      },
    ]);
    assert.deepEqual(parse({ providers: [] }), []);
  });

  it('takes every setting, and says which secret file to read', () => {
    const { client_secret: _secret, ...withoutSecret } = corp;
    const [config] = parse({
      providers: [
        {
          ...withoutSecret,
          client_secret_file: '/etc/latchkey/corp.secret',
          scopes: ['openid', 'email', 'groups'],
          claims: { email: 'upn', groups: 'roles' },
          allow_unverified_email: true,
        },
      ],
    });
    assert.deepEqual(config?.clientSecret, { kind: 'file', path: '/etc/latchkey/corp.secret' });
    assert.deepEqual(config?.scopes, ['openid', 'email', 'groups']);
    assert.deepEqual(config?.claims, { email: 'upn', groups: 'roles' });
    assert.equal(config?.allowUnverifiedEmail, true);
  });

  it('trust_unverified_email (default false), and allow_unverified_email, its older name', () => {
    assert.equal(
      parse({ providers: [{ ...corp, trust_unverified_email: true }] })[0]?.allowUnverifiedEmail,
      true,
    );
    assert.equal(
      parse({ providers: [{ ...corp, allow_unverified_email: true }] })[0]?.allowUnverifiedEmail,
      true,
    );
    assert.equal(
      parse({ providers: [{ ...corp, trust_unverified_email: true, allow_unverified_email: true }] })[0]
        ?.allowUnverifiedEmail,
      true,
    );
    assert.throws(
      () => parse({ providers: [{ ...corp, trust_unverified_email: true, allow_unverified_email: false }] }),
      /\/providers\/0\/allow_unverified_email contradicts trust_unverified_email/,
    );
    assert.throws(
      () => parse({ providers: [{ ...corp, trust_unverified_email: 'yes' }] }),
      /\/providers\/0\/trust_unverified_email must be true or false/,
    );
  });

  it('allows plain http for loopback issuers only', () => {
    for (const issuer of ['http://127.0.0.1:9000', 'http://localhost:9000/realms/x', 'http://[::1]:9000']) {
      assert.equal(parse({ providers: [{ ...corp, issuer }] })[0]?.issuer, issuer);
    }
  });

  const { client_secret: _unused, ...noSecret } = corp;
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['text that is not JSON', undefined, '', /providers\.json is not valid JSON/],
    ['a document that is not an object', [], '', /must be an object: \{"providers"/],
    ['an unknown top-level key', { providers: [], provider: [] }, '/provider', /is not a known setting/],
    ['providers not an array', { providers: {} }, '/providers', /must be an array/],
    ['a provider that is not an object', { providers: ['corp'] }, '/providers/0', /must be an object/],
    ['a missing id', { providers: [{ ...corp, id: undefined }] }, '/providers/0/id', /is required/],
    ['an id with capitals', { providers: [{ ...corp, id: 'Corp' }] }, '/providers/0/id', /lowercase letters/],
    ['an id too long', { providers: [{ ...corp, id: 'a'.repeat(65) }] }, '/providers/0/id', /1 to 64/],
    ['the id builtin', { providers: [{ ...corp, id: 'builtin' }] }, '/providers/0/id', /built-in accounts/],
    [
      'a duplicate id',
      { providers: [corp, { ...corp, name: 'Other' }] },
      '/providers/1/id',
      /"corp" is already the id of \/providers\/0/,
    ],
    ['an empty name', { providers: [{ ...corp, name: ' ' }] }, '/providers/0/name', /non-empty string/],
    [
      'an issuer that is not a URL',
      { providers: [{ ...corp, issuer: 'sso' }] },
      '/providers/0/issuer',
      /not a URL/,
    ],
    [
      'a plain http issuer on the network',
      { providers: [{ ...corp, issuer: 'http://sso.example.com' }] },
      '/providers/0/issuer',
      /plain http is allowed only for a loopback host .*use https/,
    ],
    [
      'an issuer with another scheme',
      { providers: [{ ...corp, issuer: 'ftp://sso.example.com' }] },
      '/providers/0/issuer',
      /use an https URL/,
    ],
    [
      'an issuer with a query',
      { providers: [{ ...corp, issuer: 'https://sso.example.com/?x=1' }] },
      '/providers/0/issuer',
      /query/,
    ],
    ['a number client_id', { providers: [{ ...corp, client_id: 7 }] }, '/providers/0/client_id', /string/],
    [
      'no secret at all',
      { providers: [noSecret] },
      '/providers/0',
      /needs client_secret or client_secret_file/,
    ],
    [
      'both secrets',
      { providers: [{ ...corp, client_secret_file: '/x' }] },
      '/providers/0/client_secret_file',
      /both given; keep exactly one/,
    ],
    [
      'an unknown provider key',
      { providers: [{ ...corp, secret: 'x' }] },
      '/providers/0/secret',
      /not a known/,
    ],
    ['empty scopes', { providers: [{ ...corp, scopes: [] }] }, '/providers/0/scopes', /non-empty array/],
    [
      'a scope with a space',
      { providers: [{ ...corp, scopes: ['openid email'] }] },
      '/providers/0/scopes/0',
      /scope name/,
    ],
    [
      'scopes without openid',
      { providers: [{ ...corp, scopes: ['email'] }] },
      '/providers/0/scopes',
      /"openid"/,
    ],
    [
      'claims not an object',
      { providers: [{ ...corp, claims: 'email' }] },
      '/providers/0/claims',
      /an object like/,
    ],
    [
      'an unknown claim key',
      { providers: [{ ...corp, claims: { name: 'x' } }] },
      '/providers/0/claims/name',
      /only email and groups/,
    ],
    [
      'an empty claim name',
      { providers: [{ ...corp, claims: { email: '' } }] },
      '/providers/0/claims/email',
      /claim/,
    ],
    [
      'allow_unverified_email as a string',
      { providers: [{ ...corp, allow_unverified_email: 'yes' }] },
      '/providers/0/allow_unverified_email',
      /true or false/,
    ],
  ];
  for (const [what, document, pointer, message] of cases) {
    it(`refuses ${what} (${pointer || 'the document'})`, () => {
      const text = document === undefined ? '{"providers": [' : JSON.stringify(document);
      assert.throws(
        () => parseIdentityProvidersConfig(text, 'providers.json'),
        (error: unknown) => {
          assert.ok(isLatchkeyError(error, 'invalid_config'), String(error));
          assert.equal(error.pointer, pointer);
          assert.match(error.message, message);
          if (pointer !== '')
            assert.ok(error.message.startsWith(`providers.json: ${pointer} `), error.message);
          return true;
        },
      );
    });
  }
});
