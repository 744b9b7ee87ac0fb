/**
 * Registers this host as a target (planRegistration decides; this does the I/O): its normalised
 * hostname, its addresses on the configured interfaces, in the default or a named virtual network.
 * Remembers the target id in the state directory, which is how it knows the target is its own.
 */
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { normalizeHostname } from '../../domain/hostname-rules.js';
import { noAddressMessage, pickAddresses } from '../../domain/agent/pick-addresses.js';
import { planRegistration } from '../../domain/agent/plan-registration.js';
import type { RegistrationPlan } from '../../domain/agent/plan-registration.js';
import type { AgentStateStore } from '../ports/agent-state.js';
import type { ControlPlane } from '../ports/control-plane.js';
import type { HostInfo } from '../ports/host-info.js';

export interface RegisterSettings {
  /** Registered instead of the host's own name (normalised the same way). */
  readonly hostname?: string;
  readonly interfaces?: readonly string[];
  /** A virtual network's name; undefined: the account's default. */
  readonly virtualNetwork?: string;
}

export interface RegisterOutcome {
  readonly kind: Exclude<RegistrationPlan['kind'], 'conflict'>;
  readonly targetId: string;
  readonly hostname: string;
  readonly addresses: { ipv4?: string; ipv6?: string };
}

export async function registerTarget(
  deps: { controlPlane: ControlPlane; state: AgentStateStore; host: HostInfo },
  settings: RegisterSettings,
): Promise<RegisterOutcome> {
  const { controlPlane, state, host } = deps;
  const hostname = normalizeHostname(settings.hostname ?? (await host.hostname()));
  const available = await host.interfaceAddresses();
  const addresses = pickAddresses(available, settings.interfaces);
  if (addresses.ipv4 === undefined && addresses.ipv6 === undefined) {
    throw new LatchkeyError('invalid_config', noAddressMessage(available, settings.interfaces), {
      pointer: '--interface',
    });
  }
  let virtualNetworkId: string | undefined;
  if (settings.virtualNetwork !== undefined) {
    virtualNetworkId = await controlPlane.findVirtualNetworkId(settings.virtualNetwork);
    if (virtualNetworkId === undefined) {
      throw new LatchkeyError(
        'invalid_config',
        `there is no virtual network named ${JSON.stringify(settings.virtualNetwork)}; create it in the ` +
          `access server or enrol with another --vnet`,
        { pointer: '--vnet' },
      );
    }
  }
  const ownTargetId = (await state.readRegistration())?.targetId;
  const existing = await controlPlane.listTargetsByHostname(hostname);
  // Its own target under another name (the host was renamed): found by id, so it is renamed, not duplicated.
  if (ownTargetId !== undefined && !existing.some((target) => target.id === ownTargetId)) {
    const own = await controlPlane.getTarget(ownTargetId);
    if (own !== undefined) existing.push(own);
  }
  const plan = planRegistration({
    hostname,
    addresses,
    existing,
    ...(virtualNetworkId === undefined ? {} : { virtualNetworkId }),
    ...(ownTargetId === undefined ? {} : { ownTargetId }),
  });
  let targetId: string;
  switch (plan.kind) {
    case 'conflict':
      throw new LatchkeyError('conflict', plan.message, { pointer: '/hostname' });
    case 'unchanged':
      targetId = plan.id;
      break;
    case 'update':
      targetId = (await controlPlane.replaceTarget(plan.id, plan.body)).id;
      break;
    case 'create':
      targetId = (await controlPlane.createTarget(plan.body)).id;
      break;
  }
  if (targetId !== ownTargetId) await state.writeRegistration({ targetId });
  return { kind: plan.kind, targetId, hostname, addresses };
}
