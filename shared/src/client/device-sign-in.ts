/**
 * Sign-in by the device authorization grant (RFC 8628), as a pure flow over the access server's two device
 * endpoints and a clock: ask for a code, show it, poll at the server's interval (slower after `slow_down`)
 * until approved, denied, expired or cancelled. The CLI (`latchkey login`) and the extension ("Latchkey:
 * Sign In") each store what it returns in their own way.
 */
import { LatchkeyError } from '../errors/latchkey-error.js';
import type { DeviceAuthorization, DeviceTokenPoll, TokenSet } from '../api/device-flow.js';
import { LIMITS } from '../limits.js';
import type { Clock } from '../time/clock.js';

/** The part of the access server the flow uses (AccessServerOperations has it). */
export interface DeviceSignInServer {
  startDeviceAuthorization(clientId: string): Promise<DeviceAuthorization>;
  pollDeviceToken(deviceCode: string, clientId: string): Promise<DeviceTokenPoll>;
}

export interface DeviceSignInOptions {
  /** The OAuth client: `latchkey-cli`, `latchkey-vscode`. */
  clientId: string;
  clock: Clock;
  /** Tells the person where to approve the code (and may open a browser). */
  show(authorization: DeviceAuthorization): void;
  /** How the person tries again, in their terms, e.g. "run `latchkey login`". */
  retry: string;
  /** Cancels the wait (the extension's progress notification); the flow then ends `unauthenticated`. */
  signal?: AbortSignal;
}

/** The tokens once the person approved; `issuedAt` is the clock's time when they arrived. */
export async function deviceSignIn(
  server: DeviceSignInServer,
  options: DeviceSignInOptions,
): Promise<{ tokens: TokenSet; issuedAt: number }> {
  const { clock, clientId, signal } = options;
  const authorization = await server.startDeviceAuthorization(clientId);
  options.show(authorization);
  const code = authorization.user_code;
  let intervalSeconds = authorization.interval ?? LIMITS.client.devicePollIntervalSeconds;
  const deadline = clock.now() + authorization.expires_in * 1000;
  for (;;) {
    if (signal?.aborted === true) throw cancelled();
    await clock.sleep(intervalSeconds * 1000, signal).catch((error: unknown) => {
      throw signal?.aborted === true ? cancelled() : error;
    });
    const poll = await server.pollDeviceToken(authorization.device_code, clientId);
    switch (poll.kind) {
      case 'issued':
        return { tokens: poll.tokens, issuedAt: clock.now() };
      case 'slow_down':
        intervalSeconds += LIMITS.client.deviceSlowDownSeconds;
        break;
      case 'access_denied':
        throw new LatchkeyError(
          'permission_denied',
          `the sign-in with code ${code} was denied; ${options.retry} to try again`,
        );
      case 'expired_token':
        throw expired(code, options.retry);
      case 'authorization_pending':
        break;
    }
    if (clock.now() >= deadline) throw expired(code, options.retry);
  }
}

function expired(code: string, retry: string): LatchkeyError {
  return new LatchkeyError(
    'unauthenticated',
    `the sign-in code ${code} expired before it was approved; ${retry} again`,
  );
}

function cancelled(): LatchkeyError {
  return new LatchkeyError('unauthenticated', 'the sign-in was cancelled');
}
