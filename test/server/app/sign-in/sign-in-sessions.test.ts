// Sign-in sessions over in-memory fakes of the ports they declare (SessionTokensDeps, EndSignInsDeps,
// AuthenticatePersonDeps): a session's first tokens are handed out once; a refresh token is single-use
// and one presented again ends the whole session (audited); a disabled account refreshes nothing and
// authenticates nothing; a logout ends the person's SSH sessions and wakes the agents. Over HTTP and
// SQLite: test/integration/server/sign-in/device-flow.test.ts and revocation.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import {
  authenticatePerson,
  firstTokens,
  refreshSession,
  revokeSession,
  signOutEverywhere,
  startSession,
  type AuthenticatePersonDeps,
  type EndSignInsDeps,
  type SessionTokensDeps,
} from '../../../../server/src/app/sign-in/sign-in-sessions.js';
import { ACCOUNT, START, signInWorld } from './sign-in-world.js';

const unauthenticated = (start: string) => (error: unknown) =>
  error instanceof LatchkeyError && error.code === 'unauthenticated' && error.message.startsWith(start);

async function signedIn(world: ReturnType<typeof signInWorld>, userId?: string) {
  const deps: SessionTokensDeps = world.deps;
  const session = await startSession(
    deps,
    ACCOUNT,
    {
      email: 'Ada@Example.com',
      groups: ['ops'],
      loginMethod: userId === undefined ? 'okta' : 'builtin',
      authMethods: ['pwd'],
      claims: {},
      ...(userId === undefined ? {} : { userId }),
    },
    'latchkey-cli',
  );
  return { session, tokens: await firstTokens(deps, session) };
}

describe('app: sign-in sessions (over fakes)', () => {
  it('starts a session, audited, and hands its first tokens out once', async () => {
    const world = signInWorld();
    const { session, tokens } = await signedIn(world);
    assert.equal(session.email, 'ada@example.com');
    assert.ok(tokens.refreshToken.startsWith('lkr_'));
    assert.equal(tokens.expiresIn, world.deps.signIn.accessTokenTtlSeconds);
    assert.deepEqual(world.audit.actions(), ['sign_in']);
    assert.equal(world.audit.events[0]!.inTransaction, true);
    await assert.rejects(
      firstTokens(world.deps, session),
      unauthenticated('this sign-in has already been completed'),
    );
  });

  it('rotates a refresh token; one presented again ends the whole session, audited', async () => {
    const world = signInWorld();
    const { session, tokens } = await signedIn(world);
    const refreshed = await refreshSession(world.deps, tokens.refreshToken);
    assert.notEqual(refreshed.refreshToken, tokens.refreshToken);
    await assert.rejects(
      refreshSession(world.deps, tokens.refreshToken),
      unauthenticated('this refresh token was already used'),
    );
    assert.deepEqual(world.sessions.get(session.id)!.revokedAt, START);
    assert.deepEqual(world.audit.actions(), ['sign_in', 'sign_in.refresh_reuse']);
    // The newest token died with the session.
    await assert.rejects(
      refreshSession(world.deps, refreshed.refreshToken),
      unauthenticated('this sign-in has ended'),
    );
    await assert.rejects(
      refreshSession(world.deps, 'not-a-token'),
      unauthenticated('malformed refresh token'),
    );
  });

  it('refuses to refresh an expired refresh token, or one of a disabled account', async () => {
    const world = signInWorld();
    const user = world.addUser('ada@example.com', 'correct horse');
    const { tokens } = await signedIn(world, user.id);
    world.users.set(user.id, { ...user, disabledAt: START });
    await assert.rejects(
      refreshSession(world.deps, tokens.refreshToken),
      unauthenticated('this account is disabled'),
    );
    world.advance(world.deps.signIn.refreshTokenTtlSeconds * 1000);
    await assert.rejects(
      refreshSession(world.deps, tokens.refreshToken),
      unauthenticated('the refresh token has expired'),
    );
  });

  it('authenticates an access token as the person, until the account is disabled or the session ends', async () => {
    const world = signInWorld();
    const deps: AuthenticatePersonDeps = world.deps;
    const user = world.addUser('ada@example.com', 'correct horse');
    const { session, tokens } = await signedIn(world, user.id);
    world.advance(30_000);
    const person = await authenticatePerson(deps, `Bearer ${tokens.accessToken}`, '192.0.2.1');
    assert.deepEqual(
      [
        person.sessionId,
        person.userId,
        person.person.email,
        person.person.ip,
        person.person.authenticatedSecondsAgo,
      ],
      [session.id, user.id, 'ada@example.com', '192.0.2.1', 30],
    );
    await assert.rejects(authenticatePerson(deps, undefined, undefined), unauthenticated('not signed in'));
    world.users.set(user.id, { ...user, disabledAt: START });
    await assert.rejects(
      authenticatePerson(deps, `Bearer ${tokens.accessToken}`, undefined),
      unauthenticated('this account is disabled'),
    );
  });

  it('a logout ends the session and the SSH sessions of the person, then wakes the agents', async () => {
    const world = signInWorld();
    const deps: EndSignInsDeps = world.deps;
    const { session, tokens } = await signedIn(world);
    await revokeSession(deps, tokens.accessToken);
    assert.deepEqual(world.sessions.get(session.id)!.revokedAt, START);
    assert.deepEqual(
      [world.terminations[0]!.person, world.terminations[0]!.reason],
      ['ada@example.com', 'signed_out'],
    );
    assert.deepEqual(world.audit.actions(), ['sign_in', 'sign_out', 'ssh_session.end_all']);
    assert.equal(world.notified(), 1);
    await assert.rejects(
      authenticatePerson(world.deps, `Bearer ${tokens.accessToken}`, undefined),
      unauthenticated('this sign-in has ended'),
    );
    // Unknown or already revoked: nothing to do, no error.
    await revokeSession(deps, tokens.refreshToken);
    await revokeSession(deps, 'garbage');
    assert.equal(world.notified(), 1);
  });

  it('signs a person out everywhere: every session of the email and of the account, audited', async () => {
    const world = signInWorld();
    const user = world.addUser('ada@example.com', 'correct horse');
    const builtIn = await signedIn(world, user.id);
    const upstream = await signedIn(world);
    await assert.rejects(
      signOutEverywhere(world.deps, ACCOUNT, 'ada', 'token:admin'),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'invalid_argument',
    );
    const result = await signOutEverywhere(world.deps, ACCOUNT, 'ADA@example.com', 'token:admin');
    assert.deepEqual(result.signInSessions.sort(), [builtIn.session.id, upstream.session.id].sort());
    assert.equal(result.terminationId, world.terminations[0]!.id);
    assert.deepEqual(world.audit.actions().slice(-2), ['user.sign_out_everywhere', 'ssh_session.end_all']);
    assert.equal(world.notified(), 1);
  });
});
