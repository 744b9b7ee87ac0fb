// TunnelPeering's presence bookkeeping (server/src/adapters/http/tunnel/tunnel-peering.ts) on an in-memory
// store with a live peer: link rows are repaired after a failed write, a link that connects while the
// rows are being written is recorded, a failed re-registration's links are written again, and stop()
// waits for a running beat, which does not register the stopping server again.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { TunnelPeering } from '../../../../../server/src/adapters/http/tunnel/tunnel-peering.js';
import type { Services } from '../../../../../server/src/app/services.js';

interface Link {
  agentId: string;
  accountId: string;
}

/** A presence store in memory, with a live peer 'peer'; `gates` hold a call, `failing` fails it. */
function fakeWorld(peer: 'a peer' | 'alone' = 'a peer') {
  const servers = new Map<string, { peerUrl: string; tunnelUrl: string; at: Date }>(
    peer === 'alone'
      ? []
      : [['peer', { peerUrl: 'http://peer:1', tunnelUrl: 'http://peer:1', at: new Date() }]],
  );
  const links = new Map<string, Link & { serverId: string }>();
  const gates = new Map<string, Promise<void>>();
  const failing = new Set<string>();
  const gate = async (name: string) => {
    await gates.get(name);
    if (failing.has(name)) throw new Error(`${name}: the database is away`);
  };
  const mine = (serverId: string) => [...links.values()].filter((link) => link.serverId === serverId);
  const tunnelPresence = {
    async registerServer(server: { id: string; peerUrl: string; tunnelUrl: string }) {
      await gate('registerServer');
      servers.set(server.id, { ...server, at: new Date() });
    },
    async heartbeat(id: string) {
      await gate('heartbeat');
      return servers.has(id);
    },
    async removeServer(id: string) {
      servers.delete(id);
      for (const link of mine(id)) links.delete(`${id} ${link.agentId}`);
    },
    pruneServers: async () => 0,
    liveServers: async () =>
      [...servers].map(([id, server]) => ({ id, ...server, startedAt: server.at, heartbeatAt: server.at })),
    async addLink(serverId: string, link: Link) {
      await gate('addLink');
      links.set(`${serverId} ${link.agentId}`, { serverId, ...link });
    },
    async removeLink(serverId: string, agentId: string) {
      await gate('removeLink');
      links.delete(`${serverId} ${agentId}`);
    },
    async replaceLinks(serverId: string, held: readonly Link[]) {
      await gate('replaceLinks');
      for (const link of mine(serverId)) links.delete(`${serverId} ${link.agentId}`);
      for (const link of held) links.set(`${serverId} ${link.agentId}`, { serverId, ...link });
    },
    linksOf: async () => [],
    peerSecret: async (candidate: Uint8Array) => candidate,
  };
  const services = {
    store: { tunnelPresence },
    clock: () => new Date(),
    randomBytes: (length: number) => new Uint8Array(length).fill(7),
    caKeys: { seal: async (bytes: Uint8Array) => bytes, open: async (bytes: Uint8Array) => bytes },
  } as unknown as Services;
  return { services, servers, links, gates, failing, mine };
}

const quiet = { info: () => undefined, warn: () => undefined };
const deferred = () => {
  let release!: () => void;
  const wait = new Promise<void>((resolve) => (release = resolve));
  return { wait, release };
};
/** Lets queued promise callbacks run (no timers involved). */
const settle = () => new Promise((resolve) => setImmediate(resolve));
const beat = (peering: TunnelPeering) => (peering as unknown as { beat(): Promise<void> }).beat();

describe('tunnel peering: presence rows', () => {
  const start = (peering: TunnelPeering) => peering.start({ secure: false, host: '127.0.0.1', port: 1 });

  it('a link that connects while the rows are being written is recorded', async () => {
    const world = fakeWorld();
    const held: Link[] = [];
    const peering = new TunnelPeering(
      world.services,
      {},
      quiet,
      () => held,
      () => undefined,
    );
    const gate = deferred();
    world.gates.set('replaceLinks', gate.wait);
    const started = start(peering);
    await settle();
    const link = { agentId: 'agent-late', accountId: 'account' };
    held.push(link);
    peering.linkAdded(link);
    gate.release();
    await started;
    await settle();
    assert.deepEqual(
      world.mine(peering.id).map((row) => row.agentId),
      ['agent-late'],
    );
    await peering.stop();
  });

  it('a link removal that fails once is repaired by the next beat (no ghost row)', async () => {
    const world = fakeWorld();
    const held: Link[] = [{ agentId: 'agent-x', accountId: 'account' }];
    const peering = new TunnelPeering(
      world.services,
      {},
      quiet,
      () => held,
      () => undefined,
    );
    await start(peering);
    assert.equal(world.mine(peering.id).length, 1);
    world.failing.add('removeLink');
    held.pop();
    peering.linkRemoved({ agentId: 'agent-x' });
    await settle();
    world.failing.delete('removeLink');
    assert.equal(world.mine(peering.id).length, 1, 'the ghost row, before the beat');
    await beat(peering);
    assert.equal(world.mine(peering.id).length, 0);
    await peering.stop();
  });

  it('a link addition that fails once is repaired by the next beat (no missing row)', async () => {
    const world = fakeWorld();
    const held: Link[] = [];
    const peering = new TunnelPeering(
      world.services,
      {},
      quiet,
      () => held,
      () => undefined,
    );
    await start(peering);
    world.failing.add('addLink');
    const link = { agentId: 'agent-y', accountId: 'account' };
    held.push(link);
    peering.linkAdded(link);
    await settle();
    world.failing.delete('addLink');
    await beat(peering);
    assert.deepEqual(
      world.mine(peering.id).map((row) => row.agentId),
      ['agent-y'],
    );
    await peering.stop();
  });

  it('a re-registration whose links fail to be written writes them at a later beat', async () => {
    const world = fakeWorld();
    const held: Link[] = [{ agentId: 'agent-z', accountId: 'account' }];
    const peering = new TunnelPeering(
      world.services,
      {},
      quiet,
      () => held,
      () => undefined,
    );
    await start(peering);
    // A peer pruned this server while it stalled.
    world.servers.delete(peering.id);
    world.links.clear();
    world.failing.add('replaceLinks');
    await beat(peering);
    world.failing.delete('replaceLinks');
    await beat(peering);
    assert.ok(world.servers.has(peering.id));
    assert.deepEqual(
      world.mine(peering.id).map((row) => row.agentId),
      ['agent-z'],
    );
    await peering.stop();
  });

  it('stop() waits for a running beat, which does not register the stopping server again', async () => {
    const world = fakeWorld();
    const held: Link[] = [{ agentId: 'agent-w', accountId: 'account' }];
    const peering = new TunnelPeering(
      world.services,
      {},
      quiet,
      () => held,
      () => undefined,
    );
    await start(peering);
    // A beat failed (the database away): the next one writes the link rows afresh.
    world.failing.add('heartbeat');
    await beat(peering);
    world.failing.delete('heartbeat');
    // That beat stalls in its heartbeat; meanwhile a peer prunes this server.
    const gate = deferred();
    world.gates.set('heartbeat', gate.wait);
    const running = beat(peering);
    await settle();
    world.servers.delete(peering.id);
    const stopped = peering.stop();
    await settle();
    gate.release();
    await Promise.all([running, stopped]);
    assert.equal(world.servers.has(peering.id), false, 'the stopped server is registered again');
    assert.equal(world.mine(peering.id).length, 0);
  });
});

describe('tunnel peering: what agents are told', () => {
  it('one server: no server to dial, and never a URL made from the host name', async () => {
    const world = fakeWorld('alone');
    const peering = new TunnelPeering(
      world.services,
      {},
      quiet,
      () => [],
      () => undefined,
    );
    await peering.start({ secure: true, host: '0.0.0.0', port: 8443 });
    const told = peering.advertisement();
    assert.deepEqual(told, { self: { id: peering.id }, servers: [] });
    assert.ok(!JSON.stringify(told).includes(hostname()));
    await peering.stop();
  });

  it('a wildcard listener with a peer: only announced servers, and only an explicit URL', async () => {
    const world = fakeWorld();
    const unannounced = new TunnelPeering(
      world.services,
      {},
      quiet,
      () => [],
      () => undefined,
    );
    await unannounced.start({ secure: true, host: '::', port: 8443 });
    assert.deepEqual(unannounced.advertisement(), {
      self: { id: unannounced.id },
      servers: [{ id: 'peer', url: 'http://peer:1' }],
    });
    await unannounced.stop();
    const explicit = new TunnelPeering(
      world.services,
      { publicUrl: 'https://b.example:8443' },
      quiet,
      () => [],
      () => undefined,
    );
    await explicit.start({ secure: true, host: '0.0.0.0', port: 8443 });
    assert.deepEqual(
      explicit
        .advertisement()
        ?.servers.map((server) => server.url)
        .sort(),
      ['http://peer:1', 'https://b.example:8443'],
    );
    await explicit.stop();
  });

  it('a server listening on a named address is announced at it while a peer is live', async () => {
    const world = fakeWorld();
    const peering = new TunnelPeering(
      world.services,
      {},
      quiet,
      () => [],
      () => undefined,
    );
    await peering.start({ secure: false, host: '127.0.0.1', port: 8080 });
    assert.deepEqual(peering.advertisement()?.self, { id: peering.id, url: 'http://127.0.0.1:8080' });
    await peering.stop();
  });
});

describe('tunnel peering: the hop between servers', () => {
  it('refuses to start on a given plain http peer URL to a non-loopback address, unless allowed', async () => {
    const world = fakeWorld();
    const refused = new TunnelPeering(
      world.services,
      { peerUrl: 'http://10.0.0.5:8080' },
      quiet,
      () => [],
      () => undefined,
    );
    await assert.rejects(
      refused.start({ secure: false, host: '0.0.0.0', port: 8080 }),
      /plain http to a non-loopback address.*--allow-insecure-peers/,
    );
    assert.equal(refused.started, false);
    assert.equal(world.servers.size, 1, 'only the peer is registered');
    const allowed = new TunnelPeering(
      world.services,
      { allowInsecurePeers: true },
      quiet,
      () => [],
      () => undefined,
    );
    await allowed.start({ secure: false, host: '0.0.0.0', port: 8080 });
    assert.ok(allowed.started);
    await allowed.stop();
    const loopback = new TunnelPeering(
      world.services,
      {},
      quiet,
      () => [],
      () => undefined,
    );
    await loopback.start({ secure: false, host: '127.0.0.1', port: 8080 });
    assert.ok(loopback.started);
    await loopback.stop();
  });
});

describe('tunnel peering: a peer URL over plain http', () => {
  const lines = () => {
    const said: { info: string[]; warn: string[] } = { info: [], warn: [] };
    return {
      said,
      log: { info: (line: string) => said.info.push(line), warn: (line: string) => said.warn.push(line) },
    };
  };

  it('made from --listen: the server stays out of presence, said at info level, without failing', async () => {
    const world = fakeWorld('alone');
    const { said, log } = lines();
    const peering = new TunnelPeering(
      world.services,
      {},
      log,
      () => [],
      () => undefined,
    );
    await peering.start({ secure: false, host: '10.0.0.5', port: 8080 });
    assert.equal(peering.started, false);
    assert.equal(world.servers.size, 0, 'not registered');
    assert.deepEqual(said.warn, []);
    assert.equal(said.info.length, 1, said.info.join('\n'));
    assert.match(said.info[0]!, /neither forwards nor is forwarded to.*give --peer-url https:/);
    await peering.stop();
  });
});
