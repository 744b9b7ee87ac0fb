import { LatchkeyError } from '@latchkey/shared';
import { VSCODE_CLIENT_ID } from '../domain/access-api.js';
import { storedSessionFrom } from '../domain/stored-session.js';
import type { StoredSession } from '../domain/stored-session.js';
import type { AccessServer } from './ports/access-server.js';
import type { Clock, DevicePrompt } from './ports/environment.js';
import type { SessionStore } from './ports/session-store.js';

/** RFC 8628 §3.5: the default polling interval, and what `slow_down` adds to it. */
const DEFAULT_INTERVAL_SECONDS = 5;
const SLOW_DOWN_SECONDS = 5;

export interface SignInDeps {
  server: AccessServer;
  store: SessionStore;
  clock: Clock;
  prompt: DevicePrompt;
}

/**
 * The device authorization grant (RFC 8628) as client `latchkey-vscode`: asks for a code, shows it (and
 * opens the browser), polls at the server's interval (slower after `slow_down`) until approved, denied,
 * expired or cancelled, then stores the tokens with who signed in.
 */
export async function signIn(deps: SignInDeps, signal?: AbortSignal): Promise<StoredSession> {
  const { server, clock } = deps;
  const authorization = await server.startDeviceAuthorization(VSCODE_CLIENT_ID);
  deps.prompt.show({
    userCode: authorization.user_code,
    verificationUri: authorization.verification_uri,
    ...(authorization.verification_uri_complete === undefined
      ? {}
      : { verificationUriComplete: authorization.verification_uri_complete }),
  });
  let intervalSeconds = authorization.interval ?? DEFAULT_INTERVAL_SECONDS;
  const deadline = clock.now() + authorization.expires_in * 1000;
  for (;;) {
    if (signal?.aborted) throw cancelled();
    await clock.sleep(intervalSeconds * 1000, signal).catch(() => {
      throw cancelled();
    });
    const poll = await server.pollDeviceToken(authorization.device_code, VSCODE_CLIENT_ID);
    switch (poll.kind) {
      case 'issued': {
        const me = await server.me(poll.tokens.access_token);
        const session = storedSessionFrom(server.url, poll.tokens, me, clock.now());
        await deps.store.put(session);
        return session;
      }
      case 'slow_down':
        intervalSeconds += SLOW_DOWN_SECONDS;
        break;
      case 'access_denied':
        throw new LatchkeyError(
          'permission_denied',
          `the sign-in with code ${authorization.user_code} was denied in the browser; run "Latchkey: Sign In" to try again`,
        );
      case 'expired_token':
        throw expired(authorization.user_code);
      case 'authorization_pending':
        break;
    }
    if (clock.now() >= deadline) throw expired(authorization.user_code);
  }
}

function expired(userCode: string): LatchkeyError {
  return new LatchkeyError(
    'unauthenticated',
    `the sign-in code ${userCode} expired before it was approved; run "Latchkey: Sign In" again`,
  );
}

function cancelled(): LatchkeyError {
  return new LatchkeyError('unauthenticated', 'the sign-in was cancelled');
}
