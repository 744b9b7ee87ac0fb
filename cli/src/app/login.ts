import { deviceSignIn } from '@latchkey/shared';
import type { Me } from '../domain/access-api.js';
import { credentialsFromTokens } from '../domain/credentials.js';
import type { AccessServer } from './ports/access-server.js';
import type { CredentialStore } from './ports/credential-store.js';
import type { Clock, Notify } from './ports/environment.js';

export const CLI_CLIENT_ID = 'latchkey-cli';

export interface LoginDeps {
  server: AccessServer;
  store: CredentialStore;
  clock: Clock;
  notify: Notify;
  /** Opens the verification page for the person, when the environment allows it (optional). */
  openBrowser?: (url: string) => void;
}

/**
 * The device authorization grant (RFC 8628, shared/src/client/device-sign-in.ts): asks for a code, tells
 * the person where to approve it, polls until approved, denied or expired, then stores the tokens and
 * answers who signed in.
 */
export async function login(deps: LoginDeps): Promise<Me> {
  const { server } = deps;
  const { tokens, issuedAt } = await deviceSignIn(server, {
    clientId: CLI_CLIENT_ID,
    clock: deps.clock,
    retry: 'run `latchkey login`',
    show: (authorization) => {
      deps.notify(
        authorization.verification_uri_complete === undefined
          ? `To sign in, open ${authorization.verification_uri} and enter the code ${authorization.user_code}`
          : `To sign in, open ${authorization.verification_uri_complete} and check the code is ${authorization.user_code}`,
      );
      deps.openBrowser?.(authorization.verification_uri_complete ?? authorization.verification_uri);
    },
  });
  const credentials = credentialsFromTokens(server.url, tokens, issuedAt);
  await deps.store.put(credentials);
  return server.me(credentials.access_token);
}
