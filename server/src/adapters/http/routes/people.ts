/** People (shared/src/api/people.ts): an admin signs a person out everywhere. */
import { AccountParams, SignOutEverywhereResultSchema, SignOutEverywhereSchema } from '@latchkey/shared';
import { signOutEverywhere } from '../../../app/sign-in/sign-in-sessions.js';
import { PERMISSIONS } from '../../../domain/permissions.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

export function peopleRoutes({ route, services }: RouteContext): void {
  route({
    method: 'POST',
    url: `${ACCOUNT_PREFIX}/latchkey/people/sign_out`,
    access: PERMISSIONS.zeroTrustEdit,
    summary: 'Sign a person out everywhere: every sign-in and refresh token, and their SSH sessions',
    description:
      'Revokes every sign-in session with this email (built-in or from any identity provider): their ' +
      'access tokens stop at the next request and their refresh tokens never work again. Their SSH ' +
      'sessions are ended on every target (reason `signed_out`). Audit events `user.sign_out_everywhere` ' +
      'and `ssh_session.end_all`. Also `latchkey-server user signout EMAIL`.',
    tags: ['People'],
    params: AccountParams,
    body: SignOutEverywhereSchema,
    result: SignOutEverywhereResultSchema,
    handle: async ({ caller, body }) => {
      const done = await signOutEverywhere(services, caller.accountId, body.email, caller.actor);
      return {
        result: {
          email: done.email,
          sign_in_sessions: done.signInSessions,
          termination_id: done.terminationId,
        },
      };
    },
  });
}
