/**
 * A stored access rule parsed into its typed form, once: the evaluation (rule-matches.ts) switches on the
 * typed selector, and the compiler checks that every selector of the registry
 * (ACCESS_RULE_SELECTORS in shared/src/api/access-rules.ts) has a parser here and a case there.
 *
 * Rules were validated against the registry's schemas when stored, but are read defensively (a row may
 * predate a rule, or be edited by hand): a rule that is not exactly one known selector whose value is an
 * object with well-typed fields is malformed (undefined). Extra fields are ignored, as before.
 */
import type { AccessRule, AccessRuleSelector } from '@latchkey/shared';
import type { JsonValue } from '../records.js';

type JsonObject = { [key: string]: JsonValue };

/** What the evaluation reads of each selector's value (loose where the schema is strict: see above). */
export interface AccessRuleValues {
  email: { email: string; identity_provider_id?: string };
  email_domain: { domain: string; identity_provider_id?: string };
  everyone: object;
  ip: { ip: string };
  group: { id: string };
  login_method: { id: string };
  auth_method: { auth_method: string };
  geo: { country_code: string };
  oidc: { claim_name: string; claim_value: string; identity_provider_id?: string };
}

/** One selector and its value: a union the evaluation's switch must cover. */
export type TypedAccessRule = {
  [K in AccessRuleSelector]: { selector: K; value: AccessRuleValues[K] };
}[AccessRuleSelector];

// The registry and the values above name the same selectors, and every rule the API accepts can be read.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameSelectors: Same<keyof AccessRuleValues, AccessRuleSelector> = true;
const apiRulesReadable: {
  [K in AccessRuleSelector]: NonNullable<AccessRule[K]> extends AccessRuleValues[K] ? true : false;
} = {
  email: true,
  email_domain: true,
  everyone: true,
  ip: true,
  group: true,
  login_method: true,
  auth_method: true,
  geo: true,
  oidc: true,
};
void sameSelectors;
void apiRulesReadable;

const isString = (value: JsonValue | undefined): value is string => typeof value === 'string';
const optionalString = (value: JsonValue | undefined): boolean => value === undefined || isString(value);

/** Per selector: its value read, or undefined when malformed. A missing entry does not compile. */
const PARSERS: { [K in AccessRuleSelector]: (value: JsonObject) => AccessRuleValues[K] | undefined } = {
  email: (value) =>
    isString(value.email) && optionalString(value.identity_provider_id)
      ? (value as AccessRuleValues['email'])
      : undefined,
  email_domain: (value) =>
    isString(value.domain) && optionalString(value.identity_provider_id)
      ? (value as AccessRuleValues['email_domain'])
      : undefined,
  everyone: () => ({}),
  ip: (value) => (isString(value.ip) ? (value as AccessRuleValues['ip']) : undefined),
  group: (value) => (isString(value.id) ? (value as AccessRuleValues['group']) : undefined),
  login_method: (value) => (isString(value.id) ? (value as AccessRuleValues['login_method']) : undefined),
  auth_method: (value) =>
    isString(value.auth_method) ? (value as AccessRuleValues['auth_method']) : undefined,
  geo: (value) => (isString(value.country_code) ? (value as AccessRuleValues['geo']) : undefined),
  oidc: (value) =>
    isString(value.claim_name) && isString(value.claim_value) && optionalString(value.identity_provider_id)
      ? (value as AccessRuleValues['oidc'])
      : undefined,
};

/** Parsed rules by the stored object: a policy or group loaded once is parsed once, however often it is evaluated. */
const parsed = new WeakMap<object, TypedAccessRule | null>();

/** `rule` in its typed form, or undefined when it is malformed. */
export function parseAccessRule(rule: JsonValue): TypedAccessRule | undefined {
  if (!isObject(rule)) return undefined;
  const known = parsed.get(rule);
  if (known !== undefined) return known ?? undefined;
  const typed = parseUncached(rule);
  parsed.set(rule, typed ?? null);
  return typed;
}

function parseUncached(rule: JsonObject): TypedAccessRule | undefined {
  let selector: string | undefined;
  for (const key in rule) {
    if (!Object.hasOwn(rule, key)) continue;
    if (selector !== undefined) return undefined; // more than one selector
    selector = key;
  }
  if (selector === undefined || !Object.hasOwn(PARSERS, selector)) return undefined;
  const value = rule[selector];
  if (!isObject(value)) return undefined;
  const name = selector as AccessRuleSelector;
  const read = (PARSERS[name] as (value: JsonObject) => AccessRuleValues[typeof name] | undefined)(value);
  return read === undefined ? undefined : ({ selector: name, value: read } as TypedAccessRule);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
