/** Access groups (`/accounts/{account_id}/access/groups`), named rule sets the `group` selector refers to. */
import Type from 'typebox';
import type { Static } from 'typebox';
import { AccessRuleSchema, AccessRulesSchema, validateAccessRules } from './access-rules.js';
import type { GroupReference } from './access-rules.js';
import { PageQueryFields, Timestamp, Uuid } from './common.js';

export const AccessGroupInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 350 }),
    is_default: Type.Optional(
      Type.Boolean({
        description:
          "Cloudflare's default-group flag: stored and returned (default false); it grants nothing by itself.",
      }),
    ),
    include: Type.Array(AccessRuleSchema, { minItems: 1, maxItems: 1000 }),
    require: Type.Optional(AccessRulesSchema),
    exclude: Type.Optional(AccessRulesSchema),
  },
  { additionalProperties: false },
);
export type AccessGroupInputBody = Static<typeof AccessGroupInputSchema>;

export const AccessGroupSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  is_default: Type.Boolean(),
  include: Type.Array(AccessRuleSchema),
  require: Type.Array(AccessRuleSchema),
  exclude: Type.Array(AccessRuleSchema),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type AccessGroup = Static<typeof AccessGroupSchema>;

/** The rules of a group body beyond its schema; returns the groups it names. */
export function validateAccessGroupInput(body: AccessGroupInputBody): GroupReference[] {
  return [
    ...validateAccessRules(body.include, '/include'),
    ...validateAccessRules(body.require ?? [], '/require'),
    ...validateAccessRules(body.exclude ?? [], '/exclude'),
  ];
}

/** `GET /access/groups`: `name` (the whole name, case-insensitive), `search` (a substring of it), paging. */
export const AccessGroupListQuerySchema = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'The whole group name (case-insensitive).' })),
    search: Type.Optional(Type.String({ description: 'A case-insensitive substring of the name.' })),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type AccessGroupListQuery = Static<typeof AccessGroupListQuerySchema>;
