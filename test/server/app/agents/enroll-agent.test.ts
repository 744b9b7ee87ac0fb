// Enrolment over in-memory fakes of the ports it declares (EnrollAgentDeps): a join token that is
// unknown, revoked, expired or used up is refused, as is a bad hostname, before any use is taken; a
// valid one makes a new agent with its own credential, even on a machine another agent has (a clone is
// kept apart and named in a warning); a replace token gives that agent a new credential instead,
// revoking the old one. Over HTTP and SQLite: test/server/agents/agents-routes.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError, type AgentEnrollBody } from '@latchkey/shared';
import { enrollAgent, type EnrollAgentDeps } from '../../../../server/src/app/agents/enroll-agent.js';
import { hashApiTokenSecret } from '../../../../server/src/domain/api-token-secret.js';
import { AGENT_PERMISSION } from '../../../../server/src/domain/permissions.js';
import { ACCOUNT, NOW, agentWorld } from './agent-world.js';

const MACHINE = 'ab'.repeat(16);

function body(joinToken: string, overrides: Partial<AgentEnrollBody> = {}): AgentEnrollBody {
  return {
    join_token: joinToken,
    hostname: 'Web-1',
    agent: { version: '1.2.3', machine_id: MACHINE },
    ...overrides,
  };
}

const refused = (why: string) => (error: unknown) =>
  error instanceof LatchkeyError &&
  error.code === 'unauthenticated' &&
  error.message.startsWith(`this join token ${why}`);

describe('app: agent enrolment (over fakes)', () => {
  it('refuses a join token that is unknown, revoked, expired or used up, taking no use', async () => {
    const world = agentWorld();
    const deps: EnrollAgentDeps = world.deps;
    world.addJoinToken('lkj_revoked', { revokedAt: NOW });
    world.addJoinToken('lkj_expired', { expiresAt: NOW });
    world.addJoinToken('lkj_used', { uses: 1 });
    await assert.rejects(enrollAgent(deps, body('lkj_unknown')), refused('is not valid'));
    await assert.rejects(enrollAgent(deps, body('lkj_revoked')), refused('has been revoked'));
    await assert.rejects(enrollAgent(deps, body('lkj_expired')), refused(`expired at ${NOW.toISOString()}`));
    await assert.rejects(enrollAgent(deps, body('lkj_used')), refused('has been used up (1 of 1 uses)'));
    assert.equal(world.agents.size, 0);
    assert.equal(world.apiTokens.size, 0);
    assert.deepEqual(world.audit.events, []);
  });

  it('refuses a hostname that is not one, taking no use', async () => {
    const world = agentWorld();
    const token = world.addJoinToken('lkj_ok');
    await assert.rejects(
      enrollAgent(world.deps, body('lkj_ok', { hostname: 'not a host' })),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'invalid_argument' &&
        error.message.startsWith('/hostname'),
    );
    assert.equal(world.joinTokens.get(token.id)!.uses, 0);
  });

  it('makes a new agent with its own credential, taking one use, audited in the transaction', async () => {
    const world = agentWorld();
    const token = world.addJoinToken('lkj_ok');
    const credential = await enrollAgent(world.deps, body(' lkj_ok '));
    const agent = world.agents.get(credential.agent_id)!;
    assert.equal(agent.hostname, 'web-1');
    assert.equal(agent.machineId, MACHINE);
    assert.equal(agent.joinTokenId, token.id);
    const stored = world.apiTokens.get(agent.apiTokenId)!;
    assert.equal(stored.tokenHash, hashApiTokenSecret(credential.api_token));
    assert.deepEqual(stored.permissions, [AGENT_PERMISSION]);
    assert.equal(credential.account_id, ACCOUNT);
    assert.equal(credential.expires_at, stored.expiresAt!.toISOString());
    assert.equal(credential.warnings, undefined);
    assert.equal(world.joinTokens.get(token.id)!.uses, 1);
    assert.deepEqual(world.audit.actions(), ['agent.enroll']);
    assert.equal(world.audit.events[0]!.actor, `join_token:${token.id}`);
    assert.equal(world.audit.events[0]!.inTransaction, true);
    await assert.rejects(enrollAgent(world.deps, body('lkj_ok')), refused('has been used up'));
  });

  it('keeps a clone apart: a new agent, the machine id left to the first, a warning naming it', async () => {
    const world = agentWorld();
    const first = world.addAgent('web-1', { machineId: MACHINE });
    world.addJoinToken('lkj_ok');
    const credential = await enrollAgent(world.deps, body('lkj_ok', { hostname: 'web-2' }));
    assert.notEqual(credential.agent_id, first.id);
    assert.equal(world.agents.get(credential.agent_id)!.machineId, undefined);
    assert.match(
      credential.warnings![0]!,
      new RegExp(`^agent ${first.id} \\(web-1\\) has the same machine id`),
    );
    assert.equal(
      (world.audit.events[0]!.after as { same_machine_id_as_agent?: string }).same_machine_id_as_agent,
      first.id,
    );
  });

  it('with a replace token, gives that agent a new credential and revokes its old one, keeping its target', async () => {
    const world = agentWorld();
    const agent = world.addAgent('web-1', { target: true });
    world.addJoinToken('lkj_replace', { replacesAgentId: agent.id });
    const credential = await enrollAgent(world.deps, body('lkj_replace', { hostname: 'web-1b' }));
    assert.equal(credential.agent_id, agent.id);
    assert.equal(credential.target_id, agent.targetId);
    const renewed = world.agents.get(agent.id)!;
    assert.notEqual(renewed.apiTokenId, agent.apiTokenId);
    assert.equal(renewed.hostname, 'web-1b');
    assert.deepEqual(world.apiTokens.get(agent.apiTokenId)!.revokedAt, NOW);
    assert.equal(world.agents.size, 1);
    assert.deepEqual(world.audit.actions(), ['agent.replaced']);
    assert.equal(
      (world.audit.events[0]!.after as { revoked_token_id: string }).revoked_token_id,
      agent.apiTokenId,
    );
  });

  it('refuses a replace token whose agent has since been removed', async () => {
    const world = agentWorld();
    world.addJoinToken('lkj_replace', { replacesAgentId: 'agent-gone' });
    await assert.rejects(
      enrollAgent(world.deps, body('lkj_replace')),
      refused('was made to replace an agent that has since been removed'),
    );
    assert.equal(world.agents.size, 0);
  });
});
