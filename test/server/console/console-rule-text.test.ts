// The console's text form of access rules: every selector the API supports read from its line and
// written back the same, names of groups turned into ids, and a line it cannot read refused with its
// line number.
import assert from 'node:assert/strict';
import { ACCESS_RULE_SELECTOR_NAMES } from '@latchkey/shared';
import {
  RuleTextProblem,
  formatRuleText,
  lineOfRule,
  listOf,
  parseRuleText,
} from '../../../server/src/adapters/http/console/console-rule-text.js';

const GROUP_ID = '6f1c2b1e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';

describe('console rule text', () => {
  const cases: [string, Record<string, Record<string, string>>][] = [
    ['everyone', { everyone: {} }],
    ['email: ada@example.com', { email: { email: 'ada@example.com' } }],
    [
      'email: ada@example.com via corp',
      { email: { email: 'ada@example.com', identity_provider_id: 'corp' } },
    ],
    ['email_domain: example.com', { email_domain: { domain: 'example.com' } }],
    [
      'email_domain: example.com via builtin',
      { email_domain: { domain: 'example.com', identity_provider_id: 'builtin' } },
    ],
    ['ip: 10.0.0.0/8', { ip: { ip: '10.0.0.0/8' } }],
    ['group: engineers', { group: { id: GROUP_ID } }],
    ['login_method: corp', { login_method: { id: 'corp' } }],
    ['auth_method: mfa', { auth_method: { auth_method: 'mfa' } }],
    ['geo: US', { geo: { country_code: 'US' } }],
    ['oidc: team=ops', { oidc: { claim_name: 'team', claim_value: 'ops' } }],
    [
      'oidc: team=ops via corp',
      { oidc: { claim_name: 'team', claim_value: 'ops', identity_provider_id: 'corp' } },
    ],
  ];
  const idOf = (name: string) => (name === 'engineers' ? GROUP_ID : undefined);
  const nameOf = (id: string) => (id === GROUP_ID ? 'engineers' : undefined);

  for (const [line, rule] of cases) {
    it(`reads and writes back "${line}"`, () => {
      assert.deepEqual(parseRuleText(line, idOf), [rule]);
      assert.equal(formatRuleText([rule], nameOf), line);
    });
  }

  it('covers every selector the API supports', () => {
    const covered = new Set(cases.flatMap(([, rule]) => Object.keys(rule)));
    assert.deepEqual([...covered].sort(), [...ACCESS_RULE_SELECTOR_NAMES].sort());
  });

  it('skips blank lines and comments; keeps a group id as it is, and writes an unnamed one as its id', () => {
    const text = `\n# who\nEveryone\n\ngroup: ${GROUP_ID.toUpperCase()}\n`;
    assert.deepEqual(parseRuleText(text), [{ everyone: {} }, { group: { id: GROUP_ID } }]);
    assert.equal(formatRuleText([{ group: { id: GROUP_ID } }]), `group: ${GROUP_ID}`);
    assert.equal(lineOfRule(text, 1), 5, 'the second rule is on line 5');
    assert.equal(lineOfRule(text, 2), undefined);
  });

  for (const [text, line, message] of [
    ['everyone\nnonsense', 2, /"nonsense" is not a rule/],
    ['saml: admins', 1, /"saml" is not a selector the API supports/],
    ['email:', 1, /needs a value/],
    ['group: nobody', 1, /no access group is named "nobody"/],
    ['oidc: team', 1, /oidc: claim=value/],
  ] as const) {
    it(`refuses ${JSON.stringify(text)} at line ${line}`, () => {
      assert.throws(
        () => parseRuleText(text, idOf),
        (error: unknown) =>
          error instanceof RuleTextProblem && error.line === line && message.test(error.message),
      );
    });
  }

  it('splits lists on spaces, commas and new lines', () => {
    assert.deepEqual(listOf(' web-1, web-2\nweb-3  '), ['web-1', 'web-2', 'web-3']);
    assert.deepEqual(listOf('  '), []);
  });
});
