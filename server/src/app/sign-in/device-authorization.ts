/**
 * The OAuth 2.0 device authorization grant (RFC 8628) as use-cases: a client begins one and polls; a
 * person, on the server's pages, signs in (built-in password, or an upstream OIDC provider) and approves
 * or denies the user code. Approval starts a sign-in session; the next poll hands its tokens out once.
 *
 * Outcomes a client must tell apart are values (`DevicePoll`), as RFC 8628 §3.5 names them.
 */
import { LatchkeyError } from '@latchkey/shared';
import { BUILTIN_LOGIN_METHOD } from '../../domain/access/person.js';
import type { DeviceAuthorizationRecord } from '../../domain/records.js';
import { DEVICE_FLOW_CLIENTS } from '../../domain/sign-in-settings.js';
import {
  formatSecret,
  hashSecret,
  isSecretOfKind,
  normaliseUserCode,
  userCodeFromBytes,
} from '../../domain/sign-in-secrets.js';
import {
  pendingUpstreamLoginFromJson,
  pendingUpstreamLoginToJson,
  upstreamIdentityFromJson,
  upstreamIdentityToJson,
} from '../ports/upstream-identity-provider.js';
import type { Repositories } from '../ports/store.js';
import type { Services } from '../services.js';
import { WRONG_PASSWORD, verifyBuiltInLogin, type BuiltInLoginDeps } from './built-in-users.js';
import {
  admitPasswordAttempt,
  passwordChecked,
  type SignInThrottleDeps,
  type Throttled,
} from './sign-in-throttle.js';
import { claimUpstreamIdentity, linkedUserId, type UpstreamIdentitiesDeps } from './upstream-identities.js';
import { firstTokens, startSession, type SessionTokensDeps } from './sign-in-sessions.js';
import type { SignInIdentity, TokenPair } from './sign-in-sessions.js';

/** What beginning a device authorization needs: its repository, randomness, the time and the settings. */
export type BeginDeviceAuthorizationDeps = Pick<Services, 'clock' | 'randomBytes' | 'signIn'> & {
  store: Pick<Repositories, 'deviceAuthorizations'>;
};

/**
 * What the rest of the device flow needs: the authorizations and upstream logins, the identity
 * providers, and what its steps call: starting a session and handing out its tokens, the limits on
 * password sign-ins, the password check, and claiming an upstream identity.
 */
export type DeviceAuthorizationDeps = BeginDeviceAuthorizationDeps &
  SessionTokensDeps &
  SignInThrottleDeps &
  BuiltInLoginDeps &
  UpstreamIdentitiesDeps &
  Pick<Services, 'identityProviders'> & {
    store: Pick<Repositories, 'deviceAuthorizations' | 'upstreamLogins'>;
  };

export interface DeviceAuthorizationStart {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresIn: number;
  interval: number;
}

export function checkClientId(clientId: string | undefined): string {
  if (clientId === undefined || DEVICE_FLOW_CLIENTS[clientId] === undefined) {
    throw new LatchkeyError(
      'invalid_argument',
      `unknown client_id ${JSON.stringify(clientId ?? '')}: expected one of ${Object.keys(DEVICE_FLOW_CLIENTS).join(', ')}`,
      { pointer: 'client_id' },
    );
  }
  return clientId;
}

export async function beginDeviceAuthorization(
  services: BeginDeviceAuthorizationDeps,
  accountId: string,
  clientId: string,
): Promise<DeviceAuthorizationStart> {
  checkClientId(clientId);
  const settings = services.signIn;
  const deviceCode = formatSecret('device_code', services.randomBytes(32));
  // A clash of user codes is astronomically rare but would be a unique violation: try a few.
  for (let attempt = 0; ; attempt += 1) {
    const userCode = userCodeFromBytes(services.randomBytes(32));
    if (userCode === undefined) continue;
    try {
      await services.store.deviceAuthorizations.create(accountId, {
        deviceCodeHash: hashSecret(deviceCode),
        userCode,
        clientId,
        intervalSeconds: settings.pollIntervalSeconds,
        expiresAt: new Date(services.clock().getTime() + settings.deviceCodeTtlSeconds * 1000),
      });
    } catch (error) {
      if (attempt < 3) continue;
      throw error;
    }
    const verificationUri = `${settings.publicUrl}/device`;
    return {
      deviceCode,
      userCode,
      verificationUri,
      verificationUriComplete: `${verificationUri}?user_code=${userCode}`,
      expiresIn: settings.deviceCodeTtlSeconds,
      interval: settings.pollIntervalSeconds,
    };
  }
}

export type DevicePoll =
  | { status: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' }
  | { status: 'approved'; tokens: TokenPair };

/** RFC 8628 §3.4–3.5. An unknown or malformed device code is `invalid_argument` (OAuth `invalid_grant`). */
export async function pollDeviceAuthorization(
  services: DeviceAuthorizationDeps,
  deviceCode: string,
  clientId: string,
): Promise<DevicePoll> {
  const store = services.store;
  const authorization = isSecretOfKind('device_code', deviceCode)
    ? await store.deviceAuthorizations.findByDeviceCodeHash(hashSecret(deviceCode))
    : undefined;
  if (authorization === undefined || authorization.clientId !== clientId) {
    throw new LatchkeyError('invalid_argument', 'unknown device_code', { pointer: 'device_code' });
  }
  const now = services.clock();
  if (authorization.expiresAt.getTime() <= now.getTime() && authorization.status !== 'consumed') {
    return { status: 'expired_token' };
  }
  if (authorization.status === 'denied') return { status: 'access_denied' };
  if (authorization.status === 'consumed') {
    throw new LatchkeyError('invalid_argument', 'this device_code has already been used', {
      pointer: 'device_code',
    });
  }
  if (authorization.status === 'approved' && authorization.sessionId !== undefined) {
    // Hand the tokens out exactly once: the consume is a compare-and-swap.
    if (!(await store.deviceAuthorizations.consume(authorization.id))) {
      throw new LatchkeyError('invalid_argument', 'this device_code has already been used', {
        pointer: 'device_code',
      });
    }
    const session = await store.signInSessions.get(authorization.sessionId);
    if (session === undefined) throw new LatchkeyError('internal', 'the approved sign-in session is missing');
    return { status: 'approved', tokens: await firstTokens(services, session) };
  }
  const previous = await store.deviceAuthorizations.recordPoll(authorization.id, now);
  if (previous !== undefined && now.getTime() - previous.getTime() < authorization.intervalSeconds * 1000) {
    return { status: 'slow_down' };
  }
  return { status: 'authorization_pending' };
}

/** Looks up a pending authorization by what the person typed; a clear error when it cannot be used. */
export async function findPendingAuthorization(
  services: DeviceAuthorizationDeps,
  userCodeInput: string,
): Promise<DeviceAuthorizationRecord> {
  const userCode = normaliseUserCode(userCodeInput);
  const authorization =
    userCode === undefined ? undefined : await services.store.deviceAuthorizations.findByUserCode(userCode);
  if (authorization === undefined) {
    throw new LatchkeyError(
      'not_found',
      'no sign-in is waiting for this code: check it, or start again in your terminal',
    );
  }
  if (authorization.expiresAt.getTime() <= services.clock().getTime()) {
    throw new LatchkeyError('invalid_argument', 'this code has expired: start again in your terminal', {
      pointer: 'user_code',
    });
  }
  if (authorization.status !== 'pending') {
    throw new LatchkeyError('conflict', 'this code has already been used');
  }
  return authorization;
}

async function decide(
  services: DeviceAuthorizationDeps,
  authorization: DeviceAuthorizationRecord,
  identity: SignInIdentity,
  approve: boolean,
): Promise<void> {
  if (!approve) {
    await services.store.deviceAuthorizations.decide(authorization.id, { status: 'denied' });
    return;
  }
  const session = await startSession(services, authorization.accountId, identity, authorization.clientId);
  if (
    !(await services.store.deviceAuthorizations.decide(authorization.id, {
      status: 'approved',
      sessionId: session.id,
    }))
  ) {
    await services.store.signInSessions.revoke(session.id);
    throw new LatchkeyError('conflict', 'this code has already been used');
  }
}

export type PasswordApproval =
  | { ok: true; email: string }
  | { ok: false; message: string }
  | { ok: false; message: string; throttled: Throttled };

/**
 * The person typed the code, their built-in email and password, and pressed Approve or Deny. The
 * password is checked only within the rate limits of the address and the account, and outside the
 * account's lockout (sign-in-throttle.ts); a refusal for those says how long to wait.
 */
export async function decideWithPassword(
  services: DeviceAuthorizationDeps,
  input: { userCode: string; email: string; password: string; approve: boolean; address?: string },
): Promise<PasswordApproval> {
  const authorization = await findPendingAuthorization(services, input.userCode);
  const attempt = {
    accountId: authorization.accountId,
    email: input.email,
    ...(input.address === undefined ? {} : { address: input.address }),
  };
  const admitted = await admitPasswordAttempt(services, attempt);
  if ('throttled' in admitted) {
    return { ok: false, message: admitted.throttled.message, throttled: admitted.throttled };
  }
  const login = await verifyBuiltInLogin(services, authorization.accountId, input.email, input.password);
  // A disabled account's right password is no guess: only wrong passwords count.
  await passwordChecked(services, attempt, admitted.admission, login.ok || login.message !== WRONG_PASSWORD);
  if (!login.ok) return login;
  await decide(
    services,
    authorization,
    {
      email: login.user.email,
      groups: login.user.groups,
      loginMethod: BUILTIN_LOGIN_METHOD,
      authMethods: ['pwd'],
      claims: {},
      userId: login.user.id,
    },
    input.approve,
  );
  return { ok: true, email: login.user.email };
}

export function upstreamProvider(services: Pick<Services, 'identityProviders'>, providerId: string) {
  const provider = services.identityProviders.get(providerId);
  if (provider === undefined)
    throw new LatchkeyError('not_found', `no identity provider ${JSON.stringify(providerId)}`);
  return provider;
}

/** The person chose an upstream provider: where to send their browser. */
export async function beginUpstreamLogin(
  services: DeviceAuthorizationDeps,
  input: { userCode: string; providerId: string },
): Promise<string> {
  const authorization = await findPendingAuthorization(services, input.userCode);
  const provider = upstreamProvider(services, input.providerId);
  const { authorizationUrl, pending } = await provider.beginLogin(
    `${services.signIn.publicUrl}/device/oidc/callback`,
  );
  await services.store.upstreamLogins.create({
    state: pending.state,
    deviceAuthorizationId: authorization.id,
    pending: pendingUpstreamLoginToJson(pending),
    expiresAt: new Date(services.clock().getTime() + services.signIn.upstreamLoginTtlSeconds * 1000),
  });
  return authorizationUrl;
}

export interface UpstreamLoginCompleted {
  email: string;
  providerName: string;
  userCode: string;
  clientId: string;
  /** The one-time secret the approval page posts back. */
  confirmation: string;
}

/** The provider redirected back: finish its login, and get ready to ask the person to approve. */
export async function completeUpstreamLogin(
  services: DeviceAuthorizationDeps,
  callbackUrl: URL,
): Promise<UpstreamLoginCompleted> {
  const state = callbackUrl.searchParams.get('state') ?? '';
  const login = state === '' ? undefined : await services.store.upstreamLogins.get(state);
  if (login === undefined || login.expiresAt.getTime() <= services.clock().getTime()) {
    throw new LatchkeyError(
      'invalid_argument',
      'this sign-in link is unknown or has expired: start again in your terminal',
      {
        pointer: 'state',
      },
    );
  }
  const pending = pendingUpstreamLoginFromJson(login.pending);
  const provider = upstreamProvider(services, pending.providerId);
  const identity = await provider.completeLogin(callbackUrl, pending);
  const authorization = await services.store.deviceAuthorizations.get(login.deviceAuthorizationId);
  if (authorization === undefined || authorization.status !== 'pending') {
    throw new LatchkeyError('conflict', 'this code has already been used');
  }
  // The person is (issuer, subject): their email must be theirs (upstream-identities.ts).
  await claimUpstreamIdentity(services, authorization.accountId, identity);
  const confirmation = formatSecret('confirmation', services.randomBytes(32));
  if (
    !(await services.store.upstreamLogins.complete(
      state,
      upstreamIdentityToJson(identity),
      hashSecret(confirmation),
    ))
  ) {
    throw new LatchkeyError('conflict', 'this sign-in link has already been used');
  }
  return {
    email: identity.email,
    providerName: provider.name,
    userCode: authorization.userCode,
    clientId: authorization.clientId,
    confirmation,
  };
}

/** The person approved or denied on the page shown after the upstream login. */
export async function decideAfterUpstreamLogin(
  services: DeviceAuthorizationDeps,
  input: { confirmation: string; approve: boolean },
): Promise<{ email: string }> {
  const login = isSecretOfKind('confirmation', input.confirmation)
    ? await services.store.upstreamLogins.findByConfirmationHash(hashSecret(input.confirmation))
    : undefined;
  if (login?.identity === undefined || login.expiresAt.getTime() <= services.clock().getTime()) {
    throw new LatchkeyError(
      'invalid_argument',
      'this approval page has expired: start again in your terminal',
      {
        pointer: 'confirmation',
      },
    );
  }
  await services.store.upstreamLogins.delete(login.state);
  const authorization = await services.store.deviceAuthorizations.get(login.deviceAuthorizationId);
  if (authorization === undefined || authorization.status !== 'pending') {
    throw new LatchkeyError('conflict', 'this code has already been used');
  }
  const identity = upstreamIdentityFromJson(login.identity);
  const userId = await linkedUserId(services, authorization.accountId, identity);
  await decide(
    services,
    authorization,
    {
      email: identity.email,
      groups: identity.groups,
      loginMethod: identity.providerId,
      authMethods: identity.authMethods,
      claims: identity.claims,
      ...(userId === undefined ? {} : { userId }),
    },
    input.approve,
  );
  return { email: identity.email };
}
