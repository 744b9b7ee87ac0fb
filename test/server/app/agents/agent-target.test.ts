// The agent's view of targets over in-memory fakes of the ports it declares (AgentTargetDeps): an agent
// registers exactly one target, never under another target's hostname, and reads and changes only its
// own. Over HTTP and SQLite: test/server/agents/agents-routes.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import {
  createAgentTarget,
  findTargetsByHostname,
  getAgentTarget,
  replaceAgentTarget,
  type AgentTargetDeps,
} from '../../../../server/src/app/agents/agent-target.js';
import { agentWorld, callerOf } from './agent-world.js';

const failsWith =
  (code: string, start = '') =>
  (error: unknown) =>
    error instanceof LatchkeyError && error.code === code && error.message.startsWith(start);

describe("app: an agent's own target (over fakes)", () => {
  it('registers one target, audited as the agent, and refuses a second', async () => {
    const world = agentWorld();
    const deps: AgentTargetDeps = world.deps;
    const agent = world.addAgent('web-1');
    const target = await createAgentTarget(deps, callerOf(agent), { hostname: 'web-1' });
    assert.equal(world.agents.get(agent.id)!.targetId, target.id);
    assert.deepEqual(await getAgentTarget(deps, callerOf(agent), target.id), target);
    assert.deepEqual(world.audit.actions(), ['target.create']);
    assert.equal(world.audit.events[0]!.actor, `agent:${agent.id}`);
    assert.equal(world.audit.events[0]!.inTransaction, true);
    await assert.rejects(
      createAgentTarget(deps, callerOf(world.agents.get(agent.id)!), { hostname: 'web-1' }),
      failsWith('conflict', `this agent has already registered its target (${target.id})`),
    );
    assert.equal(world.targets.size, 1);
  });

  it("refuses another target's hostname, at creation and on a rename", async () => {
    const world = agentWorld();
    const other = world.addAgent('db-1', { target: true });
    const agent = world.addAgent('web-1', { target: true });
    const fresh = world.addAgent('web-2');
    await assert.rejects(
      createAgentTarget(world.deps, callerOf(fresh), { hostname: 'DB-1' }),
      failsWith('conflict', 'a target named DB-1 already exists'),
    );
    await assert.rejects(
      replaceAgentTarget(world.deps, callerOf(agent), agent.targetId!, { hostname: 'db-1' }),
      failsWith('conflict', `a target named db-1 already exists (${other.targetId})`),
    );
    const renamed = await replaceAgentTarget(world.deps, callerOf(agent), agent.targetId!, {
      hostname: 'web-1a',
    });
    assert.equal(renamed.hostname, 'web-1a');
    assert.deepEqual(world.audit.actions(), ['target.update']);
  });

  it('neither reads nor changes another target, and lists only by hostname', async () => {
    const world = agentWorld();
    const other = world.addAgent('db-1', { target: true });
    const agent = world.addAgent('web-1', { target: true });
    await assert.rejects(
      getAgentTarget(world.deps, callerOf(agent), other.targetId!),
      failsWith('not_found'),
    );
    await assert.rejects(
      replaceAgentTarget(world.deps, callerOf(agent), other.targetId!, { hostname: 'db-1' }),
      failsWith('permission_denied', `target ${other.targetId} was not registered by this agent`),
    );
    await assert.rejects(
      findTargetsByHostname(world.deps, callerOf(agent), undefined),
      failsWith('invalid_argument', 'an agent lists targets by hostname'),
    );
    const page = await findTargetsByHostname(world.deps, callerOf(agent), 'db-1');
    assert.deepEqual(
      page.items.map((target) => target.id),
      [other.targetId],
    );
    assert.deepEqual(world.audit.events, []);
  });
});
