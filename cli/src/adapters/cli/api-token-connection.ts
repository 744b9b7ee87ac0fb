/**
 * Where an API-token command (`logs list|download`, `latchkey admin …`) connects, and with what: the
 * server is --server, else LATCHKEY_SERVER, else the server of the only stored sign-in; the token is
 * --api-token, else LATCHKEY_API_TOKEN. A missing one is an error that says how to give it, and which
 * permission the token must hold.
 */
import { LatchkeyError } from '@latchkey/shared';
import { tokenHint } from '../../domain/api-token-permission.js';
import { normaliseServerUrl } from '../../domain/server-url.js';

export interface ApiTokenContext {
  readonly env: NodeJS.ProcessEnv;
  /** The server of the only stored sign-in, if there is exactly one. */
  signedInServer(): Promise<string | undefined>;
}

/** The server, or undefined when none is given or known. */
export async function serverOrUndefined(
  context: ApiTokenContext,
  given: string | undefined,
): Promise<string | undefined> {
  if (given !== undefined) return normaliseServerUrl(given, '--server');
  const fromEnv = context.env.LATCHKEY_SERVER;
  if (fromEnv !== undefined && fromEnv !== '') return normaliseServerUrl(fromEnv, 'LATCHKEY_SERVER');
  return context.signedInServer();
}

export async function apiTokenConnection(
  context: ApiTokenContext,
  options: { server?: string; apiToken?: string },
  permission: string,
): Promise<{ server: string; token: string }> {
  const server = await serverOrUndefined(context, options.server);
  if (server === undefined) {
    throw new LatchkeyError(
      'invalid_argument',
      'say which access server: --server URL (or set LATCHKEY_SERVER, or sign in with `latchkey login`)',
      { pointer: '--server' },
    );
  }
  const token = options.apiToken ?? context.env.LATCHKEY_API_TOKEN;
  if (token === undefined || token === '') {
    throw new LatchkeyError(
      'unauthenticated',
      `an API token with the permission "${permission}" is needed: set LATCHKEY_API_TOKEN (or --api-token); ` +
        tokenHint(permission),
    );
  }
  return { server, token };
}
