/**
 * Access policies of infrastructure apps, inline in an app or reusable (`/accounts/{account_id}/access/policies`),
 * and their rules beyond the schema: `decision` is "allow" only; `connection_rules.ssh.usernames` are
 * valid UNIX usernames (they become certificate principals); at least one username unless
 * `allow_email_alias` is true. `allow_agent_forwarding` / `allow_port_forwarding` are Latchkey additions
 * (absent = false): a certificate permits agent / port forwarding only when a matching policy says so.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { LatchkeyError } from '../errors/latchkey-error.js';
import { AccessRuleSchema, AccessRulesSchema, validateAccessRules } from './access-rules.js';
import type { GroupReference } from './access-rules.js';
import { PageQueryFields, Timestamp, Uuid } from './common.js';
import { unixUsernameProblem } from './unix-username.js';

export const ConnectionRulesSchema = Type.Object(
  {
    ssh: Type.Object(
      {
        usernames: Type.Array(Type.String({ maxLength: 64 }), {
          maxItems: 100,
          description: 'UNIX usernames the user may log in as.',
        }),
        allow_email_alias: Type.Optional(
          Type.Boolean({ description: "Also allow the lowercased local part of the user's email." }),
        ),
        allow_agent_forwarding: Type.Optional(
          Type.Boolean({
            description:
              'Latchkey addition, default false: when this policy matches, certificates for its targets permit SSH agent forwarding (permit-agent-forwarding).',
          }),
        ),
        allow_port_forwarding: Type.Optional(
          Type.Boolean({
            description:
              'Latchkey addition, default false: when this policy matches, certificates for its targets permit SSH port forwarding (permit-port-forwarding).',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ConnectionRules = Static<typeof ConnectionRulesSchema>;

const policyFields = {
  name: Type.String({ minLength: 1, maxLength: 350 }),
  decision: Type.Literal('allow', { description: 'Infrastructure policies may only allow.' }),
  include: Type.Array(AccessRuleSchema, { minItems: 1, maxItems: 1000, description: 'Any of these rules.' }),
  require: Type.Optional(AccessRulesSchema),
  exclude: Type.Optional(AccessRulesSchema),
  connection_rules: Type.Optional(ConnectionRulesSchema),
};

/** A reusable policy's body (POST/PUT /access/policies). */
export const PolicyInputSchema = Type.Object(policyFields, { additionalProperties: false });
export type PolicyInputBody = Static<typeof PolicyInputSchema>;

const Precedence = Type.Integer({ minimum: 1, maximum: 10000, description: '1 is evaluated first.' });

/** A policy written inline in an app. */
export const InlinePolicyInputSchema = Type.Object(
  { ...policyFields, precedence: Type.Optional(Precedence) },
  { additionalProperties: false },
);
export type InlinePolicyInputBody = Static<typeof InlinePolicyInputSchema>;

/** A reusable policy linked from an app by id. */
export const PolicyReferenceSchema = Type.Object(
  { id: Uuid, precedence: Type.Optional(Precedence) },
  { additionalProperties: false },
);

/** An item of an app's `policies`: a reusable policy's id, `{id, precedence}`, or an inline policy. */
export const AppPolicyItemSchema = Type.Union([Uuid, PolicyReferenceSchema, InlinePolicyInputSchema]);
export type AppPolicyItem = Static<typeof AppPolicyItemSchema>;

const RuleList = Type.Array(AccessRuleSchema);

export const PolicySchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  decision: Type.Literal('allow'),
  include: RuleList,
  require: RuleList,
  exclude: RuleList,
  connection_rules: Type.Optional(ConnectionRulesSchema),
  reusable: Type.Optional(Type.Boolean()),
  precedence: Type.Optional(Type.Integer()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Policy = Static<typeof PolicySchema>;

/** A validated policy body, with the group ids its rules name. */
export interface ValidPolicyInput {
  name: string;
  decision: 'allow';
  include: PolicyInputBody['include'];
  require: NonNullable<PolicyInputBody['require']>;
  exclude: NonNullable<PolicyInputBody['exclude']>;
  /** Absent on a reusable policy made without one; such a policy cannot be linked into an app. */
  connectionRules?: ConnectionRules;
  groups: GroupReference[];
}

/** The rules of a policy body beyond its schema; pointers are prefixed by `basePointer`. */
export function validatePolicyInput(
  body: PolicyInputBody,
  basePointer = '',
  options: { connectionRulesRequired?: boolean } = {},
): ValidPolicyInput {
  if (body.connection_rules === undefined && options.connectionRulesRequired === true) {
    const pointer = `${basePointer}/connection_rules`;
    throw new LatchkeyError(
      'invalid_argument',
      `${pointer}: an infrastructure app's policy needs connection_rules.ssh (the UNIX usernames it grants)`,
      { pointer },
    );
  }
  const ssh = body.connection_rules?.ssh ?? { usernames: [], allow_email_alias: true };
  const seen = new Set<string>();
  ssh.usernames.forEach((name, index) => {
    const pointer = `${basePointer}/connection_rules/ssh/usernames/${index}`;
    const problem = unixUsernameProblem(name);
    if (problem !== undefined)
      throw new LatchkeyError('invalid_argument', `${pointer}: ${problem}`, { pointer });
    if (seen.has(name)) {
      throw new LatchkeyError('invalid_argument', `${pointer}: ${JSON.stringify(name)} is listed twice`, {
        pointer,
      });
    }
    seen.add(name);
  });
  if (ssh.usernames.length === 0 && ssh.allow_email_alias !== true) {
    const pointer = `${basePointer}/connection_rules/ssh/usernames`;
    throw new LatchkeyError(
      'invalid_argument',
      `${pointer}: name at least one UNIX username, or set allow_email_alias to true`,
      { pointer },
    );
  }
  const groups = [
    ...validateAccessRules(body.include, `${basePointer}/include`),
    ...validateAccessRules(body.require ?? [], `${basePointer}/require`),
    ...validateAccessRules(body.exclude ?? [], `${basePointer}/exclude`),
  ];
  return {
    name: body.name,
    decision: 'allow',
    include: body.include,
    require: body.require ?? [],
    exclude: body.exclude ?? [],
    ...(body.connection_rules === undefined ? {} : { connectionRules: body.connection_rules }),
    groups,
  };
}

/** `GET /access/policies`: paging only (Cloudflare documents no filter). */
export const PolicyListQuerySchema = Type.Object({ ...PageQueryFields }, { additionalProperties: false });
export type PolicyListQuery = Static<typeof PolicyListQuerySchema>;
