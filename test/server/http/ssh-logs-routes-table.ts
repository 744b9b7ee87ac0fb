import { AGENT_PERMISSION, PERMISSIONS } from '../../../server/src/domain/permissions.js';
import type { Permission } from '../../../server/src/domain/permissions.js';

/** The permission each session-log route needs (merged into the table of permissions.test.ts). */
export const SSH_LOG_ROUTES: Record<string, Permission> = {
  'GET /v1/agents/recording': AGENT_PERMISSION,
  'PUT /v1/agents/ssh_logs/:log_id': AGENT_PERMISSION,
  'GET /ssh_logs': PERMISSIONS.sshAuditingRead,
  'GET /ssh_logs/:log_id': PERMISSIONS.sshAuditingRead,
  'GET /ssh_logs/:log_id/file': PERMISSIONS.sshAuditingRead,
};
