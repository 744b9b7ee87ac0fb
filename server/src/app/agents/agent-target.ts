/**
 * The agent's view of the targets API (served under /v1/agents/client/v4, the same shapes as
 * Cloudflare's): it may look targets up by hostname, create exactly one target (which becomes its own),
 * and read and replace only that one. A hostname another target already has is refused, at creation and
 * on a rename. So a compromised host can move no other target, and cannot put copies of real targets
 * into people's target lists (issue 13, "an agent acts for its own target only").
 */
import { LatchkeyError } from '@latchkey/shared';
import type { ValidTargetInput } from '@latchkey/shared';
import { presentTarget } from '../../domain/api-representation.js';
import type { TargetRecord } from '../../domain/records.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import { found } from '../not-found.js';
import type { Page, Repositories, StoreOf, TargetInput } from '../ports/store.js';
import { agentActor, agentOfCaller } from './agent-caller.js';

/** What the agent's target use cases need: the calling agent, the targets, and the audit trail. */
export interface AgentTargetDeps {
  store: StoreOf<'agents' | 'targets' | 'auditEvents'>;
}

export async function findTargetsByHostname(
  services: AgentTargetDeps,
  caller: Caller,
  hostname: string | undefined,
): Promise<Page<TargetRecord>> {
  if (hostname === undefined) {
    throw new LatchkeyError('invalid_argument', 'an agent lists targets by hostname: add ?hostname=…', {
      pointer: 'hostname',
    });
  }
  return services.store.targets.list(caller.accountId, { hostname, perPage: 1000 });
}

/** The agent's own target; any other id is "not found" (an agent learns nothing about other targets). */
export async function getAgentTarget(
  services: AgentTargetDeps,
  caller: Caller,
  id: string,
): Promise<TargetRecord> {
  const agent = await agentOfCaller(services, caller);
  const target = agent.targetId === id ? await services.store.targets.get(caller.accountId, id) : undefined;
  return found(target, 'target', id);
}

export async function createAgentTarget(
  services: AgentTargetDeps,
  caller: Caller,
  input: ValidTargetInput,
): Promise<TargetRecord> {
  const agent = await agentOfCaller(services, caller);
  return services.store.transaction(async (tx) => {
    const current =
      agent.targetId === undefined ? undefined : await tx.targets.get(caller.accountId, agent.targetId);
    if (current !== undefined) throw alreadyHasTarget(current.id);
    await refuseTakenHostname(tx, caller.accountId, input.hostname, undefined);
    const target = await tx.targets.create(caller.accountId, toStoreInput(input));
    // A compare-and-swap: two creates racing leave one target (the loser's is rolled back).
    if (!(await tx.agents.claimTarget(agent.accountId, agent.id, target.id, agent.targetId))) {
      const now = await tx.agents.get(agent.accountId, agent.id);
      throw alreadyHasTarget(now?.targetId ?? 'another');
    }
    await recordChange(tx, agentActor(agent), {
      action: 'target.create',
      resourceType: 'target',
      resourceId: target.id,
      after: presentTarget(target),
    });
    return target;
  });
}

export async function replaceAgentTarget(
  services: AgentTargetDeps,
  caller: Caller,
  id: string,
  input: ValidTargetInput,
): Promise<TargetRecord> {
  const agent = await agentOfCaller(services, caller);
  if (agent.targetId !== id) {
    throw new LatchkeyError(
      'permission_denied',
      `target ${id} was not registered by this agent; an agent may change only its own target`,
    );
  }
  return services.store.transaction(async (tx) => {
    const before = found(await tx.targets.get(caller.accountId, id), 'target', id);
    if (before.hostname.toLowerCase() !== input.hostname.toLowerCase()) {
      await refuseTakenHostname(tx, caller.accountId, input.hostname, id);
    }
    const after = found(await tx.targets.replace(caller.accountId, id, toStoreInput(input)), 'target', id);
    await recordChange(tx, agentActor(agent), {
      action: 'target.update',
      resourceType: 'target',
      resourceId: id,
      before: presentTarget(before),
      after: presentTarget(after),
    });
    return after;
  });
}

function alreadyHasTarget(targetId: string): LatchkeyError {
  return new LatchkeyError(
    'conflict',
    `this agent has already registered its target (${targetId}); an agent registers exactly one target: ` +
      `update it with PUT …/infrastructure/targets/${targetId}`,
  );
}

/** Another target's hostname cannot be an agent's: no copies of real targets in people's lists. */
async function refuseTakenHostname(
  tx: Pick<Repositories, 'targets'>,
  accountId: string,
  hostname: string,
  ownId: string | undefined,
): Promise<void> {
  const taken = (await tx.targets.list(accountId, { hostname, perPage: 10 })).items.filter(
    (target) => target.id !== ownId,
  );
  if (taken.length > 0) {
    throw new LatchkeyError(
      'conflict',
      `a target named ${hostname} already exists (${taken.map((t) => t.id).join(', ')}) and is not this ` +
        "agent's; an agent cannot take another target's hostname. Delete that target, or register this " +
        'host under another name (--hostname)',
      { pointer: '/hostname' },
    );
  }
}

function toStoreInput(input: ValidTargetInput): TargetInput {
  return {
    hostname: input.hostname,
    ...(input.ipv4 === undefined ? {} : { ipv4: input.ipv4 }),
    ...(input.ipv6 === undefined ? {} : { ipv6: input.ipv6 }),
  };
}
