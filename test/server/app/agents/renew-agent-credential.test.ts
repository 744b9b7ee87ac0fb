// Credential renewal over in-memory fakes of the ports it declares (RenewAgentCredentialDeps): the
// agent gets a fresh credential that expires in 30 days and its old one is revoked; a credential that
// was replaced meanwhile (the swap finds another one in place) renews nothing. Over HTTP and SQLite:
// test/server/agents/agents-routes.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import { AGENT_CREDENTIAL_TTL_MS } from '../../../../server/src/app/agents/agent-credential.js';
import {
  renewAgentCredential,
  swapAgentCredential,
  type RenewAgentCredentialDeps,
} from '../../../../server/src/app/agents/renew-agent-credential.js';
import { NOW, agentWorld, callerOf } from './agent-world.js';

describe('app: agent credential renewal (over fakes)', () => {
  it('issues a fresh credential and revokes the old one, audited in the transaction', async () => {
    const world = agentWorld();
    const deps: RenewAgentCredentialDeps = world.deps;
    const agent = world.addAgent('web-1');
    const credential = await renewAgentCredential(deps, callerOf(agent));
    const renewed = world.agents.get(agent.id)!;
    assert.notEqual(renewed.apiTokenId, agent.apiTokenId);
    assert.equal(credential.expires_at, new Date(NOW.getTime() + AGENT_CREDENTIAL_TTL_MS).toISOString());
    assert.deepEqual(world.apiTokens.get(agent.apiTokenId)!.revokedAt, NOW);
    assert.equal(world.apiTokens.get(renewed.apiTokenId)!.revokedAt, undefined);
    assert.deepEqual(world.audit.actions(), ['agent.credential_renew']);
    assert.equal(world.audit.events[0]!.inTransaction, true);
  });

  it('renews nothing when the credential was replaced meanwhile', async () => {
    const world = agentWorld();
    const agent = world.addAgent('web-1');
    await renewAgentCredential(world.deps, callerOf(agent));
    // The agent record read before the first renewal still names the old credential.
    await assert.rejects(
      swapAgentCredential(world.deps, world.deps.store, agent, {}),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'unauthenticated' &&
        error.message.startsWith('this agent credential has been revoked or replaced meanwhile'),
    );
    await assert.rejects(
      renewAgentCredential(world.deps, callerOf(agent)),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
  });
});
