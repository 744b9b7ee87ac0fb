// Upstream identities over in-memory fakes of the ports they declare (UpstreamIdentitiesDeps): the
// first identity with an email is remembered with it; another identity with an email that a built-in
// account or another identity has is refused (audited as sign_in.failed), until an admin links it.
// Over HTTP and SQLite: test/integration/server/sign-in/two-issuers.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import type { UpstreamIdentity } from '../../../../server/src/app/ports/upstream-identity-provider.js';
import {
  claimUpstreamIdentity,
  linkUpstreamIdentity,
  linkedUserId,
  type UpstreamIdentitiesDeps,
} from '../../../../server/src/app/sign-in/upstream-identities.js';
import { ACCOUNT, START, signInWorld } from './sign-in-world.js';

function identity(overrides: Partial<UpstreamIdentity> = {}): UpstreamIdentity {
  return {
    providerId: 'okta',
    issuer: 'https://okta.example.com',
    subject: 'sub-1',
    email: 'ada@example.com',
    groups: [],
    authMethods: ['pwd'],
    claims: {},
    ...overrides,
  };
}

const emailInUse = (holder: string) => (error: unknown) =>
  error instanceof LatchkeyError &&
  error.code === 'unauthenticated' &&
  error.message.startsWith(`the email ada@example.com already belongs to ${holder} in Latchkey`);

describe('app: upstream identities (over fakes)', () => {
  it('remembers the first identity with an email, and lets it in again', async () => {
    const world = signInWorld();
    const deps: UpstreamIdentitiesDeps = world.deps;
    await claimUpstreamIdentity(deps, ACCOUNT, identity());
    await claimUpstreamIdentity(deps, ACCOUNT, identity());
    assert.equal(world.identities.length, 1);
    assert.deepEqual(world.identities[0]!.lastSeenAt, START);
    assert.equal(world.identities[0]!.linked, false);
    assert.deepEqual(world.audit.events, []);
  });

  it("refuses another identity with a built-in account's or another identity's email, audited", async () => {
    const world = signInWorld();
    await claimUpstreamIdentity(world.deps, ACCOUNT, identity());
    await assert.rejects(
      claimUpstreamIdentity(world.deps, ACCOUNT, identity({ subject: 'sub-2' })),
      emailInUse('another account of the same identity provider (okta)'),
    );
    await assert.rejects(
      claimUpstreamIdentity(
        world.deps,
        ACCOUNT,
        identity({ providerId: 'google', issuer: 'https://accounts.google.com' }),
      ),
      emailInUse('a person who signs in with okta'),
    );
    world.addUser('bob@example.com', 'correct horse');
    await assert.rejects(
      claimUpstreamIdentity(world.deps, ACCOUNT, identity({ subject: 'sub-3', email: 'bob@example.com' })),
      (error: unknown) =>
        error instanceof LatchkeyError && error.message.includes('belongs to a built-in account'),
    );
    assert.equal(world.identities.length, 1);
    assert.deepEqual(world.audit.actions(), ['sign_in.failed', 'sign_in.failed', 'sign_in.failed']);
    assert.equal((world.audit.events[0]!.after as { reason: string }).reason, 'email_in_use');
  });

  it('lets a linked identity in as the person, and names the built-in account it then is', async () => {
    const world = signInWorld();
    const user = world.addUser('ada@example.com', 'correct horse');
    const other = identity({ subject: 'sub-2' });
    await assert.rejects(claimUpstreamIdentity(world.deps, ACCOUNT, other), emailInUse('a built-in account'));
    assert.equal(await linkedUserId(world.deps, ACCOUNT, other), undefined);
    await assert.rejects(
      linkUpstreamIdentity(
        world.deps,
        ACCOUNT,
        { email: 'ada@example.com', issuer: ' ', subject: 'sub-2' },
        'server:cli',
      ),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'invalid_argument',
    );
    await linkUpstreamIdentity(
      world.deps,
      ACCOUNT,
      { email: ' Ada@Example.com', issuer: other.issuer, subject: other.subject },
      'server:cli',
    );
    await claimUpstreamIdentity(world.deps, ACCOUNT, other);
    assert.equal(await linkedUserId(world.deps, ACCOUNT, other), user.id);
    assert.deepEqual(world.audit.actions(), ['sign_in.failed', 'user.link']);
    assert.equal(world.audit.events[1]!.inTransaction, true);
  });
});
