import assert from 'node:assert/strict';
import { ruleMatches } from '../../../../server/src/domain/access/index.js';
import type { Person } from '../../../../server/src/domain/access/index.js';
import type { JsonValue } from '../../../../server/src/domain/records.js';
import { group, groupMap, person } from './fixtures.js';

const OPS = '11111111-1111-4111-8111-111111111111';
const ADMINS = '22222222-2222-4222-8222-222222222222';
const STRANGERS = '33333333-3333-4333-8333-333333333333';
const LOOP = '44444444-4444-4444-8444-444444444444';
const PING = '55555555-5555-4555-8555-555555555555';
const PONG = '66666666-6666-4666-8666-666666666666';
const OUTER = '77777777-7777-4777-8777-777777777777';
const NOT_SELF = '88888888-8888-4888-8888-888888888888';
const MISSING = '99999999-9999-4999-8999-999999999999';

const groups = groupMap(
  group(OPS, 'OPS'),
  group(ADMINS, 'admins', { include: [{ email: { email: 'jdoe@company.com' } }] }),
  group(STRANGERS, 'strangers', { include: [{ email: { email: 'someone@else.com' } }] }),
  group(LOOP, 'loop', { include: [{ group: { id: LOOP } }] }),
  group(PING, 'ping', { include: [{ group: { id: PONG } }] }),
  group(PONG, 'pong', { include: [{ group: { id: PING } }, { email_domain: { domain: 'company.com' } }] }),
  group(OUTER, 'outer', { include: [{ everyone: {} }], require: [{ group: { id: ADMINS } }] }),
  group(NOT_SELF, 'not-self', { include: [{ everyone: {} }], exclude: [{ group: { id: NOT_SELF } }] }),
);

const oidcPerson: Partial<Person> = {
  loginMethod: 'corp-idp',
  claims: { groups: ['ops', 'sre'], department: 'eng', level: 5, nested: { a: 'b' } },
};

/** [what, rule, person overrides, matches] */
const cases: [string, JsonValue, Partial<Person>, boolean][] = [
  ['email equal', { email: { email: 'jdoe@company.com' } }, {}, true],
  ['email, other case in the rule', { email: { email: 'JDoe@Company.COM' } }, {}, true],
  ['email of someone else', { email: { email: 'jdoe@company.co' } }, {}, false],
  ['email_domain', { email_domain: { domain: 'company.com' } }, {}, true],
  ['email_domain with "@" and capitals', { email_domain: { domain: '@Company.COM' } }, {}, true],
  ['email_domain, only a suffix of the domain', { email_domain: { domain: 'pany.com' } }, {}, false],
  [
    'email_domain, a subdomain email',
    { email_domain: { domain: 'company.com' } },
    { email: 'a@eu.company.com' },
    false,
  ],
  ['email_domain, another domain', { email_domain: { domain: 'company.org' } }, {}, false],
  [
    'email_domain, an email with two @ (issue 13)',
    { email_domain: { domain: 'company.com' } },
    { email: 'mallory@evil.example@company.com' },
    false,
  ],
  [
    'email naming the provider the person used',
    { email: { email: 'jdoe@company.com', identity_provider_id: 'builtin' } },
    {},
    true,
  ],
  [
    'email naming another provider',
    { email: { email: 'jdoe@company.com', identity_provider_id: 'partner' } },
    {},
    false,
  ],
  [
    'email_domain naming the provider',
    { email_domain: { domain: 'company.com', identity_provider_id: 'corp-idp' } },
    { loginMethod: 'corp-idp' },
    true,
  ],
  [
    'email_domain naming another provider',
    { email_domain: { domain: 'company.com', identity_provider_id: 'corp-idp' } },
    { loginMethod: 'partner' },
    false,
  ],
  ['everyone', { everyone: {} }, {}, true],
  ['ip in an IPv4 range', { ip: { ip: '10.0.0.0/8' } }, {}, true],
  ['ip equal to a bare IPv4 address', { ip: { ip: '10.1.2.3' } }, {}, true],
  ['ip equal to a /32', { ip: { ip: '10.1.2.3/32' } }, {}, true],
  ['ip outside an IPv4 range', { ip: { ip: '10.1.3.0/24' } }, {}, false],
  ['ip, no client address', { ip: { ip: '0.0.0.0/0' } }, { ip: undefined }, false],
  ['ip in an IPv6 range', { ip: { ip: '2001:DB8::/32' } }, { ip: '2001:db8:0:1::5' }, true],
  ['ip, uncompressed client IPv6', { ip: { ip: '2001:db8::/32' } }, { ip: '2001:0DB8:0:0:0:0:0:5' }, true],
  ['ip outside an IPv6 range', { ip: { ip: '2001:db9::/32' } }, { ip: '2001:db8::5' }, false],
  ['ip, IPv6 /128', { ip: { ip: '::1/128' } }, { ip: '::1' }, true],
  ['ip, IPv4 range and IPv6 client', { ip: { ip: '0.0.0.0/0' } }, { ip: '2001:db8::5' }, false],
  ['ip, IPv6 range and IPv4 client', { ip: { ip: '::/0' } }, {}, false],
  ['ip, IPv4-mapped client in an IPv4 range', { ip: { ip: '10.0.0.0/8' } }, { ip: '::ffff:10.1.2.3' }, true],
  ['ip, IPv4-mapped client outside', { ip: { ip: '192.168.0.0/16' } }, { ip: '::ffff:10.1.2.3' }, false],
  [
    'ip, IPv4-mapped client in ::ffff:0:0/96',
    { ip: { ip: '::ffff:0:0/96' } },
    { ip: '::ffff:10.1.2.3' },
    true,
  ],
  ['ip, a client address that is not one', { ip: { ip: '0.0.0.0/0' } }, { ip: 'localhost' }, false],
  ['group by name, case-insensitive', { group: { id: OPS } }, {}, true],
  ['group by name, the person is not in it', { group: { id: OPS } }, { groups: ['dev'] }, false],
  ['group id in capitals', { group: { id: OPS.toUpperCase() } }, {}, true],
  ['group by its own rules', { group: { id: ADMINS } }, { groups: [] }, true],
  ['group whose rules do not match', { group: { id: STRANGERS } }, {}, false],
  ['group that does not exist', { group: { id: MISSING } }, {}, false],
  ['group that includes itself', { group: { id: LOOP } }, {}, false],
  ['group that includes itself, member by name', { group: { id: LOOP } }, { groups: ['Loop'] }, true],
  ['group cycle ping → pong → ping, pong matches by domain', { group: { id: PING } }, {}, true],
  ['group cycle, nobody matches', { group: { id: PING } }, { email: 'x@other.org' }, false],
  ['group requiring another group', { group: { id: OUTER } }, {}, true],
  ['group requiring another group, not met', { group: { id: OUTER } }, { email: 'x@other.org' }, false],
  ['group excluding itself', { group: { id: NOT_SELF } }, {}, true],
  ['login_method builtin', { login_method: { id: 'builtin' } }, {}, true],
  ['login_method of an upstream provider', { login_method: { id: 'corp-idp' } }, oidcPerson, true],
  ['login_method, another provider', { login_method: { id: 'corp-idp' } }, {}, false],
  ['auth_method present', { auth_method: { auth_method: 'mfa' } }, {}, true],
  ['auth_method absent', { auth_method: { auth_method: 'hwk' } }, {}, false],
  [
    'oidc, array claim containing the value',
    { oidc: { claim_name: 'groups', claim_value: 'sre' } },
    oidcPerson,
    true,
  ],
  [
    'oidc, array claim without the value',
    { oidc: { claim_name: 'groups', claim_value: 'admin' } },
    oidcPerson,
    false,
  ],
  ['oidc, string claim equal', { oidc: { claim_name: 'department', claim_value: 'eng' } }, oidcPerson, true],
  [
    'oidc, string claim in another case',
    { oidc: { claim_name: 'department', claim_value: 'ENG' } },
    oidcPerson,
    false,
  ],
  ['oidc, number claim', { oidc: { claim_name: 'level', claim_value: '5' } }, oidcPerson, false],
  ['oidc, object claim', { oidc: { claim_name: 'nested', claim_value: 'b' } }, oidcPerson, false],
  ['oidc, missing claim', { oidc: { claim_name: 'team', claim_value: 'x' } }, oidcPerson, false],
  [
    'oidc, inherited property name',
    { oidc: { claim_name: 'toString', claim_value: 'x' } },
    oidcPerson,
    false,
  ],
  [
    'oidc, for this provider',
    { oidc: { claim_name: 'department', claim_value: 'eng', identity_provider_id: 'corp-idp' } },
    oidcPerson,
    true,
  ],
  [
    'oidc, for another provider',
    { oidc: { claim_name: 'department', claim_value: 'eng', identity_provider_id: 'other-idp' } },
    oidcPerson,
    false,
  ],
  ['oidc, built-in account (no claims)', { oidc: { claim_name: 'groups', claim_value: 'ops' } }, {}, false],
  ['geo never matches', { geo: { country_code: 'US' } }, {}, false],
  // Malformed stored rules: never match, never throw.
  ['malformed: null', null, {}, false],
  ['malformed: a number', 42, {}, false],
  ['malformed: a string', 'everyone', {}, false],
  ['malformed: an array', [{ everyone: {} }], {}, false],
  ['malformed: no selector', {}, {}, false],
  ['malformed: two selectors', { everyone: {}, email: { email: 'jdoe@company.com' } }, {}, false],
  ['malformed: unknown selector', { github: { name: 'x' } }, {}, false],
  ['malformed: selector value not an object', { everyone: true }, {}, false],
  ['malformed: email not a string', { email: { email: 5 } }, {}, false],
  ['malformed: email as a bare string', { email: 'jdoe@company.com' }, {}, false],
  ['malformed: ip not a range', { ip: { ip: 'office' } }, {}, false],
  ['malformed: ip prefix too long', { ip: { ip: '10.0.0.0/33' } }, {}, false],
  ['malformed: ip in short form', { ip: { ip: '10.1' } }, { ip: '10.0.0.1' }, false],
  ['malformed: group id not a string', { group: { id: 7 } }, {}, false],
  ['malformed: empty email_domain', { email_domain: { domain: '@' } }, {}, false],
  ['malformed: oidc without a value', { oidc: { claim_name: 'department' } }, oidcPerson, false],
  ['malformed: auth_method list', { auth_method: { auth_method: ['mfa'] } }, {}, false],
];

describe('server/domain/access/rule-matches', () => {
  for (const [what, rule, overrides, expected] of cases) {
    it(`${what}: ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(ruleMatches(rule, person(overrides), groups), expected);
    });
  }

  it('a long chain of nested groups neither recurses forever nor throws', () => {
    const ids = Array.from(
      { length: 200 },
      (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    );
    const chain = groupMap(
      ...ids.map((id, index) =>
        group(id, `g${index}`, { include: [{ group: { id: ids[(index + 1) % ids.length] ?? id } }] }),
      ),
    );
    assert.equal(ruleMatches({ group: { id: ids[0] ?? '' } }, person({ groups: [] }), chain), false);
    // Deep membership by name is found (the name check needs no recursion).
    assert.equal(ruleMatches({ group: { id: ids[5] ?? '' } }, person({ groups: ['G6'] }), chain), true);
  });
});
