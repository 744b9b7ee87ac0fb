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
import { Timestamp, Uuid } from './common.js';
import { HOSTNAME_MAX_LENGTH, hostnameProblem } from './hostname.js';
import { checkAgainstSchema } from './schema-check.js';

export const APP_PROTOCOLS = ['SSH', 'RDP'] as const;
export type AppProtocol = (typeof APP_PROTOCOLS)[number];

export const TargetCriterionSchema = Type.Object(
  {
    target_attributes: Type.Object(
      {
        hostname: Type.Array(Type.String({ minLength: 1, maxLength: HOSTNAME_MAX_LENGTH }), {
          minItems: 1,
          maxItems: 1000,
          description: 'Targets whose hostname is one of these (case-insensitive).',
        }),
      },
      { additionalProperties: false },
    ),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    protocol: Type.Enum([...APP_PROTOCOLS]),
  },
  { additionalProperties: false },
);
export type TargetCriterion = Static<typeof TargetCriterionSchema>;

export const InfrastructureAppInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 350 }),
    type: Type.Literal('infrastructure'),
    target_criteria: Type.Array(TargetCriterionSchema, { minItems: 1, maxItems: 100 }),
    policies: Type.Optional(Type.Array(AppPolicyItemSchema, { maxItems: 100 })),
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
}

export function validateAppInput(body: InfrastructureAppInputBody): ValidAppInput {
  const protocolOfPort = new Map<number, string>();
  body.target_criteria.forEach((criterion, index) => {
    criterion.target_attributes.hostname.forEach((hostname, hostIndex) => {
      const pointer = `/target_criteria/${index}/target_attributes/hostname/${hostIndex}`;
      const problem = hostnameProblem(hostname);
      if (problem !== undefined)
        throw new LatchkeyError('invalid_argument', `${pointer} ${problem}`, { pointer });
    });
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
  return {
    name: body.name,
    type: 'infrastructure',
    targetCriteria: body.target_criteria,
    policies,
    groups: policies.flatMap((policy) => (policy.kind === 'inline' ? policy.policy.groups : [])),
  };
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
    policy: validatePolicyInput(policy, pointer),
    precedence: precedence ?? defaultPrecedence,
    pointer,
  };
}

/** Schema and rules together, for clients checking a body before sending it. */
export function parseAppInput(value: unknown): ValidAppInput {
  return validateAppInput(checkAgainstSchema(InfrastructureAppInputSchema, value));
}
