/**
 * Infrastructure applications (`/accounts/{account_id}/access/apps`, `type: "infrastructure"`): which
 * targets (by hostname), on which port and protocol, under which policies.
 *
 * Rules beyond the schema: target hostnames follow the target hostname rules; a port has one protocol
 * (within an app here; across the account on the server); policy precedences are distinct (absent ones
 * are 1..n in request order). `RDP` is accepted for Cloudflare compatibility; Latchkey serves SSH only.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { LatchkeyError } from '../errors/latchkey-error.js';
import type { GroupReference } from './access-rules.js';
import { AppPolicyItemSchema, PolicySchema, validatePolicyInput } from './access-policies.js';
import type { AppPolicyItem, ValidPolicyInput } from './access-policies.js';
import { PageQueryFields, Timestamp, Uuid } from './common.js';
import { HOSTNAME_MAX_LENGTH, hostnameProblem } from './hostname.js';
import { checkAgainstSchema } from './schema-check.js';

export const APP_PROTOCOLS = ['SSH', 'RDP'] as const;
export type AppProtocol = (typeof APP_PROTOCOLS)[number];

const HostnameList = Type.Array(Type.String({ minLength: 1, maxLength: HOSTNAME_MAX_LENGTH }), {
  minItems: 1,
  maxItems: 1000,
  description: 'Targets whose hostname is one of these (case-insensitive).',
});

/**
 * One selector set of the rule form (`include`, `require` or `exclude`): each hostname list and each tag
 * key is one selector; the values of a tag key are any-of.
 */
export const TargetSelectorSchema = targetSelector('Hostname and tag selectors.');

function targetSelector(description: string) {
  return Type.Object(
    {
      target_attributes: Type.Optional(
        Type.Object({ hostname: HostnameList }, { additionalProperties: false }),
      ),
      tags: Type.Optional(
        Type.Record(
          Type.String({ minLength: 1, maxLength: 128, pattern: '^[^:]+$' }),
          Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 1000 }),
          { minProperties: 1, maxProperties: 50, description: 'Tag key → any of these values.' },
        ),
      ),
    },
    { additionalProperties: false, minProperties: 1, description },
  );
}
export type TargetSelector = Static<typeof TargetSelectorSchema>;

/**
 * Which targets an app covers on a port: either the flat (deprecated) form `target_attributes: {hostname}`,
 * or the rule form: `include` (any selector matches), `require` (every selector matches), `exclude` (no
 * selector matches), never both forms in one criterion.
 */
export const TargetCriterionSchema = Type.Object(
  {
    target_attributes: Type.Optional(
      Type.Object(
        { hostname: HostnameList },
        { additionalProperties: false, description: 'Deprecated flat form: hostname is the only key.' },
      ),
    ),
    include: Type.Optional(
      targetSelector(
        'Rule form: the target matches when any of these selectors matches (required in this form).',
      ),
    ),
    require: Type.Optional(
      targetSelector('Rule form: the target matches only when every one of these selectors matches.'),
    ),
    exclude: Type.Optional(
      targetSelector('Rule form: the target is excluded when any of these selectors matches.'),
    ),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    protocol: Type.Enum([...APP_PROTOCOLS]),
  },
  { additionalProperties: false },
);
export type TargetCriterion = Static<typeof TargetCriterionSchema>;

/** Cloudflare's hardware authenticators of infrastructure apps, and the sign-in `amr` values that show each. */
export const MFA_AUTHENTICATORS = ['piv_key', 'ssh_fido2_key'] as const;
export type MfaAuthenticator = (typeof MFA_AUTHENTICATORS)[number];

/**
 * An app's `mfa_config`. Unless `mfa_disabled`, a certificate for the app's targets needs a sign-in
 * whose `amr` (from the identity provider) shows the authenticator: `piv_key` → `sc` or `hwk`,
 * `ssh_fido2_key` → `hwk`; no list → any of `mfa`, `hwk`, `sc`, `otp`. Where MFA is required,
 * `session_duration` (at most 720h) bounds how long ago the person authenticated at the identity
 * provider (its `auth_time`, else the sign-in's start): an older authentication must sign in again.
 */
export const MfaConfigSchema = Type.Object(
  {
    allowed_authenticators: Type.Optional(
      Type.Array(Type.Enum([...MFA_AUTHENTICATORS]), {
        maxItems: MFA_AUTHENTICATORS.length,
        uniqueItems: true,
      }),
    ),
    mfa_disabled: Type.Optional(Type.Boolean()),
    session_duration: Type.Optional(
      Type.String({
        pattern: '^[0-9]+(m|h)$',
        description:
          'Minutes or hours, such as 5m or 24h (at most 720h): how long ago the MFA sign-in may have authenticated.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Unless mfa_disabled, certificates need a sign-in whose amr shows the authenticator: piv_key → sc or hwk, ssh_fido2_key → hwk; no list → mfa, hwk, sc or otp.',
  },
);
export type MfaConfig = Static<typeof MfaConfigSchema>;

export const InfrastructureAppInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 350 }),
    type: Type.Literal('infrastructure'),
    target_criteria: Type.Array(TargetCriterionSchema, { minItems: 1, maxItems: 100 }),
    policies: Type.Optional(Type.Array(AppPolicyItemSchema, { maxItems: 100 })),
    mfa_config: Type.Optional(MfaConfigSchema),
  },
  { additionalProperties: false },
);
export type InfrastructureAppInputBody = Static<typeof InfrastructureAppInputSchema>;

export const InfrastructureAppSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  type: Type.Literal('infrastructure'),
  aud: Type.String(),
  target_criteria: Type.Array(TargetCriterionSchema),
  policies: Type.Array(PolicySchema),
  mfa_config: Type.Optional(MfaConfigSchema),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type InfrastructureApp = Static<typeof InfrastructureAppSchema>;

/** One item of `policies`, validated: a link to an existing policy, or a new inline one. */
export type ValidAppPolicy =
  | { kind: 'reference'; id: string; precedence: number; pointer: string }
  | { kind: 'inline'; policy: ValidPolicyInput; precedence: number; pointer: string };

export interface ValidAppInput {
  name: string;
  type: 'infrastructure';
  targetCriteria: TargetCriterion[];
  policies: ValidAppPolicy[];
  /** Every `group` selector of the inline policies. */
  groups: GroupReference[];
  mfaConfig?: MfaConfig;
}

export function validateAppInput(body: InfrastructureAppInputBody): ValidAppInput {
  const protocolOfPort = new Map<number, string>();
  body.target_criteria.forEach((criterion, index) => {
    validateCriterionForm(criterion, `/target_criteria/${index}`);
    const other = protocolOfPort.get(criterion.port);
    if (other !== undefined && other !== criterion.protocol) {
      const pointer = `/target_criteria/${index}/protocol`;
      throw new LatchkeyError(
        'invalid_argument',
        `${pointer}: port ${criterion.port} is already assigned to ${other}; a port has one protocol`,
        { pointer },
      );
    }
    protocolOfPort.set(criterion.port, criterion.protocol);
  });

  const policies = (body.policies ?? []).map((item, index) => validateAppPolicyItem(item, index));
  const byPrecedence = new Map<number, number>();
  for (const [index, policy] of policies.entries()) {
    const previous = byPrecedence.get(policy.precedence);
    if (previous !== undefined) {
      const pointer = `/policies/${index}/precedence`;
      throw new LatchkeyError(
        'invalid_argument',
        `${pointer}: precedence ${policy.precedence} is also used by /policies/${previous}; precedences must be distinct`,
        { pointer },
      );
    }
    byPrecedence.set(policy.precedence, index);
  }
  const seenIds = new Map<string, number>();
  for (const [index, policy] of policies.entries()) {
    if (policy.kind !== 'reference') continue;
    const previous = seenIds.get(policy.id);
    if (previous !== undefined) {
      throw new LatchkeyError(
        'invalid_argument',
        `${policy.pointer}: policy ${policy.id} is linked twice (also /policies/${previous})`,
        { pointer: policy.pointer },
      );
    }
    seenIds.set(policy.id, index);
  }
  const duration = body.mfa_config?.session_duration;
  if (duration !== undefined && sessionDurationMinutes(duration) > 720 * 60) {
    const pointer = '/mfa_config/session_duration';
    throw new LatchkeyError('invalid_argument', `${pointer}: ${duration} is longer than 720h (30 days)`, {
      pointer,
    });
  }
  return {
    name: body.name,
    type: 'infrastructure',
    targetCriteria: body.target_criteria,
    policies,
    groups: policies.flatMap((policy) => (policy.kind === 'inline' ? policy.policy.groups : [])),
    ...(body.mfa_config === undefined ? {} : { mfaConfig: body.mfa_config }),
  };
}

/** `5m` → 5, `24h` → 1440 (the pattern of MfaConfigSchema). */
export function sessionDurationMinutes(duration: string): number {
  const amount = Number.parseInt(duration, 10);
  return duration.endsWith('h') ? amount * 60 : amount;
}

/** One form per criterion (flat target_attributes, or include/require/exclude), and valid hostnames. */
function validateCriterionForm(criterion: TargetCriterion, base: string): void {
  const flat = criterion.target_attributes !== undefined;
  const rules = (['include', 'require', 'exclude'] as const).filter((key) => criterion[key] !== undefined);
  if (flat && rules.length > 0) {
    const pointer = `${base}/${rules[0]}`;
    throw new LatchkeyError(
      'invalid_argument',
      `${pointer}: a criterion uses either target_attributes (the flat form) or include/require/exclude (the rule form), not both`,
      { pointer },
    );
  }
  if (!flat && criterion.include === undefined) {
    const pointer = rules.length > 0 ? `${base}/include` : base;
    throw new LatchkeyError(
      'invalid_argument',
      `${pointer}: a criterion needs target_attributes (the flat form) or include (the rule form; require and exclude are optional)`,
      { pointer },
    );
  }
  const checkHostnames = (hostnames: readonly string[], pointerBase: string) =>
    hostnames.forEach((hostname, hostIndex) => {
      const pointer = `${pointerBase}/${hostIndex}`;
      const problem = hostnameProblem(hostname);
      if (problem !== undefined)
        throw new LatchkeyError('invalid_argument', `${pointer} ${problem}`, { pointer });
    });
  if (criterion.target_attributes !== undefined)
    checkHostnames(criterion.target_attributes.hostname, `${base}/target_attributes/hostname`);
  for (const key of rules) {
    for (const tag of Object.keys(criterion[key]?.tags ?? {})) {
      if (tag.includes(':')) {
        const pointer = `${base}/${key}/tags`;
        throw new LatchkeyError(
          'invalid_argument',
          `${pointer}: tag key ${JSON.stringify(tag)} contains ":"`,
          {
            pointer,
          },
        );
      }
    }
    const hostnames = criterion[key]?.target_attributes?.hostname;
    if (hostnames !== undefined) checkHostnames(hostnames, `${base}/${key}/target_attributes/hostname`);
  }
}

function validateAppPolicyItem(item: AppPolicyItem, index: number): ValidAppPolicy {
  const pointer = `/policies/${index}`;
  const defaultPrecedence = index + 1;
  if (typeof item === 'string') {
    return { kind: 'reference', id: item.toLowerCase(), precedence: defaultPrecedence, pointer };
  }
  if (!('name' in item)) {
    return {
      kind: 'reference',
      id: item.id.toLowerCase(),
      precedence: item.precedence ?? defaultPrecedence,
      pointer,
    };
  }
  const { precedence, ...policy } = item;
  return {
    kind: 'inline',
    policy: validatePolicyInput(policy, pointer, { connectionRulesRequired: true }),
    precedence: precedence ?? defaultPrecedence,
    pointer,
  };
}

/** Schema and rules together, for clients checking a body before sending it. */
export function parseAppInput(value: unknown): ValidAppInput {
  return validateAppInput(checkAgainstSchema(InfrastructureAppInputSchema, value));
}

/**
 * `GET /access/apps`: Cloudflare's filters. `name` (with `exact`: the whole name, else a substring; both
 * case-insensitive), `aud`, `search` (a substring of the name or aud), `target_attributes`
 * (`hostname=<name>`: apps whose criteria name that hostname). `domain` is refused: infrastructure apps
 * have no domain, so the filter could only ever answer nothing.
 */
export const AppListQuerySchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        description: 'The app name: a case-insensitive substring, or with exact=true the whole name.',
      }),
    ),
    exact: Type.Optional(Type.Boolean({ description: 'name (and aud) must match exactly.' })),
    aud: Type.Optional(Type.String({ description: "The app's audience tag." })),
    search: Type.Optional(
      Type.String({ description: 'A case-insensitive substring of the name or the aud.' }),
    ),
    target_attributes: Type.Optional(
      Type.String({
        pattern: '^hostname=.+$',
        description: 'hostname=<name>: apps whose target criteria name that hostname (the only key).',
      }),
    ),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type AppListQuery = Static<typeof AppListQuerySchema>;
