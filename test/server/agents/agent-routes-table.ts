import { AGENT_PERMISSION, PERMISSIONS } from '../../../server/src/domain/permissions.js';
import type { Permission } from '../../../server/src/domain/permissions.js';

/**
 * The permission each agent route needs, and the other Latchkey admin routes (API tokens, people), merged
 * into the table of test/server/http/permissions.test.ts.
 */
export const AGENT_ROUTES: Record<string, Permission> = {
  'POST /latchkey/join_tokens': PERMISSIONS.zeroTrustEdit,
  'GET /latchkey/join_tokens': PERMISSIONS.zeroTrustEdit,
  'DELETE /latchkey/join_tokens/:join_token_id': PERMISSIONS.zeroTrustEdit,
  'GET /latchkey/agents': PERMISSIONS.zeroTrustRead,
  'DELETE /latchkey/agents/:agent_id': PERMISSIONS.zeroTrustEdit,
  'POST /latchkey/agents/:agent_id/replace': PERMISSIONS.zeroTrustEdit,
  'POST /latchkey/people/sign_out': PERMISSIONS.zeroTrustEdit,
  'GET /latchkey/api_tokens': PERMISSIONS.apiTokensRead,
  'GET /latchkey/api_tokens/:token_id': PERMISSIONS.apiTokensRead,
  'DELETE /latchkey/api_tokens/:token_id': PERMISSIONS.apiTokensEdit,
  'GET /access/ssh_sessions': PERMISSIONS.zeroTrustRead,
  'DELETE /access/ssh_sessions/:session_id': PERMISSIONS.zeroTrustEdit,
  'POST /v1/agents/reenroll': AGENT_PERMISSION,
  'POST /v1/agents/credential/renew': AGENT_PERMISSION,
  'POST /v1/agents/heartbeat': AGENT_PERMISSION,
  'GET /v1/agents/session_control': AGENT_PERMISSION,
  'GET /v1/agents/client/v4/accounts/:account_id/infrastructure/targets': AGENT_PERMISSION,
  'POST /v1/agents/client/v4/accounts/:account_id/infrastructure/targets': AGENT_PERMISSION,
  'GET /v1/agents/client/v4/accounts/:account_id/infrastructure/targets/:target_id': AGENT_PERMISSION,
  'PUT /v1/agents/client/v4/accounts/:account_id/infrastructure/targets/:target_id': AGENT_PERMISSION,
  'GET /v1/agents/client/v4/accounts/:account_id/access/gateway_ca': AGENT_PERMISSION,
  'GET /v1/agents/client/v4/accounts/:account_id/teamnet/virtual_networks': AGENT_PERMISSION,
};
