/**
 * What a person signed in to the web console may do: the same permissions API tokens hold
 * (permissions.ts), given by the person's groups (a built-in account's groups, or the groups claim of
 * an upstream provider). No I/O.
 *
 * | group                          | permissions                                                       |
 * |--------------------------------|-------------------------------------------------------------------|
 * | `latchkey-admins`              | every permission an admin API token can hold                      |
 * | `latchkey-auditors`            | Access: SSH Auditing: Read, Audit Logs: Read (logs, read-only)    |
 * | `latchkey-permission:<perm>`   | that one permission, spelled as `tokens create` takes it          |
 *
 * Anyone else signs in and is told which group to ask for.
 */
import { ALL_PERMISSIONS, PERMISSIONS, grants, parsePermission } from '../permissions.js';
import type { Permission } from '../permissions.js';

export const CONSOLE_ADMIN_GROUP = 'latchkey-admins';
export const CONSOLE_AUDITOR_GROUP = 'latchkey-auditors';
export const CONSOLE_PERMISSION_GROUP_PREFIX = 'latchkey-permission:';

export const AUDITOR_PERMISSIONS: readonly Permission[] = [
  PERMISSIONS.sshAuditingRead,
  PERMISSIONS.auditLogsRead,
];

/** The permissions of a person with these groups (unknown groups give nothing). */
export function consolePermissions(groups: readonly string[]): Permission[] {
  const held = new Set<Permission>();
  for (const group of groups) {
    const name = group.trim();
    if (name.toLowerCase() === CONSOLE_ADMIN_GROUP) ALL_PERMISSIONS.forEach((p) => held.add(p));
    else if (name.toLowerCase() === CONSOLE_AUDITOR_GROUP) AUDITOR_PERMISSIONS.forEach((p) => held.add(p));
    else if (name.toLowerCase().startsWith(CONSOLE_PERMISSION_GROUP_PREFIX)) {
      try {
        held.add(parsePermission(name.slice(CONSOLE_PERMISSION_GROUP_PREFIX.length)));
      } catch {
        // A misspelt permission group grants nothing (and is not an error for the person signing in).
      }
    }
  }
  return ALL_PERMISSIONS.filter((permission) => held.has(permission));
}

/** The console's pages, the permission each needs, in the order of its navigation. */
export const CONSOLE_PAGES = [
  { path: '/console/targets', title: 'Targets', needs: PERMISSIONS.zeroTrustRead },
  { path: '/console/sessions', title: 'Live sessions', needs: PERMISSIONS.zeroTrustRead },
  { path: '/console/networks', title: 'Networks', needs: PERMISSIONS.zeroTrustRead },
  { path: '/console/agents', title: 'Agents', needs: PERMISSIONS.zeroTrustRead },
  { path: '/console/apps', title: 'Apps', needs: PERMISSIONS.appsAndPoliciesRead },
  { path: '/console/policies', title: 'Policies', needs: PERMISSIONS.appsAndPoliciesRead },
  { path: '/console/groups', title: 'Access groups', needs: PERMISSIONS.appsAndPoliciesRead },
  { path: '/console/people', title: 'People', needs: PERMISSIONS.zeroTrustRead },
  { path: '/console/join-tokens', title: 'Join tokens', needs: PERMISSIONS.zeroTrustEdit },
  { path: '/console/logs', title: 'Session logs', needs: PERMISSIONS.sshAuditingRead },
  { path: '/console/audit', title: 'Audit log', needs: PERMISSIONS.auditLogsRead },
  { path: '/console/ssh-ca', title: 'SSH CA', needs: PERMISSIONS.sshAuditingRead },
  { path: '/console/log-key', title: 'Session-log key', needs: PERMISSIONS.sshAuditingRead },
  { path: '/console/api-tokens', title: 'API tokens', needs: PERMISSIONS.apiTokensRead },
] as const;

export type ConsolePage = (typeof CONSOLE_PAGES)[number];

export function pagesFor(permissions: readonly string[]): ConsolePage[] {
  return CONSOLE_PAGES.filter((page) => grants(permissions, page.needs));
}
