/**
 * The ordered list of migrations, for kysely's Migrator. Names sort in order of application; add new
 * ones at the end, never edit or rename a shipped one.
 */
import type { Migration, MigrationProvider } from 'kysely';
import type { DatabaseKind } from '../column-codec.js';
import { initialSchema } from './0001-initial-schema.js';
import { targetIpIndexes } from './0002-target-ip-indexes.js';
import { signInSchema } from './0003-sign-in.js';
import { agentsSchema } from './0004-agents.js';
import { sshLogsSchema } from './0005-ssh-logs.js';
import { agentsByTarget } from './0006-agents-by-target.js';
import { sessionTerminationsSchema } from './0007-session-terminations.js';
import { revocationSchema } from './0008-revocation.js';
import { issuedSessionsSchema } from './0009-issued-sessions.js';
import { signInLockoutsSchema } from './0010-sign-in-lockouts.js';
import { upstreamIdentitiesSchema } from './0011-upstream-identities.js';
import { hostCasSchema } from './0012-host-cas.js';
import { caRotationsSchema } from './0013-ca-rotations.js';
import { sshLogUploadsSchema } from './0014-ssh-log-uploads.js';
import { cloudflareFieldsSchema } from './0015-cloudflare-fields.js';
import { tunnelRoutesSchema } from './0016-tunnel-routes.js';
import { tunnelPresenceSchema } from './0017-tunnel-presence.js';

export function migrationProvider(kind: DatabaseKind): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-initial-schema': initialSchema(kind),
        '0002-target-ip-indexes': targetIpIndexes(),
        '0003-sign-in': signInSchema(kind),
        '0004-agents': agentsSchema(kind),
        '0005-ssh-logs': sshLogsSchema(kind),
        '0006-agents-by-target': agentsByTarget(),
        '0007-session-terminations': sessionTerminationsSchema(kind),
        '0008-revocation': revocationSchema(kind),
        '0009-issued-sessions': issuedSessionsSchema(kind),
        '0010-sign-in-lockouts': signInLockoutsSchema(kind),
        '0011-upstream-identities': upstreamIdentitiesSchema(kind),
        '0012-host-cas': hostCasSchema(kind),
        '0013-ca-rotations': caRotationsSchema(kind),
        '0014-ssh-log-uploads': sshLogUploadsSchema(kind),
        '0015-cloudflare-fields': cloudflareFieldsSchema(kind),
        '0016-tunnel-routes': tunnelRoutesSchema(kind),
        '0017-tunnel-presence': tunnelPresenceSchema(kind),
      };
    },
  };
}
