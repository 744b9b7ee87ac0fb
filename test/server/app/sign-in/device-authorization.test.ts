// The device flow over in-memory fakes of the ports it declares (BeginDeviceAuthorizationDeps,
// DeviceAuthorizationDeps): a client begins and polls (pending, slow_down, expired); a person approves
// with a built-in password (a wrong one is refused and counted) or through an upstream provider (whose
// identity must own its email); the next poll hands the tokens out once; a denial is access_denied.
// Over HTTP and SQLite: test/integration/server/sign-in/device-flow.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import type {
  PendingUpstreamLogin,
  UpstreamIdentity,
  UpstreamIdentityProvider,
} from '../../../../server/src/app/ports/upstream-identity-provider.js';
import {
  beginDeviceAuthorization,
  beginUpstreamLogin,
  completeUpstreamLogin,
  decideAfterUpstreamLogin,
  decideWithPassword,
  pollDeviceAuthorization,
  type BeginDeviceAuthorizationDeps,
  type DeviceAuthorizationDeps,
} from '../../../../server/src/app/sign-in/device-authorization.js';
import { WRONG_PASSWORD } from '../../../../server/src/app/sign-in/built-in-users.js';
import { ACCOUNT, PUBLIC_URL, signInWorld } from './sign-in-world.js';

const CLIENT = 'latchkey-cli';

/** An upstream provider that signs in whoever the callback's `who` parameter names. */
const okta: UpstreamIdentityProvider = {
  id: 'okta',
  name: 'Okta',
  beginLogin: async (redirectUri) => {
    const pending: PendingUpstreamLogin = {
      providerId: 'okta',
      state: 'state-1',
      nonce: 'nonce-1',
      codeVerifier: 'verifier-1',
      redirectUri,
    };
    return { authorizationUrl: `https://okta.example.com/authorize?state=${pending.state}`, pending };
  },
  completeLogin: async (callbackUrl): Promise<UpstreamIdentity> => ({
    providerId: 'okta',
    issuer: 'https://okta.example.com',
    subject: callbackUrl.searchParams.get('who') ?? 'nobody',
    email: `${callbackUrl.searchParams.get('who')}@example.com`,
    groups: ['ops'],
    authMethods: ['mfa'],
    claims: {},
  }),
};

async function begun(deps: DeviceAuthorizationDeps) {
  const start = await beginDeviceAuthorization(deps, ACCOUNT, CLIENT);
  return { ...start, poll: () => pollDeviceAuthorization(deps, start.deviceCode, CLIENT) };
}

describe('app: the device authorization flow (over fakes)', () => {
  it('begins with codes and the verification address; refuses an unknown client', async () => {
    const world = signInWorld();
    const deps: BeginDeviceAuthorizationDeps = world.deps;
    const start = await beginDeviceAuthorization(deps, ACCOUNT, CLIENT);
    assert.ok(start.deviceCode.startsWith('lkd_'));
    assert.match(start.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(start.verificationUri, `${PUBLIC_URL}/device`);
    assert.equal(start.verificationUriComplete, `${PUBLIC_URL}/device?user_code=${start.userCode}`);
    assert.equal(world.authorizations.size, 1);
    await assert.rejects(
      beginDeviceAuthorization(deps, ACCOUNT, 'curl'),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'invalid_argument',
    );
  });

  it('answers pending, then slow_down to a poll inside the interval, then expired_token', async () => {
    const world = signInWorld();
    const flow = await begun(world.deps);
    assert.deepEqual(await flow.poll(), { status: 'authorization_pending' });
    assert.deepEqual(await flow.poll(), { status: 'slow_down' });
    world.advance(flow.interval * 1000);
    assert.deepEqual(await flow.poll(), { status: 'authorization_pending' });
    world.advance(flow.expiresIn * 1000);
    assert.deepEqual(await flow.poll(), { status: 'expired_token' });
    await assert.rejects(
      pollDeviceAuthorization(world.deps, flow.deviceCode, 'latchkey-vscode'),
      (error: unknown) => error instanceof LatchkeyError && error.message === 'unknown device_code',
    );
  });

  it('refuses a wrong password (counted as a failure); a right one approves, and the tokens go out once', async () => {
    const world = signInWorld();
    world.addUser('ada@example.com', 'correct horse', { groups: ['ops'] });
    const flow = await begun(world.deps);
    const attempt = {
      userCode: flow.userCode.toLowerCase(),
      email: 'ada@example.com',
      approve: true,
      address: '192.0.2.1',
    };
    assert.deepEqual(await decideWithPassword(world.deps, { ...attempt, password: 'wrong' }), {
      ok: false,
      message: WRONG_PASSWORD,
    });
    assert.deepEqual(world.audit.actions(), ['sign_in.failed']);
    assert.deepEqual(await flow.poll(), { status: 'authorization_pending' });
    assert.deepEqual(await decideWithPassword(world.deps, { ...attempt, password: 'correct horse' }), {
      ok: true,
      email: 'ada@example.com',
    });
    assert.equal(world.lockouts.size, 0);
    const approved = await flow.poll();
    assert.equal(approved.status, 'approved');
    const [session] = world.sessions.values();
    assert.deepEqual(
      [session!.email, session!.loginMethod, session!.groups],
      ['ada@example.com', 'builtin', ['ops']],
    );
    await assert.rejects(
      flow.poll(),
      (error: unknown) =>
        error instanceof LatchkeyError && error.message === 'this device_code has already been used',
    );
    await assert.rejects(
      decideWithPassword(world.deps, { ...attempt, password: 'correct horse' }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'conflict',
    );
  });

  it('a denial is access_denied and starts no session', async () => {
    const world = signInWorld();
    world.addUser('ada@example.com', 'correct horse');
    const flow = await begun(world.deps);
    await decideWithPassword(world.deps, {
      userCode: flow.userCode,
      email: 'ada@example.com',
      password: 'correct horse',
      approve: false,
    });
    assert.deepEqual(await flow.poll(), { status: 'access_denied' });
    assert.equal(world.sessions.size, 0);
  });

  it('approves through an upstream provider whose identity owns its email', async () => {
    const world = signInWorld({ identityProviders: [okta] });
    const flow = await begun(world.deps);
    const url = await beginUpstreamLogin(world.deps, { userCode: flow.userCode, providerId: 'okta' });
    assert.equal(url, 'https://okta.example.com/authorize?state=state-1');
    assert.equal(
      world.upstreamLogins.get('state-1')!.pending['redirectUri'],
      `${PUBLIC_URL}/device/oidc/callback`,
    );
    const completed = await completeUpstreamLogin(
      world.deps,
      new URL(`${PUBLIC_URL}/device/oidc/callback?state=state-1&who=ada`),
    );
    assert.deepEqual(
      [completed.email, completed.providerName, completed.userCode],
      ['ada@example.com', 'Okta', flow.userCode],
    );
    assert.equal(world.identities.length, 1);
    assert.deepEqual(
      await decideAfterUpstreamLogin(world.deps, { confirmation: completed.confirmation, approve: true }),
      {
        email: 'ada@example.com',
      },
    );
    assert.equal((await flow.poll()).status, 'approved');
    const [session] = world.sessions.values();
    assert.deepEqual(
      [session!.loginMethod, session!.authMethods, session!.userId],
      ['okta', ['mfa'], undefined],
    );
    await assert.rejects(
      decideAfterUpstreamLogin(world.deps, { confirmation: completed.confirmation, approve: true }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'invalid_argument',
    );
  });

  it('refuses an upstream identity whose email a built-in account has, and an unknown provider', async () => {
    const world = signInWorld({ identityProviders: [okta] });
    world.addUser('ada@example.com', 'correct horse');
    const flow = await begun(world.deps);
    await assert.rejects(
      beginUpstreamLogin(world.deps, { userCode: flow.userCode, providerId: 'google' }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
    await beginUpstreamLogin(world.deps, { userCode: flow.userCode, providerId: 'okta' });
    await assert.rejects(
      completeUpstreamLogin(world.deps, new URL(`${PUBLIC_URL}/device/oidc/callback?state=state-1&who=ada`)),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'unauthenticated' &&
        error.message.includes('already belongs to a built-in account'),
    );
    assert.deepEqual(await flow.poll(), { status: 'authorization_pending' });
    assert.equal(world.sessions.size, 0);
  });
});
