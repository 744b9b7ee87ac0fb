/**
 * Several servers share the tunnel's presence through the store (issue #14, docs/tunnels.md): each
 * process registers itself, beats, records the agent links it holds, and asks which live peer holds a
 * link of an agent it has none of. The timing rules and the peer credential are domain/tunnel-peering.ts.
 */
import {
  PRESENCE_PRUNE_AFTER_MS,
  PRESENCE_STALE_AFTER_MS,
  forwardingCandidates,
} from '../../domain/tunnel-peering.js';
import type { CaKeyProtector } from '../ca-key-protector.js';
import type { Clock, RandomBytes } from '../environment.js';
import type { Repositories, TunnelAgentLinkRecord, TunnelServerRecord } from '../ports/store.js';

export interface TunnelPresenceDeps {
  store: Pick<Repositories, 'tunnelPresence'>;
  clock: Clock;
}

/** This process as its peers see it. */
export interface PresenceSelf {
  id: string;
  peerUrl: string;
  tunnelUrl: string;
}

/** The context the peer secret is sealed under (with the CA encryption key). */
export const PEER_SECRET_CONTEXT = 'latchkey tunnel peer secret v1';

/**
 * The installation's peer secret (32 bytes): made and stored, sealed with the CA encryption key, by the
 * first server that asks; read and opened by the others. A server started with another CA encryption key
 * cannot open it and fails here, which is the point: it is no peer.
 */
export async function loadPeerSecret(services: {
  store: Pick<Repositories, 'tunnelPresence'>;
  caKeys: CaKeyProtector;
  randomBytes: RandomBytes;
}): Promise<Uint8Array> {
  const candidate = await services.caKeys.seal(services.randomBytes(32), PEER_SECRET_CONTEXT);
  const sealed = await services.store.tunnelPresence.peerSecret(candidate);
  return services.caKeys.open(sealed, PEER_SECRET_CONTEXT);
}

/**
 * One heartbeat: stamps this server's row (registering it again, with the links it holds, if a peer
 * pruned it while this process stalled), removes servers silent for long, and answers the live servers.
 * Any failure rejects; the caller then counts its link rows as unwritten and writes them all again at a
 * later beat (TunnelPeering), so that a re-registration whose links failed is not taken for done.
 */
export async function beatPresence(
  services: TunnelPresenceDeps,
  self: PresenceSelf,
  held: () => readonly { agentId: string; accountId: string }[],
): Promise<TunnelServerRecord[]> {
  const presence = services.store.tunnelPresence;
  if (!(await presence.heartbeat(self.id))) {
    await presence.registerServer(self);
    await presence.replaceLinks(self.id, held());
  }
  const now = services.clock().getTime();
  await presence.pruneServers(new Date(now - PRESENCE_PRUNE_AFTER_MS));
  return presence.liveServers(new Date(now - PRESENCE_STALE_AFTER_MS));
}

/** The live peers that hold a link of one of `agentIds`: one per server, the newest link first. */
export async function peersHolding(
  services: TunnelPresenceDeps,
  selfId: string,
  agentIds: readonly string[],
): Promise<TunnelAgentLinkRecord[]> {
  if (agentIds.length === 0) return [];
  const since = new Date(services.clock().getTime() - PRESENCE_STALE_AFTER_MS);
  return forwardingCandidates(await services.store.tunnelPresence.linksOf(agentIds, since), selfId);
}
