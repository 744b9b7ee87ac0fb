/**
 * Tunnel presence (issue #14, several servers; docs/tunnels.md): the server processes alive now, where
 * peers and agents reach each, which agents hold a link to which, and the secret that authenticates
 * requests between servers. Part of the store port (../store.ts). Not scoped by account: servers are the
 * installation's, not a tenant's; each link row names its agent's account.
 *
 * Rows are the truth: a reader passes `liveSince` (now minus the staleness it tolerates) and gets only
 * servers whose heartbeat is that recent, so a killed process's rows are ignored without anyone deleting
 * them first.
 */

export interface TunnelServerInput {
  /** Drawn by the process at each start. */
  id: string;
  /** Where the other servers reach it (its own HTTP(S) port): `https://10.0.0.7:8443`. */
  peerUrl: string;
  /** What agents are told to dial for their second link. */
  tunnelUrl: string;
}

export interface TunnelServerRecord extends TunnelServerInput {
  startedAt: Date;
  heartbeatAt: Date;
}

export interface TunnelAgentLinkRecord {
  serverId: string;
  agentId: string;
  accountId: string;
  connectedAt: Date;
  /** The holding server's peer URL (joined from its row). */
  peerUrl: string;
}

export interface TunnelPresenceRepository {
  /** Registers (or re-registers, after a prune) this server, its heartbeat now. */
  registerServer(server: TunnelServerInput): Promise<void>;
  /** Stamps the heartbeat; false when the row is gone (pruned as stale): the caller registers again. */
  heartbeat(serverId: string): Promise<boolean>;
  /** Removes a server and its links (a clean stop). */
  removeServer(serverId: string): Promise<void>;
  /** Removes servers silent since before `cutoff`, and their links; how many went. */
  pruneServers(cutoff: Date): Promise<number>;
  /** Servers whose heartbeat is at or after `liveSince`, oldest start first. */
  liveServers(liveSince: Date): Promise<TunnelServerRecord[]>;
  /** Records that `serverId` holds a link of the agent (the newest link wins: connected now). */
  addLink(serverId: string, link: { agentId: string; accountId: string }): Promise<void>;
  removeLink(serverId: string, agentId: string): Promise<void>;
  /** Replaces every link row of `serverId` with these (after a re-registration). */
  replaceLinks(serverId: string, links: readonly { agentId: string; accountId: string }[]): Promise<void>;
  /** The links of these agents held by live servers, newest first. */
  linksOf(agentIds: readonly string[], liveSince: Date): Promise<TunnelAgentLinkRecord[]>;
  /**
   * The sealed peer secret: the stored one, or `candidate` stored now when there is none (the first
   * server to start makes it; concurrent starts agree on one).
   */
  peerSecret(candidate: Uint8Array): Promise<Uint8Array>;
}
