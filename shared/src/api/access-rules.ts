/**
 * Access rule selectors, the items of a policy's (or group's) `include` (any of), `require` (all of)
 * and `exclude` (none of). A rule is an object with exactly one selector key; unknown selectors are
 * refused (never ignored), with a pointer at the rule such as `/policies/0/include/1`.
 *
 * Supported: the selectors of the registry ACCESS_RULE_SELECTORS below, each with its schema and meaning.
 * `email`, `email_domain` and `oidc` may name the identity provider they trust (`identity_provider_id`, a
 * Latchkey addition). Cloudflare's IdP-specific selectors (saml, okta, gsuite, azureAD,
 * github-organization) and device posture are not supported.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { LatchkeyError } from '../errors/latchkey-error.js';
import { hostnameProblem } from './hostname.js';
import { isCidr } from './ip-address.js';

/** RFC 8176 authentication method reference values. */
export const AUTH_METHODS = [
  'face', 'fpt', 'geo', 'hwk', 'iris', 'kba', 'mca', 'mfa', 'otp', 'pin', 'pop', 'pwd',
  'rba', 'retina', 'sc', 'sms', 'swk', 'tel', 'user', 'vbm', 'wia',
] as const; // prettier-ignore

const strict = { additionalProperties: false } as const;
const NonEmpty = Type.String({ minLength: 1, maxLength: 1024 });
/**
 * On `email`, `email_domain` and `oidc`: the rule matches only people signed in with that identity
 * provider (its configured id, or `builtin`). The same email from two providers is two people.
 */
const ProviderId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'Only people signed in with this identity provider (its id, or "builtin").',
});

/**
 * The one registry of rule selectors: each selector's schema (what the API accepts) and its meaning. The
 * API's AccessRuleSchema is built from it, the server's evaluation (server/src/domain/access/access-rule.ts)
 * must parse and match every selector in it (the compiler checks both), and the API description names them
 * from it. A new selector starts here.
 */
export const ACCESS_RULE_SELECTORS = {
  email: {
    schema: Type.Object(
      {
        email: Type.String({ format: 'email', maxLength: 320 }),
        identity_provider_id: Type.Optional(ProviderId),
      },
      strict,
    ),
    meaning: 'the person’s email, ignoring case (from that identity provider, when named)',
  },
  email_domain: {
    schema: Type.Object(
      {
        domain: Type.String({ minLength: 1, maxLength: 253 }),
        identity_provider_id: Type.Optional(ProviderId),
      },
      strict,
    ),
    meaning: 'the domain of the person’s email (from that identity provider, when named)',
  },
  everyone: { schema: Type.Object({}, strict), meaning: 'everyone signed in' },
  ip: {
    schema: Type.Object({ ip: Type.String({ minLength: 1, description: 'A CIDR range.' }) }, strict),
    meaning: 'the address the person connects from is in the CIDR range',
  },
  group: {
    schema: Type.Object({ id: Type.String({ format: 'uuid' }) }, strict),
    meaning: 'the person is in the access group (by name from their identity provider, or by its rules)',
  },
  login_method: {
    schema: Type.Object({ id: NonEmpty }, strict),
    meaning: 'the person signed in with this identity provider',
  },
  auth_method: {
    schema: Type.Object({ auth_method: Type.Enum([...AUTH_METHODS]) }, strict),
    meaning: 'the sign-in used this RFC 8176 authentication method (amr)',
  },
  geo: {
    schema: Type.Object(
      {
        country_code: Type.String({
          pattern: '^[A-Z]{2}$',
          description: 'an ISO 3166-1 alpha-2 country code in capitals, such as "US"',
        }),
      },
      strict,
    ),
    meaning: 'never matches: Latchkey has no geolocation database',
  },
  oidc: {
    schema: Type.Object(
      { claim_name: NonEmpty, claim_value: NonEmpty, identity_provider_id: Type.Optional(NonEmpty) },
      strict,
    ),
    meaning: 'a claim of the upstream OIDC token is, or contains, the value',
  },
} as const;

export type AccessRuleSelector = keyof typeof ACCESS_RULE_SELECTORS;

/** The selectors in the registry's order. */
export const ACCESS_RULE_SELECTOR_NAMES = Object.keys(ACCESS_RULE_SELECTORS) as AccessRuleSelector[];

type SelectorProperties = {
  [K in AccessRuleSelector]: ReturnType<typeof Type.Optional<(typeof ACCESS_RULE_SELECTORS)[K]['schema']>>;
};

export const AccessRuleSchema = Type.Object(
  Object.fromEntries(
    ACCESS_RULE_SELECTOR_NAMES.map((name) => [name, Type.Optional(ACCESS_RULE_SELECTORS[name].schema)]),
  ) as SelectorProperties,
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description: 'Exactly one selector.',
  },
);
export type AccessRule = Static<typeof AccessRuleSchema>;

export const AccessRulesSchema = Type.Array(AccessRuleSchema, { maxItems: 1000 });

/** A `group` selector found in some rules, with where it is (for the existence check). */
export interface GroupReference {
  id: string;
  pointer: string;
}

/**
 * The rules of selectors a schema cannot say (CIDR ranges, email domains). Returns the group ids the
 * rules name, for the caller to check that they exist.
 */
export function validateAccessRules(rules: AccessRule[], basePointer: string): GroupReference[] {
  const groups: GroupReference[] = [];
  rules.forEach((rule, index) => {
    const pointer = `${basePointer}/${index}`;
    if (rule.ip !== undefined && !isCidr(rule.ip.ip)) {
      throw new LatchkeyError(
        'invalid_argument',
        `${pointer}/ip/ip: ${JSON.stringify(rule.ip.ip)} is not an IP range such as 10.0.0.0/8 or 2001:db8::/32`,
        { pointer: `${pointer}/ip/ip` },
      );
    }
    if (rule.email_domain !== undefined) {
      const domain = rule.email_domain.domain.replace(/^@/, '');
      const problem = hostnameProblem(domain);
      if (problem !== undefined || !domain.includes('.')) {
        throw new LatchkeyError(
          'invalid_argument',
          `${pointer}/email_domain/domain: ${JSON.stringify(rule.email_domain.domain)} is not a domain name such as example.com`,
          { pointer: `${pointer}/email_domain/domain` },
        );
      }
    }
    if (rule.group !== undefined)
      groups.push({ id: rule.group.id.toLowerCase(), pointer: `${pointer}/group/id` });
  });
  return groups;
}
