// signInStillValid on in-memory fakes: which sign-ins keep their tunnel streams open.
import assert from 'node:assert/strict';
import type { SignInSessionRepository } from '../../../../server/src/app/ports/store.js';
import { signInStillValid } from '../../../../server/src/app/tunnel/tunnel-access.js';
import type { SignInSessionRecord } from '../../../../server/src/domain/records.js';
import { fake } from '../fakes.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');

function session(overrides: Partial<SignInSessionRecord> = {}): SignInSessionRecord {
  return {
    id: 'session-1',
    accountId: 'account-1',
    email: 'bob@corp.example',
    groups: [],
    loginMethod: 'password',
    authMethods: ['pwd'],
    claims: {},
    clientId: 'latchkey-cli',
    refreshTokenHash: 'hash',
    refreshExpiresAt: new Date(NOW.getTime() + 60_000),
    createdAt: new Date(NOW.getTime() - 60_000),
    ...overrides,
  };
}

async function stillValid(
  found: Awaited<ReturnType<SignInSessionRepository['getWithAccountState']>>,
): Promise<boolean> {
  const signInSessions = fake<SignInSessionRepository>('signInSessions', {
    getWithAccountState: async () => found,
  });
  return signInStillValid({ store: { signInSessions } as never, clock: () => NOW }, 'session-1');
}

describe('tunnel access: which sign-ins keep their streams', () => {
  it('keeps a sign-in that stands', async () => {
    assert.equal(await stillValid({ session: session(), account: 'enabled' }), true);
    assert.equal(await stillValid({ session: session(), account: 'none' }), true);
  });

  it('ends a revoked sign-in, a disabled or removed account, and a sign-in that is gone', async () => {
    assert.equal(await stillValid({ session: session({ revokedAt: NOW }), account: 'enabled' }), false);
    assert.equal(await stillValid({ session: session(), account: 'disabled' }), false);
    assert.equal(await stillValid({ session: session(), account: 'missing' }), false);
    assert.equal(await stillValid(undefined), false);
  });

  it('ends a sign-in past its end: what it opened does not outlive it', async () => {
    assert.equal(
      await stillValid({ session: session({ refreshExpiresAt: NOW }), account: 'enabled' }),
      false,
    );
    const earlier = new Date(NOW.getTime() - 1);
    assert.equal(
      await stillValid({ session: session({ refreshExpiresAt: earlier }), account: 'none' }),
      false,
    );
  });
});
