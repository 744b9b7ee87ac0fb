import { LatchkeyError } from '@latchkey/shared';
import type { Me } from '../domain/access-api.js';
import { credentialsFromTokens } from '../domain/credentials.js';
import type { AccessServer } from './ports/access-server.js';
import type { CredentialStore } from './ports/credential-store.js';
import type { Clock, Notify } from './ports/environment.js';

export const CLI_CLIENT_ID = 'latchkey-cli';

/** RFC 8628 §3.5: the default polling interval, and what `slow_down` adds to it. */
const DEFAULT_INTERVAL_SECONDS = 5;
const SLOW_DOWN_SECONDS = 5;

export interface LoginDeps {
  server: AccessServer;
  store: CredentialStore;
  clock: Clock;
  notify: Notify;
  /** Opens the verification page for the person, when the environment allows it (optional). */
  openBrowser?: (url: string) => void;
}

/**
 * The device authorization grant (RFC 8628): asks for a code, tells the person where to approve it,
 * polls the token endpoint at the server's interval (slower after `slow_down`) until approved, denied or
 * expired, then stores the tokens and answers who signed in.
 */
export async function login(deps: LoginDeps): Promise<Me> {
  const { server, clock } = deps;
  const authorization = await server.startDeviceAuthorization(CLI_CLIENT_ID);
  deps.notify(
    authorization.verification_uri_complete === undefined
      ? `To sign in, open ${authorization.verification_uri} and enter the code ${authorization.user_code}`
      : `To sign in, open ${authorization.verification_uri_complete} and check the code is ${authorization.user_code}`,
  );
  deps.openBrowser?.(authorization.verification_uri_complete ?? authorization.verification_uri);
  let intervalSeconds = authorization.interval ?? DEFAULT_INTERVAL_SECONDS;
  const deadline = clock.now().getTime() + authorization.expires_in * 1000;
  for (;;) {
    await clock.sleep(intervalSeconds * 1000);
    const poll = await server.pollDeviceToken(authorization.device_code, CLI_CLIENT_ID);
    switch (poll.kind) {
      case 'issued': {
        const credentials = credentialsFromTokens(server.url, poll.tokens, clock.now());
        await deps.store.put(credentials);
        return server.me(credentials.access_token);
      }
      case 'slow_down':
        intervalSeconds += SLOW_DOWN_SECONDS;
        break;
      case 'access_denied':
        throw new LatchkeyError(
          'permission_denied',
          `the sign-in with code ${authorization.user_code} was denied; run \`latchkey login\` to try again`,
        );
      case 'expired_token':
        throw expired(authorization.user_code);
      case 'authorization_pending':
        break;
    }
    if (clock.now().getTime() >= deadline) throw expired(authorization.user_code);
  }
}

function expired(userCode: string): LatchkeyError {
  return new LatchkeyError(
    'unauthenticated',
    `the code ${userCode} expired before it was approved; run \`latchkey login\` again`,
  );
}
