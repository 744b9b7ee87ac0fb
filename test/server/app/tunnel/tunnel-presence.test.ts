// The presence use cases of several servers (server/src/app/tunnel/tunnel-presence.ts) on an in-memory
// fake: a beat re-registers a pruned server with its links, prunes and reads with the domain's timings;
// a lookup skips this server and asks each peer once; the peer secret is made once and sealed.
import assert from 'node:assert/strict';
import type { TunnelPresenceRepository } from '../../../../server/src/app/ports/store.js';
import {
  PEER_SECRET_CONTEXT,
  beatPresence,
  loadPeerSecret,
  peersHolding,
} from '../../../../server/src/app/tunnel/tunnel-presence.js';
import {
  PRESENCE_PRUNE_AFTER_MS,
  PRESENCE_STALE_AFTER_MS,
} from '../../../../server/src/domain/tunnel-peering.js';
import { fake } from '../fakes.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const SELF = { id: 'self', peerUrl: 'http://self:1', tunnelUrl: 'http://self:1' };

describe('tunnel presence: the use cases', () => {
  it('a beat stamps the row, prunes the long-silent and answers the live servers', async () => {
    const calls: string[] = [];
    const presence = fake<TunnelPresenceRepository>('tunnelPresence', {
      heartbeat: async (id) => (calls.push(`heartbeat ${id}`), true),
      pruneServers: async (cutoff) => (calls.push(`prune ${NOW.getTime() - cutoff.getTime()}`), 0),
      liveServers: async (since) => (calls.push(`live ${NOW.getTime() - since.getTime()}`), []),
    });
    await beatPresence({ store: { tunnelPresence: presence }, clock: () => NOW }, SELF, () => []);
    assert.deepEqual(calls, [
      'heartbeat self',
      `prune ${PRESENCE_PRUNE_AFTER_MS}`,
      `live ${PRESENCE_STALE_AFTER_MS}`,
    ]);
  });

  it('a server pruned while it stalled registers again with the links it holds', async () => {
    const calls: string[] = [];
    const presence = fake<TunnelPresenceRepository>('tunnelPresence', {
      heartbeat: async () => false,
      registerServer: async (server) => void calls.push(`register ${server.id} ${server.peerUrl}`),
      replaceLinks: async (id, links) =>
        void calls.push(`links ${id} ${links.map((l) => l.agentId).join(',')}`),
      pruneServers: async () => 0,
      liveServers: async () => [],
    });
    const held = [
      { agentId: 'agent-1', accountId: 'account-1' },
      { agentId: 'agent-2', accountId: 'account-1' },
    ];
    await beatPresence({ store: { tunnelPresence: presence }, clock: () => NOW }, SELF, () => held);
    assert.deepEqual(calls, ['register self http://self:1', 'links self agent-1,agent-2']);
  });

  it('a lookup reads live links only, skips this server and tries each peer once', async () => {
    let asked: Date | undefined;
    const link = (serverId: string, agentId: string) => ({
      serverId,
      agentId,
      accountId: 'account-1',
      connectedAt: NOW,
      peerUrl: `http://${serverId}:1`,
    });
    const presence = fake<TunnelPresenceRepository>('tunnelPresence', {
      linksOf: async (_ids, since) => {
        asked = since;
        return [link('b', 'agent-1'), link('self', 'agent-1'), link('b', 'agent-2'), link('c', 'agent-2')];
      },
    });
    const deps = { store: { tunnelPresence: presence }, clock: () => NOW };
    const peers = await peersHolding(deps, 'self', ['agent-1', 'agent-2']);
    assert.deepEqual(
      peers.map((peer) => [peer.serverId, peer.agentId]),
      [
        ['b', 'agent-1'],
        ['c', 'agent-2'],
      ],
    );
    assert.equal(NOW.getTime() - asked!.getTime(), PRESENCE_STALE_AFTER_MS);
    assert.deepEqual(await peersHolding(deps, 'self', []), []);
  });

  it('the peer secret: 32 random bytes sealed with the CA key, the stored one opened', async () => {
    const sealedWith: string[] = [];
    const caKeys = {
      seal: async (plain: Uint8Array, context: string) => {
        sealedWith.push(context);
        return Uint8Array.from([...plain].map((byte) => byte ^ 0xff));
      },
      open: async (sealed: Uint8Array, context: string) => {
        assert.equal(context, PEER_SECRET_CONTEXT);
        return Uint8Array.from([...sealed].map((byte) => byte ^ 0xff));
      },
    };
    const stored = new Uint8Array(32).fill(0x11);
    const presence = fake<TunnelPresenceRepository>('tunnelPresence', {
      peerSecret: async (candidate) => {
        assert.equal(candidate.length, 32);
        return stored;
      },
    });
    const secret = await loadPeerSecret({
      store: { tunnelPresence: presence },
      caKeys,
      randomBytes: (length) => new Uint8Array(length).fill(7),
    });
    assert.deepEqual([...secret], new Array(32).fill(0xee));
    assert.deepEqual(sealedWith, [PEER_SECRET_CONTEXT]);
  });
});
