/**
 * Tunnel presence (migration 0017; the port states the contract). Times are the store's clock; the
 * readers compare heartbeats with a cutoff they compute from the same kind of clock, so servers must keep
 * their clocks in step (NTP) to within a fraction of the staleness (docs/tunnels.md).
 */
import type { TunnelAgentLinkRecord, TunnelPresenceRepository } from '../../../app/ports/store.js';
import type { TunnelServerRecord } from '../../../app/ports/store.js';
import type { TunnelServersTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';

const PEER_KEY_ID = 'current';
/** Link rows per INSERT (4 variables each, far below every backend's limit). */
const LINK_ROWS_PER_INSERT = 500;

function toServer(ctx: RepositoryContext, row: TunnelServersTable): TunnelServerRecord {
  return {
    id: row.id,
    peerUrl: row.peer_url,
    tunnelUrl: row.tunnel_url,
    startedAt: ctx.codec.readTime(row.started_at),
    heartbeatAt: ctx.codec.readTime(row.heartbeat_at),
  };
}

export function tunnelPresenceRepository(ctx: RepositoryContext): TunnelPresenceRepository {
  const { db, codec } = ctx;
  return {
    async registerServer(server) {
      const at = codec.time(now(ctx));
      await db
        .insertInto('tunnel_servers')
        .values({
          id: server.id,
          peer_url: server.peerUrl,
          tunnel_url: server.tunnelUrl,
          started_at: at,
          heartbeat_at: at,
        })
        .onConflict((conflict) =>
          conflict.column('id').doUpdateSet({
            peer_url: server.peerUrl,
            tunnel_url: server.tunnelUrl,
            heartbeat_at: at,
          }),
        )
        .execute();
    },

    async heartbeat(serverId) {
      const result = await db
        .updateTable('tunnel_servers')
        .set({ heartbeat_at: codec.time(now(ctx)) })
        .where('id', '=', serverId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async removeServer(serverId) {
      await withTransaction(ctx, async (tx) => {
        await tx.db.deleteFrom('tunnel_agent_links').where('server_id', '=', serverId).execute();
        await tx.db.deleteFrom('tunnel_servers').where('id', '=', serverId).execute();
      });
    },

    async pruneServers(cutoff) {
      return withTransaction(ctx, async (tx) => {
        const stale = tx.db
          .selectFrom('tunnel_servers')
          .select('id')
          .where('heartbeat_at', '<', codec.time(cutoff));
        await tx.db.deleteFrom('tunnel_agent_links').where('server_id', 'in', stale).execute();
        const result = await tx.db
          .deleteFrom('tunnel_servers')
          .where('heartbeat_at', '<', codec.time(cutoff))
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },

    async liveServers(liveSince) {
      const rows = await db
        .selectFrom('tunnel_servers')
        .selectAll()
        .where('heartbeat_at', '>=', codec.time(liveSince))
        .orderBy('started_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => toServer(ctx, row));
    },

    async addLink(serverId, link) {
      const at = codec.time(now(ctx));
      await db
        .insertInto('tunnel_agent_links')
        .values({ server_id: serverId, agent_id: link.agentId, account_id: link.accountId, connected_at: at })
        .onConflict((conflict) =>
          conflict
            .columns(['server_id', 'agent_id'])
            .doUpdateSet({ account_id: link.accountId, connected_at: at }),
        )
        .execute();
    },

    async removeLink(serverId, agentId) {
      await db
        .deleteFrom('tunnel_agent_links')
        .where('server_id', '=', serverId)
        .where('agent_id', '=', agentId)
        .execute();
    },

    async replaceLinks(serverId, links) {
      await withTransaction(ctx, async (tx) => {
        await tx.db.deleteFrom('tunnel_agent_links').where('server_id', '=', serverId).execute();
        if (links.length === 0) return;
        const at = codec.time(now(ctx));
        // In chunks: one statement with every row passes SQLite's and PostgreSQL's bind-variable limits
        // at a few thousand agents.
        for (let start = 0; start < links.length; start += LINK_ROWS_PER_INSERT) {
          await tx.db
            .insertInto('tunnel_agent_links')
            .values(
              links.slice(start, start + LINK_ROWS_PER_INSERT).map((link) => ({
                server_id: serverId,
                agent_id: link.agentId,
                account_id: link.accountId,
                connected_at: at,
              })),
            )
            .execute();
        }
      });
    },

    async linksOf(agentIds, liveSince): Promise<TunnelAgentLinkRecord[]> {
      if (agentIds.length === 0) return [];
      const rows = await db
        .selectFrom('tunnel_agent_links as link')
        .innerJoin('tunnel_servers as server', 'server.id', 'link.server_id')
        .select([
          'link.server_id',
          'link.agent_id',
          'link.account_id',
          'link.connected_at',
          'server.peer_url',
        ])
        .where('link.agent_id', 'in', [...new Set(agentIds)])
        .where('server.heartbeat_at', '>=', codec.time(liveSince))
        .orderBy('link.connected_at', 'desc')
        .orderBy('link.server_id')
        .execute();
      return rows.map((row) => ({
        serverId: row.server_id,
        agentId: row.agent_id,
        accountId: row.account_id,
        connectedAt: codec.readTime(row.connected_at),
        peerUrl: row.peer_url,
      }));
    },

    async peerSecret(candidate) {
      await db
        .insertInto('tunnel_peer_keys')
        .values({ id: PEER_KEY_ID, sealed_secret: candidate, created_at: codec.time(now(ctx)) })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
      const row = await db
        .selectFrom('tunnel_peer_keys')
        .select('sealed_secret')
        .where('id', '=', PEER_KEY_ID)
        .executeTakeFirstOrThrow();
      return new Uint8Array(row.sealed_secret);
    },
  };
}
