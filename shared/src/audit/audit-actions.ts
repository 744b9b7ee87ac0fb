/**
 * Every action an audit event (`GET /v1/audit`) can name, with what it means: the catalogue beside the
 * error catalogue (shared/src/errors/error-codes.ts). The server writes only these (the store port's
 * `AuditEventInput.action` is an `AuditAction`, so the compiler refuses any other), and
 * test/shared/audit/audit-actions.test.ts checks that every action string in the server's sources is here.
 * Actions are a public contract (auditors filter on them, `GET /v1/audit?action=`): add, never rename or
 * reuse. Names are `<resource>.<verb>`; `sign_in` and `sign_out` are the two older bare ones.
 */
export const AUDIT_ACTIONS = {
  // Targets and virtual networks (Zero Trust).
  'target.create': 'A target was created (by an admin, or by an agent enrolling a new host).',
  'target.update': "A target's hostname or addresses changed (by an admin, or by its agent).",
  'target.delete': 'A target was deleted (its agents with it).',
  'target.batch_create': 'Targets were created in one batch request.',
  'target.batch_delete': 'Targets were deleted in one batch request.',
  'virtual_network.create': 'A virtual network was created.',
  'virtual_network.update': 'A virtual network was renamed or changed.',
  'virtual_network.delete': 'A virtual network was deleted.',
  'tunnel_route.create': 'A private network of a virtual network was routed to a connector agent.',
  'tunnel_route.update': "A tunnel route's network, agent, virtual network or comment changed.",
  'tunnel_route.delete': 'A tunnel route was deleted (routes also go with their agent, under agent.delete).',

  // Access: apps, policies, groups.
  'access_app.create': 'An infrastructure app was created.',
  'access_app.update': 'An infrastructure app was changed.',
  'access_app.delete': 'An infrastructure app was deleted.',
  'policy.create': 'An access policy was created.',
  'policy.update': 'An access policy was changed.',
  'policy.delete': 'An access policy was deleted.',
  'access_group.create': 'An access group was created.',
  'access_group.update': 'An access group was changed.',
  'access_group.delete': 'An access group was deleted.',

  // The SSH CA, its rotation and the session-log key.
  'gateway_ca.create': "The account's SSH CA was created.",
  'gateway_ca.delete': "The account's SSH CA was deleted.",
  'gateway_ca.rotation.start': 'A CA rotation started: the next CA is made and trusted by the agents.',
  'gateway_ca.rotation.switch': 'A CA rotation switched: certificates are signed by the next CA.',
  'gateway_ca.rotation.complete': 'A CA rotation completed: the old CA is no longer trusted.',
  'gateway_ca.rotation.cancel': 'A CA rotation was cancelled: the next CA is dropped.',
  'audit_ssh_settings.update': "The session-log settings changed (the auditors' public key).",
  'audit_ssh_settings.rotate_seed': 'A new seed_id for the session-log settings (the key unchanged).',

  // Certificates for people.
  'certificate.issue': 'A person was issued an SSH certificate for a target.',
  'certificate.deny': 'A certificate request was refused by policy.',

  // Agents and join tokens.
  'join_token.create': 'A join token for enrolling hosts was made.',
  'join_token.revoke': 'A join token was revoked.',
  'agent.enroll': 'A host enrolled as an agent with a join token.',
  'agent.reenroll': 'An agent re-enrolled with its current credential.',
  'agent.replace': 'An admin made a one-use token that replaces an agent (keeping its target).',
  'agent.replaced':
    'A host enrolled with a replace token: the agent got a new credential, its old one revoked.',
  'agent.credential_renew': 'An agent renewed its credential.',
  'agent.delete': 'An agent was removed and its credential revoked.',
  'agent.host_certificate_issue': "An agent's host was issued a host certificate.",
  'agent.drift_repair': "An agent repaired Latchkey's sshd configuration that had drifted.",
  'agent.break_glass': "An agent reported sshd running without Latchkey's trust (break-glass).",

  // API tokens.
  'api_token.create': 'An API token was created.',
  'api_token.revoke': 'An API token was revoked.',
  'api_token.rotate_admin': "The server's admin API token was rotated.",

  // People and sign-in.
  sign_in: 'A person signed in (a sign-in session began).',
  sign_out: 'A person signed out (their sign-in session ended).',
  'sign_in.failed': 'A sign-in failed (a wrong password, or an upstream identity refused).',
  'sign_in.locked': 'An account was locked after repeated failed sign-ins.',
  'sign_in.refresh_reuse': 'A spent refresh token was used again: the sign-in session was ended.',
  'sign_in.revoke_all': "All of a person's sign-in sessions were ended.",
  'user.create': 'A built-in user was created.',
  'user.update': "A built-in user's groups changed.",
  'user.enable': 'A built-in user was enabled.',
  'user.disable': 'A built-in user was disabled (their sessions ended).',
  'user.reset_password': "A built-in user's password was reset.",
  'user.link': 'An upstream identity was linked to a person by an admin.',
  'user.sign_out_everywhere': 'An admin signed a person out everywhere.',

  // Sessions and session logs.
  'ssh_session.end': 'A live SSH session was ended by an admin.',
  'ssh_session.end_all': 'Every live SSH session of a person was ordered ended.',
  'ssh_log.upload': 'An agent uploaded a session log.',
  'ssh_log.download': 'An auditor downloaded a session log.',

  // The access server's tunnel to fronted targets.
  'tunnel.stream.open': 'A tunnel stream to a target was opened.',
  'tunnel.stream.deny': 'A tunnel stream to a target was refused.',
  'tunnel.stream.close': 'A tunnel stream to a target was closed.',
} as const satisfies Record<string, string>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export function isAuditAction(text: unknown): text is AuditAction {
  return typeof text === 'string' && Object.hasOwn(AUDIT_ACTIONS, text);
}
