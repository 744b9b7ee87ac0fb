import assert from 'node:assert/strict';
import { ACCESS_RULE_SELECTOR_NAMES, AccessRuleSchema, type AccessRule } from '@latchkey/shared';
import Value from 'typebox/value';
import { parseAccessRule } from '../../../../server/src/domain/access/access-rule.js';
import type { JsonValue } from '../../../../server/src/domain/records.js';

/** One valid rule per selector of the registry, as the API accepts it. */
const SAMPLES: { [K in (typeof ACCESS_RULE_SELECTOR_NAMES)[number]]: AccessRule } = {
  email: { email: { email: 'a@example.com', identity_provider_id: 'builtin' } },
  email_domain: { email_domain: { domain: 'example.com' } },
  everyone: { everyone: {} },
  ip: { ip: { ip: '10.0.0.0/8' } },
  group: { group: { id: '4f6c1a0e-6f7a-4b8c-9d1e-2f3a4b5c6d7e' } },
  login_method: { login_method: { id: 'builtin' } },
  auth_method: { auth_method: { auth_method: 'mfa' } },
  geo: { geo: { country_code: 'US' } },
  oidc: { oidc: { claim_name: 'groups', claim_value: 'ops' } },
};

describe('server/domain/access/access-rule: stored rules parsed once into typed rules', () => {
  it('parses a valid rule of every selector in the registry into its typed form', () => {
    for (const selector of ACCESS_RULE_SELECTOR_NAMES) {
      const rule = SAMPLES[selector];
      assert.ok(Value.Check(AccessRuleSchema, rule), `${selector}: the sample is valid API input`);
      const typed = parseAccessRule(rule as JsonValue);
      assert.equal(typed?.selector, selector);
      assert.deepEqual(
        typed.value,
        selector === 'everyone' ? {} : (rule as Record<string, unknown>)[selector],
      );
    }
  });

  const malformed: [string, JsonValue][] = [
    ['not an object', 'email'],
    ['an array', [{ everyone: {} }]],
    ['no selector', {}],
    ['two selectors', { everyone: {}, ip: { ip: '10.0.0.0/8' } }],
    ['an unknown selector', { saml: { attribute_name: 'a', attribute_value: 'b' } }],
    ['a value that is not an object', { everyone: true }],
    ['a field of the wrong type', { email: { email: 42 } }],
    ['a provider of the wrong type', { email_domain: { domain: 'example.com', identity_provider_id: 1 } }],
    ['an oidc rule without its value', { oidc: { claim_name: 'groups' } }],
    ['an inherited selector', Object.create({ everyone: {} }) as JsonValue],
  ];
  for (const [what, rule] of malformed) {
    it(`reads ${what} as malformed`, () => assert.equal(parseAccessRule(rule), undefined));
  }

  it('parses each stored object once (the same typed rule again)', () => {
    const rule: JsonValue = { ip: { ip: '10.0.0.0/8' } };
    assert.equal(parseAccessRule(rule), parseAccessRule(rule));
    const bad: JsonValue = { ip: {} };
    assert.equal(parseAccessRule(bad), undefined);
    assert.equal(parseAccessRule(bad), undefined);
  });
});
