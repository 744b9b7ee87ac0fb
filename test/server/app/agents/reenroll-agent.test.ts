// Re-enrolment by proof over in-memory fakes of the ports it declares (ReenrollAgentDeps): an agent's
// current credential buys a fresh one for the same agent, the old one revoked, its target kept; a token
// no agent holds is refused, and so is a bad hostname. Over HTTP and SQLite:
// test/server/agents/agents-routes.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import { reenrollAgent, type ReenrollAgentDeps } from '../../../../server/src/app/agents/reenroll-agent.js';
import { hashApiTokenSecret } from '../../../../server/src/domain/api-token-secret.js';
import { NOW, admin, agentWorld, callerOf } from './agent-world.js';

const MACHINE = 'cd'.repeat(16);
const BODY = { hostname: 'web-1b', agent: { version: '1.2.4', machine_id: MACHINE } };

describe('app: agent re-enrolment (over fakes)', () => {
  it('swaps the credential for a fresh one, the old one revoked, the target kept', async () => {
    const world = agentWorld();
    const deps: ReenrollAgentDeps = world.deps;
    const agent = world.addAgent('web-1', { target: true });
    const credential = await reenrollAgent(deps, callerOf(agent), BODY);
    assert.equal(credential.agent_id, agent.id);
    assert.equal(credential.target_id, agent.targetId);
    const renewed = world.agents.get(agent.id)!;
    assert.equal(renewed.hostname, 'web-1b');
    assert.equal(renewed.machineId, MACHINE);
    assert.equal(
      world.apiTokens.get(renewed.apiTokenId)!.tokenHash,
      hashApiTokenSecret(credential.api_token),
    );
    assert.deepEqual(world.apiTokens.get(agent.apiTokenId)!.revokedAt, NOW);
    assert.deepEqual(world.audit.actions(), ['agent.reenroll']);
    assert.equal(world.audit.events[0]!.actor, `agent:${agent.id}`);
    assert.equal(world.audit.events[0]!.inTransaction, true);
  });

  it('refuses a token no enrolled agent holds, and a bad hostname', async () => {
    const world = agentWorld();
    const agent = world.addAgent('web-1');
    await assert.rejects(
      reenrollAgent(world.deps, admin, BODY),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
    await assert.rejects(
      reenrollAgent(world.deps, callerOf(agent), { ...BODY, hostname: '-bad-' }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'invalid_argument',
    );
    assert.equal(world.agents.get(agent.id)!.apiTokenId, agent.apiTokenId);
    assert.deepEqual(world.audit.events, []);
  });
});
