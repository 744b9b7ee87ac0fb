import { deviceSignIn } from '@latchkey/shared';
import { VSCODE_CLIENT_ID } from '../domain/access-api.js';
import { storedSessionFrom } from '../domain/stored-session.js';
import type { StoredSession } from '../domain/stored-session.js';
import type { AccessServer } from './ports/access-server.js';
import type { Clock, DevicePrompt } from './ports/environment.js';
import type { SessionStore } from './ports/session-store.js';

export interface SignInDeps {
  server: AccessServer;
  store: SessionStore;
  clock: Clock;
  prompt: DevicePrompt;
}

/**
 * The device authorization grant (RFC 8628, shared/src/client/device-sign-in.ts) as client
 * `latchkey-vscode`: asks for a code, shows it (and opens the browser), polls until approved, denied,
 * expired or cancelled, then stores the tokens with who signed in.
 */
export async function signIn(deps: SignInDeps, signal?: AbortSignal): Promise<StoredSession> {
  const { server, clock } = deps;
  const { tokens } = await deviceSignIn(server, {
    clientId: VSCODE_CLIENT_ID,
    clock,
    retry: 'run "Latchkey: Sign In"',
    ...(signal === undefined ? {} : { signal }),
    show: (authorization) =>
      deps.prompt.show({
        userCode: authorization.user_code,
        verificationUri: authorization.verification_uri,
        ...(authorization.verification_uri_complete === undefined
          ? {}
          : { verificationUriComplete: authorization.verification_uri_complete }),
      }),
  });
  const me = await server.me(tokens.access_token);
  const session = storedSessionFrom(server.url, tokens, me, clock.now());
  await deps.store.put(session);
  return session;
}
