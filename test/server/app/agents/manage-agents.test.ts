// What admins do to agents, over in-memory fakes of the ports it declares (RemoveAgentDeps,
// ReplaceTokenDeps): removing an agent revokes its credential and deletes its target (with the target's
// other agents) unless the target is kept; a replace token is one use and names the agent. Over HTTP and
// SQLite: test/server/agents/agents-revocation.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import {
  createReplaceToken,
  removeAgent,
  type RemoveAgentDeps,
  type ReplaceTokenDeps,
} from '../../../../server/src/app/agents/manage-agents.js';
import { NOW, admin, agentWorld } from './agent-world.js';

describe('app: managing agents (over fakes)', () => {
  it("removes an agent with its target and the target's other agents, revoking every credential", async () => {
    const world = agentWorld();
    const deps: RemoveAgentDeps = world.deps;
    const agent = world.addAgent('web-1', { target: true });
    const older = world.addAgent('web-1');
    world.agents.set(older.id, { ...older, targetId: agent.targetId! });
    const removed = await removeAgent(deps, admin, agent.id, { keepTarget: false });
    assert.equal(removed.deletedTarget?.id, agent.targetId);
    assert.equal(world.agents.size, 0);
    assert.equal(world.targets.size, 0);
    assert.deepEqual(world.apiTokens.get(agent.apiTokenId)!.revokedAt, NOW);
    assert.deepEqual(world.apiTokens.get(older.apiTokenId)!.revokedAt, NOW);
    assert.deepEqual(world.audit.actions(), ['agent.delete', 'target.delete', 'agent.delete']);
    assert.ok(world.audit.events.every((event) => event.inTransaction));
  });

  it('keeps the target when told to, and answers not_found for an unknown agent', async () => {
    const world = agentWorld();
    const agent = world.addAgent('web-1', { target: true });
    await assert.rejects(
      removeAgent(world.deps, admin, 'agent-unknown', { keepTarget: false }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
    const removed = await removeAgent(world.deps, admin, agent.id, { keepTarget: true });
    assert.equal(removed.deletedTarget, undefined);
    assert.ok(world.targets.has(agent.targetId!));
    assert.deepEqual(world.audit.events[0]!.after, {
      reason: 'removed, target kept',
      revoked_token_id: agent.apiTokenId,
    });
  });

  it('makes a one-use replace token naming the agent; not for an unknown agent', async () => {
    const world = agentWorld();
    const deps: ReplaceTokenDeps = world.deps;
    const agent = world.addAgent('web-1');
    const { record, secret } = await createReplaceToken(deps, admin, agent.id, { expires_in_seconds: 600 });
    assert.ok(secret.startsWith('lkj_'));
    assert.equal(record.maxUses, 1);
    assert.equal(record.replacesAgentId, agent.id);
    assert.equal(record.name, 'replace agent web-1');
    assert.deepEqual(record.expiresAt, new Date(NOW.getTime() + 600_000));
    assert.deepEqual(world.audit.actions(), ['agent.replace']);
    await assert.rejects(
      createReplaceToken(deps, admin, 'agent-unknown', {}),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
  });
});
