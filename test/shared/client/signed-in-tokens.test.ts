import assert from 'node:assert/strict';
import { LatchkeyError, isLatchkeyError, type TokenSet } from '@latchkey/shared';
import {
  SignedInTokens,
  accessTokenNeedsRefresh,
  type TokenPair,
} from '../../../shared/src/client/signed-in-tokens.js';

/** A token endpoint with single-use refresh tokens, a store of one pair, and a settable clock. */
function world(expiresAt = 100_000) {
  let serial = 0;
  const valid = new Set(['r0']);
  const log: string[] = [];
  const state = {
    now: 0,
    stored: { accessToken: 'a0', refreshToken: 'r0', accessTokenExpiresAt: expiresAt } as
      TokenPair | undefined,
  };
  const server = {
    async refresh(refreshToken: string): Promise<TokenSet> {
      log.push(`refresh ${refreshToken}`);
      if (!valid.delete(refreshToken))
        throw new LatchkeyError('unauthenticated', 'the refresh token was revoked');
      serial += 1;
      valid.add(`r${serial}`);
      return {
        access_token: `a${serial}`,
        refresh_token: `r${serial}`,
        token_type: 'Bearer',
        expires_in: 100,
      };
    },
  };
  const tokens = new SignedInTokens<TokenPair>({
    server,
    clock: { now: () => state.now },
    store: {
      read: async () => state.stored,
      tokensOf: (pair) => pair,
      rotate: async (_pair, set, now) => {
        state.stored = {
          accessToken: set.access_token,
          refreshToken: set.refresh_token,
          accessTokenExpiresAt: now + set.expires_in * 1000,
        };
        return state.stored;
      },
      forget: async () => {
        state.stored = undefined;
      },
      exclusive: async (action) => {
        log.push('lock');
        return action();
      },
    },
    messages: {
      signedOut: 'signed out',
      ended: (why) => `ended: ${why}`,
      refused: (why) => `refused: ${why}`,
    },
  });
  return { tokens, state, log, valid };
}

describe('shared/client/signed-in-tokens: token refresh of every client', () => {
  it('refreshes within 30 s of the expiry, or when the expiry is unknown', () => {
    assert.equal(accessTokenNeedsRefresh(100_000, 69_999), false);
    assert.equal(accessTokenNeedsRefresh(100_000, 70_000), true);
    assert.equal(accessTokenNeedsRefresh(NaN, 0), true);
  });

  it('hands out the stored token while fresh, and a rotated one near the expiry', async () => {
    const { tokens, state, log } = world();
    assert.equal(await tokens.accessToken(), 'a0');
    state.now = 80_000;
    assert.equal(await tokens.accessToken(), 'a1');
    assert.deepEqual(state.stored, { accessToken: 'a1', refreshToken: 'r1', accessTokenExpiresAt: 180_000 });
    assert.deepEqual(log, ['lock', 'refresh r0']);
  });

  it('concurrent callers share one refresh', async () => {
    const { tokens, state, log } = world();
    state.now = 90_000;
    assert.deepEqual(await Promise.all([tokens.accessToken(), tokens.accessToken(), tokens.accessToken()]), [
      'a1',
      'a1',
      'a1',
    ]);
    assert.deepEqual(log, ['lock', 'refresh r0']);
  });

  it('uses the pair another process stored under the lock instead of spending a refresh token', async () => {
    const { tokens, state, log } = world();
    const seen: string[] = [];
    const answer = await tokens.withAccessToken(async (token) => {
      seen.push(token);
      if (token === 'a0') {
        state.stored = { accessToken: 'b', refreshToken: 'rb', accessTokenExpiresAt: 100_000 };
        throw new LatchkeyError('unauthenticated', 'token revoked');
      }
      return 'ok';
    });
    assert.equal(answer, 'ok');
    assert.deepEqual(seen, ['a0', 'b']);
    assert.deepEqual(log, ['lock']);
  });

  it('a 401 refreshes once and retries; a second 401 says the server refused the sign-in', async () => {
    const { tokens } = world();
    const seen: string[] = [];
    assert.equal(
      await tokens.withAccessToken(async (token) => {
        seen.push(token);
        if (token === 'a0') throw new LatchkeyError('unauthenticated', 'no');
        return token;
      }),
      'a1',
    );
    await assert.rejects(
      tokens.withAccessToken(async () => {
        throw new LatchkeyError('unauthenticated', 'account disabled');
      }),
      (e) => isLatchkeyError(e, 'unauthenticated') && e.message === 'refused: account disabled',
    );
    await assert.rejects(
      tokens.withAccessToken(async () => {
        throw new LatchkeyError('not_found', 'gone');
      }),
      (e) => isLatchkeyError(e, 'not_found'),
    );
  });

  it('a refused refresh forgets the sign-in; then it is signed out', async () => {
    const { tokens, state, valid } = world(0);
    valid.clear();
    await assert.rejects(
      tokens.accessToken(),
      (e) => isLatchkeyError(e, 'unauthenticated') && e.message === 'ended: the refresh token was revoked',
    );
    assert.equal(state.stored, undefined);
    await assert.rejects(
      tokens.accessToken(),
      (e) => isLatchkeyError(e, 'unauthenticated') && e.message === 'signed out',
    );
  });

  it('a refresh that fails otherwise keeps the sign-in', async () => {
    const { tokens, state } = world(0);
    const stored = state.stored;
    (tokens as unknown as { deps: { server: { refresh: () => Promise<never> } } }).deps.server.refresh =
      async () => {
        throw new LatchkeyError('unavailable', 'cannot reach');
      };
    await assert.rejects(tokens.accessToken(), (e) => isLatchkeyError(e, 'unavailable'));
    assert.equal(state.stored, stored);
  });
});
