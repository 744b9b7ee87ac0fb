/**
 * The Store over one kysely instance: the repositories bound to it, and `transaction`, which binds the
 * same repositories to a kysely transaction (nested calls join the outer transaction).
 */
import type { Kysely } from 'kysely';
import type { Repositories, Store } from '../../app/ports/store.js';
import { columnCodec, type DatabaseKind } from './column-codec.js';
import { accessGroupRepository } from './repositories/access-groups.js';
import { accountRepository } from './repositories/accounts.js';
import { agentRepository } from './repositories/agents.js';
import { joinTokenRepository } from './repositories/join-tokens.js';
import { apiTokenRepository } from './repositories/api-tokens.js';
import { appRepository } from './repositories/apps.js';
import { auditEventRepository } from './repositories/audit-events.js';
import { auditSshSettingsRepository } from './repositories/audit-ssh-settings.js';
import type { RepositoryContext } from './repositories/context.js';
import { gatewayCaRepository } from './repositories/gateway-cas.js';
import { caRotationRepository } from './repositories/ca-rotations.js';
import { hostCaRepository } from './repositories/host-cas.js';
import { issuedSessionRepository } from './repositories/issued-sessions.js';
import { policyRepository } from './repositories/policies.js';
import { targetRepository } from './repositories/targets.js';
import { virtualNetworkRepository } from './repositories/virtual-networks.js';
import { deviceAuthorizationRepository } from './repositories/device-authorizations.js';
import { signInLockoutRepository } from './repositories/sign-in-lockouts.js';
import { signInSessionRepository } from './repositories/sign-in-sessions.js';
import { sessionTerminationRepository } from './repositories/session-terminations.js';
import { sshLogRepository } from './repositories/ssh-logs.js';
import { tunnelRouteRepository } from './repositories/tunnel-routes.js';
import { tunnelPresenceRepository } from './repositories/tunnel-presence.js';
import { tokenSigningKeyRepository } from './repositories/token-signing-keys.js';
import { upstreamIdentityRepository } from './repositories/upstream-identities.js';
import { upstreamLoginRepository } from './repositories/upstream-logins.js';
import { userRepository } from './repositories/users.js';
import type { DatabaseSchema } from './schema.js';

function repositories(ctx: RepositoryContext): Repositories {
  return {
    accounts: accountRepository(ctx),
    virtualNetworks: virtualNetworkRepository(ctx),
    targets: targetRepository(ctx),
    apps: appRepository(ctx),
    policies: policyRepository(ctx),
    groups: accessGroupRepository(ctx),
    gatewayCas: gatewayCaRepository(ctx),
    hostCas: hostCaRepository(ctx),
    caRotations: caRotationRepository(ctx),
    auditSshSettings: auditSshSettingsRepository(ctx),
    apiTokens: apiTokenRepository(ctx),
    auditEvents: auditEventRepository(ctx),
    users: userRepository(ctx),
    signInSessions: signInSessionRepository(ctx),
    deviceAuthorizations: deviceAuthorizationRepository(ctx),
    upstreamLogins: upstreamLoginRepository(ctx),
    tokenSigningKeys: tokenSigningKeyRepository(ctx),
    joinTokens: joinTokenRepository(ctx),
    agents: agentRepository(ctx),
    sshLogs: sshLogRepository(ctx),
    sessionTerminations: sessionTerminationRepository(ctx),
    issuedSessions: issuedSessionRepository(ctx),
    signInLockouts: signInLockoutRepository(ctx),
    upstreamIdentities: upstreamIdentityRepository(ctx),
    tunnelRoutes: tunnelRouteRepository(ctx),
    tunnelPresence: tunnelPresenceRepository(ctx),
  };
}

export function kyselyStore(
  db: Kysely<DatabaseSchema>,
  kind: DatabaseKind,
  clock: () => Date,
  newId: () => string,
): Store {
  const ctx: RepositoryContext = { db, kind, codec: columnCodec(kind), clock, newId };
  let closed = false;
  return {
    kind,
    ...repositories(ctx),
    transaction: (fn) => db.transaction().execute((trx) => fn(repositories({ ...ctx, db: trx }))),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
