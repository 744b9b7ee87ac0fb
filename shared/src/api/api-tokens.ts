/**
 * The account's API tokens (Latchkey additions under `/accounts/{account_id}/latchkey/api_tokens`):
 * admins list them, read one, and revoke one. A token is shown by id, name, permissions and dates, never
 * by its secret (only its SHA-256 is stored; the secret is printed once, by `latchkey-server token
 * create`). Agents' credentials are API tokens too, but they are managed with their agent
 * (`…/latchkey/agents/{agent_id}`) and not listed here.
 *
 * A revoked token is refused (401) on its very next request, on every server process: each request reads
 * the token's state from the database.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { Timestamp, Uuid } from './common.js';

export const API_TOKEN_STATUSES = ['active', 'revoked', 'expired'] as const;
export type ApiTokenStatus = (typeof API_TOKEN_STATUSES)[number];

export const ApiTokenSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  permissions: Type.Array(Type.String()),
  status: Type.Enum([...API_TOKEN_STATUSES], {
    description: '`revoked` (by an admin or a rotation) and `expired` tokens are refused.',
  }),
  created_at: Timestamp,
  expires_at: Type.Optional(Timestamp),
  last_used_at: Type.Optional(
    Type.String({ format: 'date-time', description: 'Refreshed at most once a minute.' }),
  ),
  revoked_at: Type.Optional(Timestamp),
});
export type ApiToken = Static<typeof ApiTokenSchema>;
