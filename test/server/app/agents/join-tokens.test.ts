// Join tokens over in-memory fakes of the ports they declare (JoinTokensDeps): the secret is shown once
// and only its hash stored, with the defaults for uses and lifetime; a revocation is audited, and an
// unknown token is not found. Over HTTP and SQLite: test/server/agents/agents-routes.test.ts.
import assert from 'node:assert/strict';
import { DEFAULT_JOIN_TOKEN_MAX_USES, DEFAULT_JOIN_TOKEN_TTL_SECONDS, LatchkeyError } from '@latchkey/shared';
import {
  createJoinToken,
  hashJoinTokenSecret,
  listJoinTokens,
  revokeJoinToken,
  type JoinTokensDeps,
} from '../../../../server/src/app/agents/join-tokens.js';
import { NOW, admin, agentWorld } from './agent-world.js';

describe('app: join tokens (over fakes)', () => {
  it('makes a token whose secret is shown once and stored as its hash, audited', async () => {
    const world = agentWorld();
    const deps: JoinTokensDeps = world.deps;
    const { record, secret } = await createJoinToken(deps, admin, { name: 'hosts' });
    assert.match(secret, /^lkj_[A-Za-z0-9_-]{43}$/);
    assert.equal(record.tokenHash, hashJoinTokenSecret(secret));
    assert.equal(record.maxUses, DEFAULT_JOIN_TOKEN_MAX_USES);
    assert.deepEqual(record.expiresAt, new Date(NOW.getTime() + DEFAULT_JOIN_TOKEN_TTL_SECONDS * 1000));
    assert.deepEqual(await listJoinTokens(deps, admin), [record]);
    assert.deepEqual(world.audit.actions(), ['join_token.create']);
    assert.ok(!JSON.stringify(world.audit.events).includes(secret));
    assert.equal(world.audit.events[0]!.inTransaction, true);
  });

  it('revokes a token, audited; an unknown one is not found', async () => {
    const world = agentWorld();
    const { record } = await createJoinToken(world.deps, admin, {
      name: 'hosts',
      max_uses: 5,
      expires_in_seconds: 600,
    });
    assert.equal(record.maxUses, 5);
    const revoked = await revokeJoinToken(world.deps, admin, record.id);
    assert.deepEqual(revoked.revokedAt, NOW);
    await assert.rejects(
      revokeJoinToken(world.deps, admin, 'join-unknown'),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
    assert.deepEqual(world.audit.actions(), ['join_token.create', 'join_token.revoke']);
  });
});
