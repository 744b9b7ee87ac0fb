/**
 * Tunnel presence on SQLite and PostgreSQL (migration 0017): servers register and beat, readers see only
 * live ones (rows are the truth), a stale server is pruned with its links, a clean stop removes a
 * server's rows, links are found newest first, and concurrent first starts agree on one peer secret.
 */
import assert from 'node:assert/strict';
import { openStore } from '../../../../server/src/adapters/db/open-store.js';
import type { Store } from '../../../../server/src/app/ports/store.js';
import { storeBackends } from '../support/store-backends.js';

const ACCOUNT = '00000000-0000-4000-8000-0000000000aa';

for (const backend of storeBackends('tunnel-presence-store')) {
  describe(`tunnel presence store on ${backend.name}`, function () {
    this.timeout(60_000);
    let store: Store;
    let other: Store;
    let time: number;

    before(() => backend.setUp());
    after(() => backend.tearDown());
    beforeEach(async () => {
      time = Date.parse('2026-12-07T12:00:00.000Z');
      const options = await backend.freshDatabase();
      store = await openStore({ ...options, clock: () => new Date(time) });
      // A second process on the same database.
      other = await openStore({ ...options, clock: () => new Date(time) });
    });
    afterEach(async () => {
      await other?.close();
      await store?.close();
    });

    const at = (offsetMs: number) => new Date(Date.parse('2026-12-07T12:00:00.000Z') + offsetMs);

    it('registers, beats and answers the live servers only', async () => {
      await store.tunnelPresence.registerServer({ id: 'a', peerUrl: 'http://a:1', tunnelUrl: 'http://a:2' });
      time += 1000;
      await other.tunnelPresence.registerServer({ id: 'b', peerUrl: 'http://b:1', tunnelUrl: 'http://b:1' });
      const both = await store.tunnelPresence.liveServers(at(0));
      assert.deepEqual(
        both.map((server) => [server.id, server.peerUrl, server.tunnelUrl]),
        [
          ['a', 'http://a:1', 'http://a:2'],
          ['b', 'http://b:1', 'http://b:1'],
        ],
      );
      time += 5000;
      assert.equal(await store.tunnelPresence.heartbeat('a'), true);
      // b last beat at +1 s: stale for a reader tolerating 3 s.
      const live = await other.tunnelPresence.liveServers(new Date(time - 3000));
      assert.deepEqual(
        live.map((server) => server.id),
        ['a'],
      );
      assert.equal(live[0]!.heartbeatAt.getTime(), time);
      assert.equal(await store.tunnelPresence.heartbeat('nobody'), false);
    });

    it('finds links on live servers only, newest first, and prunes a stale server with its links', async () => {
      await store.tunnelPresence.registerServer({ id: 'a', peerUrl: 'http://a:1', tunnelUrl: 'http://a:1' });
      await other.tunnelPresence.registerServer({ id: 'b', peerUrl: 'http://b:1', tunnelUrl: 'http://b:1' });
      await store.tunnelPresence.addLink('a', { agentId: 'agent-1', accountId: ACCOUNT });
      time += 1000;
      await other.tunnelPresence.addLink('b', { agentId: 'agent-1', accountId: ACCOUNT });
      await other.tunnelPresence.addLink('b', { agentId: 'agent-2', accountId: ACCOUNT });
      const links = await store.tunnelPresence.linksOf(['agent-1', 'agent-3'], at(0));
      assert.deepEqual(
        links.map((link) => [link.serverId, link.agentId, link.peerUrl, link.accountId]),
        [
          ['b', 'agent-1', 'http://b:1', ACCOUNT],
          ['a', 'agent-1', 'http://a:1', ACCOUNT],
        ],
      );
      // a goes silent; b beats on.
      time += 10_000;
      await other.tunnelPresence.heartbeat('b');
      const live = await store.tunnelPresence.linksOf(['agent-1'], new Date(time - 6000));
      assert.deepEqual(
        live.map((link) => link.serverId),
        ['b'],
      );
      assert.equal(await other.tunnelPresence.pruneServers(new Date(time - 6000)), 1);
      assert.deepEqual(
        (await store.tunnelPresence.linksOf(['agent-1'], at(-60_000))).map((link) => link.serverId),
        ['b'],
      );
      // a notices it was pruned and registers again with the links it holds.
      assert.equal(await store.tunnelPresence.heartbeat('a'), false);
      await store.tunnelPresence.registerServer({ id: 'a', peerUrl: 'http://a:1', tunnelUrl: 'http://a:1' });
      await store.tunnelPresence.replaceLinks('a', [{ agentId: 'agent-3', accountId: ACCOUNT }]);
      assert.deepEqual(
        (await other.tunnelPresence.linksOf(['agent-1', 'agent-3'], new Date(time))).map((link) => [
          link.serverId,
          link.agentId,
        ]),
        [
          ['a', 'agent-3'],
          ['b', 'agent-1'],
        ],
      );
    });

    it('a link removed, and a server stopped cleanly, are gone at once', async () => {
      await store.tunnelPresence.registerServer({ id: 'a', peerUrl: 'http://a:1', tunnelUrl: 'http://a:1' });
      await store.tunnelPresence.addLink('a', { agentId: 'agent-1', accountId: ACCOUNT });
      await store.tunnelPresence.addLink('a', { agentId: 'agent-2', accountId: ACCOUNT });
      await store.tunnelPresence.removeLink('a', 'agent-1');
      assert.deepEqual(
        (await other.tunnelPresence.linksOf(['agent-1', 'agent-2'], at(0))).map((link) => link.agentId),
        ['agent-2'],
      );
      await store.tunnelPresence.removeServer('a');
      assert.deepEqual(await other.tunnelPresence.liveServers(at(-1000)), []);
      assert.deepEqual(await other.tunnelPresence.linksOf(['agent-2'], at(-1000)), []);
    });

    it("replaces 20,000 link rows at once (past SQLite's and PostgreSQL's bind limits)", async () => {
      await store.tunnelPresence.registerServer({ id: 'a', peerUrl: 'http://a:1', tunnelUrl: 'http://a:1' });
      const links = Array.from({ length: 20_000 }, (_, i) => ({ agentId: `agent-${i}`, accountId: ACCOUNT }));
      await store.tunnelPresence.replaceLinks('a', links);
      const found = await other.tunnelPresence.linksOf(['agent-0', 'agent-9999', 'agent-19999'], at(0));
      assert.deepEqual(found.map((link) => link.agentId).sort(), ['agent-0', 'agent-19999', 'agent-9999']);
    });

    it('concurrent first starts agree on one peer secret', async () => {
      const candidates = [1, 2, 3, 4].map((n) => new Uint8Array(32).fill(n));
      const secrets = await Promise.all(
        candidates.map((candidate, index) =>
          (index % 2 === 0 ? store : other).tunnelPresence.peerSecret(candidate),
        ),
      );
      for (const secret of secrets) assert.deepEqual(Buffer.from(secret), Buffer.from(secrets[0]!));
      assert.ok(candidates.some((candidate) => Buffer.from(candidate).equals(Buffer.from(secrets[0]!))));
      assert.deepEqual(
        Buffer.from(await other.tunnelPresence.peerSecret(new Uint8Array(32).fill(9))),
        Buffer.from(secrets[0]!),
      );
    });
  });
}
