/**
 * The agent's view of the targets API (served under /v1/agents/client/v4, the same shapes as
 * Cloudflare's): it may look targets up by hostname, create one (which becomes its target), and read
 * and replace only its own. So a compromised host can move no other target.
 */
import { LatchkeyError } from '@latchkey/shared';
import type { ValidTargetInput } from '@latchkey/shared';
import { presentTarget } from '../../domain/api-representation.js';
import type { TargetRecord } from '../../domain/records.js';
import { recordChange } from '../audit-trail.js';
import type { Caller } from '../caller.js';
import { found } from '../not-found.js';
import type { Page, TargetInput } from '../ports/store.js';
import type { Services } from '../services.js';
import { agentActor, agentOfCaller } from './agent-caller.js';

export async function findTargetsByHostname(
  services: Services,
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
export async function getAgentTarget(services: Services, caller: Caller, id: string): Promise<TargetRecord> {
  const agent = await agentOfCaller(services, caller);
  const target = agent.targetId === id ? await services.store.targets.get(caller.accountId, id) : undefined;
  return found(target, 'target', id);
}

export async function createAgentTarget(
  services: Services,
  caller: Caller,
  input: ValidTargetInput,
): Promise<TargetRecord> {
  const agent = await agentOfCaller(services, caller);
  return services.store.transaction(async (tx) => {
    const target = await tx.targets.create(caller.accountId, toStoreInput(input));
    await tx.agents.setTarget(agent.accountId, agent.id, target.id);
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
  services: Services,
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

function toStoreInput(input: ValidTargetInput): TargetInput {
  return {
    hostname: input.hostname,
    ...(input.ipv4 === undefined ? {} : { ipv4: input.ipv4 }),
    ...(input.ipv6 === undefined ? {} : { ipv6: input.ipv6 }),
  };
}
