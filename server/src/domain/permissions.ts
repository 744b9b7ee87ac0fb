/**
 * API token permissions, named as Cloudflare's permission groups ("<group>: Read" / "<group>: Edit").
 * This is the one table: which permission each route needs is declared on the route with these
 * constants. Edit implies Read of the same group.
 *
 * | permission                       | grants                                                         |
 * |----------------------------------|----------------------------------------------------------------|
 * | Zero Trust: Read / Edit          | infrastructure targets, virtual networks                        |
 * | Access: Apps and Policies: R / E | access apps, reusable policies, access groups                   |
 * | Access: SSH Auditing: R / E      | the SSH CA (gateway_ca), audit_ssh_settings; Read: listing and  |
 * |                                  | downloading session logs (…/ssh_logs, …/ssh_logs/{id}/file)     |
 * | Audit Logs: Read                 | GET /v1/audit                                                   |
 * | Account API Tokens: Read / Edit  | the account's API tokens (…/latchkey/api_tokens): Read lists    |
 * |                                  | and shows them (never a secret), Edit revokes one               |
 * | Latchkey: Agent                  | an enrolled agent's own credential: /v1/agents/* (its heartbeat, |
 * |                                  | its credential, its own target, the CA's public keys, uploading |
 * |                                  | its session logs, the recording key) only                       |
 *
 * Join tokens and the agent list (`…/latchkey/join_tokens`, `…/latchkey/agents`) need Zero Trust: Edit
 * / Read: enrolling a host makes a target. Live SSH sessions (`…/access/ssh_sessions`) are targets' state:
 * Zero Trust: Read lists them, Zero Trust: Edit ends one. Removing or replacing an agent, and signing a
 * person out everywhere (`…/latchkey/people/sign_out`), end access like ending a session: Zero Trust: Edit.
 */
import { LatchkeyError } from '@latchkey/shared';

export const PERMISSIONS = {
  zeroTrustRead: 'Zero Trust: Read',
  zeroTrustEdit: 'Zero Trust: Edit',
  appsAndPoliciesRead: 'Access: Apps and Policies: Read',
  appsAndPoliciesEdit: 'Access: Apps and Policies: Edit',
  sshAuditingRead: 'Access: SSH Auditing: Read',
  sshAuditingEdit: 'Access: SSH Auditing: Edit',
  auditLogsRead: 'Audit Logs: Read',
  apiTokensRead: 'Account API Tokens: Read',
  apiTokensEdit: 'Account API Tokens: Edit',
} as const;

/**
 * The permission of agent credentials (issued at enrolment, never by `tokens create`): not one of
 * ALL_PERMISSIONS, so admin tokens do not hold it and parsePermission does not accept it.
 */
export const AGENT_PERMISSION = 'Latchkey: Agent';

export type Permission = (typeof PERMISSIONS)[keyof typeof PERMISSIONS] | typeof AGENT_PERMISSION;

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(PERMISSIONS);

/** What each Edit permission implies besides itself. */
const IMPLIED: Partial<Record<Permission, Permission[]>> = {
  [PERMISSIONS.zeroTrustEdit]: [PERMISSIONS.zeroTrustRead],
  [PERMISSIONS.appsAndPoliciesEdit]: [PERMISSIONS.appsAndPoliciesRead],
  [PERMISSIONS.sshAuditingEdit]: [PERMISSIONS.sshAuditingRead],
  [PERMISSIONS.apiTokensEdit]: [PERMISSIONS.apiTokensRead],
};

/** True when a token holding `granted` may do what `needed` allows. */
export function grants(granted: readonly string[], needed: Permission): boolean {
  return granted.some((held) => held === needed || (IMPLIED[held as Permission] ?? []).includes(needed));
}

/**
 * The canonical permission for what a person typed: case-insensitive, the colon before Read/Edit
 * optional, "Write" accepted for "Edit" ("zero trust edit", "Access: SSH Auditing Write").
 */
export function parsePermission(text: string): Permission {
  const key = canonicalKey(text);
  const found = ALL_PERMISSIONS.find((permission) => canonicalKey(permission) === key);
  if (found === undefined) {
    throw new LatchkeyError(
      'invalid_argument',
      `unknown permission ${JSON.stringify(text)}; known permissions: ${ALL_PERMISSIONS.map((p) => `"${p}"`).join(', ')}`,
    );
  }
  return found;
}

function canonicalKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/\bwrite$/, 'edit')
    .replace(/[^a-z]+/g, ' ')
    .trim();
}
