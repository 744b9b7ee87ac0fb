/**
 * Issue #14: "a slow reader must not grow the relay's memory beyond its windows", and one person's stalled
 * streams must not stall anyone else's on the same agent link.
 *
 * The attack this models: a signed-in person opens streams and stops reading them. An SSH client cannot
 * do that by accident (its channel window holds the sender), but a hostile one can keep granting window
 * while it reads nothing, so the tunnel's own backpressure is all that stands between the source and the
 * memory of the access server and the agent. Here the source is a TCP service behind a connector (web-1's
 * agent, `--route 127.77.0.0/24`) that writes as fast as the kernel takes its bytes; the reader is a raw
 * WebSocket client of `/v1/tunnel/connect` that pauses its socket.
 *
 * Ten stalled streams hold more than eight streams' windows, what the link's HTTP/2 connection window once
 * was (shared/src/tunnel/tunnel-protocol.ts says why it no longer binds), so if a stalled stream's bytes
 * counted against a shared window, the eleventh stream, a fast one, could not finish. Then each stalled source must have stopped well short of what it offered,
 * bounded by the windows and socket buffers on the way.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { eventually, findFreePort, registerCleanup } from '../../harness/index.js';
import { startFrontWorld, type FrontWorld } from '../front/front-fixture.js';
import { signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import type { Json } from '../server/server-process.js';

const SOURCE_ADDRESS = '127.77.0.5';
const MIB = 1024 * 1024;
/** What each stalled source offers: far more than any window or buffer on the way may hold. */
const STALLED_OFFER = 128 * MIB;
const STALLED_STREAMS = 10;
const FAST_BYTES = 64 * MIB;
/**
 * The most a stalled source may get rid of: the HTTP/2 stream window (2 MiB) plus the socket buffers of
 * three loopback hops (source to agent, server to reader; Linux autotunes each up to a few MiB) and the
 * streams' small high-water marks. Measured: see the test's output.
 */
const STALLED_BOUND = 40 * MIB;

/** A TCP service that sends what the first line asks for ("N\n": N bytes of a repeating block). */
class Source {
  readonly block = randomBytes(64 * 1024);
  readonly connections: { accepted: () => number; blocked: boolean; finished: boolean }[] = [];
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.port = await findFreePort(SOURCE_ADDRESS);
    this.server = createServer((socket) => void this.serve(socket));
    this.server.listen(this.port, SOURCE_ADDRESS);
    await once(this.server, 'listening');
    registerCleanup(`slow-reader source on ${SOURCE_ADDRESS}:${this.port}`, async () => {
      for (const socket of this.sockets) socket.destroy();
      this.server.close();
    });
  }

  private readonly sockets = new Set<Socket>();

  private async serve(socket: Socket): Promise<void> {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
    let asked = '';
    while (!asked.includes('\n')) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      asked += chunk.toString();
    }
    socket.pause();
    const wanted = Number(asked.trim());
    let written = 0;
    const state = {
      // What the kernel has taken: written minus what Node still queues.
      accepted: () => written - socket.writableLength,
      blocked: false,
      finished: false,
    };
    this.connections.push(state);
    while (written < wanted && !socket.destroyed) {
      const piece = this.block.subarray(0, Math.min(this.block.length, wanted - written));
      written += piece.length;
      if (!socket.write(piece)) {
        state.blocked = true;
        await new Promise<void>((resolve) => {
          const go = () => {
            socket.off('drain', go).off('close', go);
            resolve();
          };
          socket.on('drain', go).on('close', go);
        });
        state.blocked = false;
      }
    }
    socket.end();
    state.finished = true;
  }

  /** The SHA-256 of `bytes` bytes of this source's stream. */
  digestOf(bytes: number): string {
    const hash = createHash('sha256');
    for (let done = 0; done < bytes; done += this.block.length) {
      hash.update(this.block.subarray(0, Math.min(this.block.length, bytes - done)));
    }
    return hash.digest('hex');
  }
}

/** A person's raw stream: a WebSocket of /v1/tunnel/connect whose reading can be paused. */
class RawStream {
  received = 0;
  private readonly hash = createHash('sha256');
  readonly closed: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.received += data.length;
      this.hash.update(data);
    });
    this.closed = new Promise((resolve) => ws.on('close', () => resolve()));
  }

  static async open(world: FrontWorld, token: string, target: string, port: number): Promise<RawStream> {
    const url = `${world.server.url.replace(/^http/, 'ws')}/v1/tunnel/connect?target=${target}&port=${port}`;
    const ws = new WebSocket(url, 'latchkey.stream.v1', { headers: { authorization: `Bearer ${token}` } });
    const stream = new RawStream(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`the tunnel refused the stream: ${response.statusCode}`)),
      );
      ws.once('error', reject);
    });
    return stream;
  }

  ask(bytes: number): void {
    this.ws.send(Buffer.from(`${bytes}\n`));
  }

  digest(): string {
    return this.hash.copy().digest('hex');
  }
}

const rssMiB = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
};

describe('tunnel: a slow reader holds its source, not the relay, and stalls nobody else', function () {
  this.timeout(300_000);
  let world: FrontWorld;
  let source: Source;
  let token: string;
  let targetId: string;

  before(async function () {
    this.timeout(600_000);
    world = await startFrontWorld({ agentArgs: ['--route', '127.77.0.0/24'] });
    await world.web.agent.waitForOutput(/tunnel: connected to /, 30_000);
    source = new Source();
    await source.start();
    const agents = (await world.admin('GET', '/latchkey/agents')) as Json[];
    const webAgent = agents.find((agent) => agent.target_id === world.web.targetId);
    assert.ok(webAgent, JSON.stringify(agents));
    await world.admin('POST', '/teamnet/routes', { network: '127.77.0.0/24', tunnel_id: webAgent.id });
    const hostname = `source-${process.pid}`;
    await world.admin('POST', '/access/apps', {
      name: `${hostname} raw`,
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: [hostname] }, port: source.port, protocol: 'SSH' }],
      policies: [
        {
          name: 'bob reads the source',
          decision: 'allow',
          include: [{ email: { email: 'bob@corp.example' } }],
          connection_rules: { ssh: { usernames: [world.user.name] } },
        },
      ],
    });
    targetId = (
      await world.admin('POST', '/infrastructure/targets', {
        hostname,
        ip: { ipv4: { ip_addr: SOURCE_ADDRESS } },
      })
    ).id as string;
    token = (await signInBuiltIn(world.server.url, 'bob@corp.example', 'bob@corp.example long password'))
      .access_token;
  });

  after(async () => {
    await world?.stop();
  });

  it('ten stalled streams stop their sources within the windows; a fast stream beside them finishes', async () => {
    const serverPid = world.server.pid;
    const agentPid = world.web.agent.child.pid!;
    const before = { server: await rssMiB(serverPid), agent: await rssMiB(agentPid) };

    const stalled: RawStream[] = [];
    for (let i = 0; i < STALLED_STREAMS; i++) {
      const stream = await RawStream.open(world, token, targetId, source.port);
      stream.ws.pause();
      stream.ask(STALLED_OFFER);
      stalled.push(stream);
    }
    // Every stalled source has started sending before the fast stream opens.
    await eventually('every stalled source sending', 60_000, async () =>
      source.connections.length === STALLED_STREAMS ? true : undefined,
    );

    const fast = await RawStream.open(world, token, targetId, source.port);
    fast.ask(FAST_BYTES);
    await fast.closed;
    assert.equal(fast.received, FAST_BYTES, 'the fast stream beside the stalled ones got every byte');
    assert.equal(fast.digest(), source.digestOf(FAST_BYTES));

    // The stalled sources are held: each waits for a drain that does not come, well short of its offer.
    // (If the relay buffered without bound, they would finish: that fails at once.)
    const stalledSources = source.connections.slice(0, STALLED_STREAMS);
    let previous = stalledSources.map((state) => state.accepted());
    let steadySince = Date.now();
    await eventually('the stalled sources held', 120_000, async () => {
      const finished = stalledSources.filter((state) => state.finished).length;
      assert.equal(
        finished,
        0,
        `${finished} stalled sources sent all ${STALLED_OFFER} bytes: nothing held them`,
      );
      const now = stalledSources.map((state) => state.accepted());
      if (now.some((bytes, i) => bytes !== previous[i]) || stalledSources.some((state) => !state.blocked)) {
        previous = now;
        steadySince = Date.now();
        return undefined;
      }
      return Date.now() - steadySince >= 1000 ? true : undefined;
    });
    const held = stalledSources.map((state) => state.accepted());
    const during = { server: await rssMiB(serverPid), agent: await rssMiB(agentPid) };
    console.log(
      `      each stalled source held after ${(Math.min(...held) / MIB).toFixed(1)}–${(Math.max(...held) / MIB).toFixed(1)} MiB ` +
        `of ${STALLED_OFFER / MIB}; RSS server ${before.server.toFixed(0)} → ${during.server.toFixed(0)} MiB, ` +
        `agent ${before.agent.toFixed(0)} → ${during.agent.toFixed(0)} MiB`,
    );
    for (const bytes of held) {
      assert.ok(
        bytes <= STALLED_BOUND,
        `a stalled source got rid of ${bytes} bytes (bound ${STALLED_BOUND})`,
      );
    }

    // (A stalled stream is not read again here: a reader that stops reading stops answering the server's
    // pings too, and the server cuts it after 45 s of silence, by design; how long the steps above take
    // on a loaded machine is not bounded.)
    for (const stream of stalled) stream.ws.terminate();
  });
});
