/**
 * One real server (SQLite) and one agent's tunnel links (agent-links.ts): a second link of the same agent
 * that lands on the server holding its first (a load balancer sent it there) is refused with 409 and
 * leaves the first link up; the same link again (an agent that restarted) replaces the older one. And
 * forged forwarded streams (`/v1/tunnel/peer`) are cut by a rate limit per address, their refusals
 * summarised in the log.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import {
  AGENT_SUBPROTOCOL,
  PEER_SUBPROTOCOL,
  TUNNEL_LINK_HEADER,
} from '@latchkey/shared/tunnel/tunnel-protocol';
import { PEER_UPGRADES_PER_ADDRESS } from '../../../server/src/adapters/http/tunnel/tunnel-endpoints.js';
import { PEER_REQUEST_HEADER } from '../../../server/src/domain/tunnel-peering.js';
import { TunnelClient } from '../../../agent/src/adapters/tunnel/tunnel-client.js';
import { eventually, findFreePort } from '../../harness/index.js';
import { api, startServerProcess, type ServerProcess } from '../server/server-process.js';

describe('tunnel: one server, one agent, two links', function () {
  this.timeout(180_000);
  let base: string;
  let server: ServerProcess;
  let token: string;
  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'latchkey-agent-links-'));
    const port = await findFreePort('127.0.0.1');
    server = await startServerProcess([
      '--data-dir',
      path.join(base, 'server'),
      '--listen',
      `127.0.0.1:${port}`,
    ]);
    const admin = (await readFile(path.join(base, 'server', 'admin.token'), 'utf8')).trim();
    const accounts = await api(server, 'GET', '/client/v4/accounts', admin);
    const join = await api(
      server,
      'POST',
      `/client/v4/accounts/${accounts.body.result[0].id}/latchkey/join_tokens`,
      admin,
      { name: 'links', max_uses: 1 },
    );
    const response = await fetch(`${server.url}/v1/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        join_token: join.body.result.token,
        hostname: 'links-agent',
        agent: { version: 'test', machine_id: randomBytes(16).toString('hex') },
      }),
    });
    token = ((await response.json()) as { result: { api_token: string } }).result.api_token;
  });
  after(async () => {
    await server?.stop();
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  });

  /** A bare tunnel upgrade as link `index` of the agent: 101 (then closed by us) or the refusal's status. */
  const dialLink = (index: string) =>
    new Promise<{ status: number; ws?: WebSocket }>((resolve) => {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/tunnel/agent`, AGENT_SUBPROTOCOL, {
        headers: { authorization: `Bearer ${token}`, [TUNNEL_LINK_HEADER]: index },
      });
      ws.on('open', () => resolve({ status: 101, ws }));
      ws.on('unexpected-response', (_request, response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      });
      ws.on('error', () => resolve({ status: 0 }));
    });

  it("the agent's other link is refused (409) and its first link stays; the same link replaces it", async () => {
    const lines: string[] = [];
    const abort = new AbortController();
    const client = new TunnelClient({
      server: server.url,
      token: () => token,
      accept: (stream) => stream.destroy(),
      log: (line) => lines.push(line),
      random: () => 0.5,
      links: 1,
    });
    const running = client.run(abort.signal);
    try {
      await eventually('the first link up', 30_000, async () => (client.up ? true : undefined));
      const other = await dialLink('1');
      assert.equal(other.status, 409);
      await eventually('the refusal logged', 10_000, async () =>
        /link 1 refused: its other link is here/.test(server.output()) ? true : undefined,
      );
      assert.ok(client.up, 'the first link is still up');
      assert.ok(!lines.some((line) => /link closed/.test(line)), lines.join('\n'));
      // The same link again (this agent restarted): the newer one wins.
      const same = await dialLink('0');
      assert.equal(same.status, 101);
      await eventually('the older link cut', 10_000, async () =>
        lines.some((line) => /link closed/.test(line)) ? true : undefined,
      );
      same.ws?.terminate();
    } finally {
      abort.abort();
      await running;
    }
  });

  it('an agent refused (409) dials again after the backoff, not in a tight loop', async () => {
    // Link 1 of the agent holds this server: the agent's link 0 (through a "balancer") lands here too.
    const other = await dialLink('1');
    assert.equal(other.status, 101);
    const lines: string[] = [];
    const abort = new AbortController();
    const client = new TunnelClient({
      server: server.url,
      token: () => token,
      accept: (stream) => stream.destroy(),
      log: (line) => lines.push(line),
      random: () => 0.5,
      links: 1,
    });
    const from = server.output().length;
    const refusals = () =>
      (
        server
          .output()
          .slice(from)
          .match(/link 0 refused/g) ?? []
      ).length;
    const running = client.run(abort.signal);
    try {
      await eventually('a first refusal', 10_000, async () => (refusals() >= 1 ? true : undefined));
      const firstAt = Date.now();
      await eventually('a fourth refusal', 20_000, async () => (refusals() >= 4 ? true : undefined));
      // The backoff's first three delays at this jitter: 0.25 + 0.5 + 1 s (a tight loop: 3 × 0.125 s).
      assert.ok(Date.now() - firstAt >= 1_200, `${Date.now() - firstAt} ms for three redials`);
      assert.ok(
        lines.some((line) => /HTTP 409/.test(line)),
        lines.join('\n'),
      );
      assert.equal(other.ws?.readyState, WebSocket.OPEN, 'the other link is still up');
    } finally {
      abort.abort();
      await running;
      other.ws?.terminate();
    }
  });

  it('forged forwarded streams from one address are rate-limited, and their refusals summarised', async () => {
    const forged = () =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/tunnel/peer`, PEER_SUBPROTOCOL, {
          headers: { [PEER_REQUEST_HEADER]: 'Zm9yZ2Vk.Zm9yZ2Vk' },
        });
        ws.on('open', () => {
          ws.terminate();
          resolve(101);
        });
        ws.on('unexpected-response', (_request, response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        ws.on('error', () => resolve(0));
      });
    const statuses: number[] = [];
    while (statuses.length <= 4 * PEER_UPGRADES_PER_ADDRESS.burst && !statuses.includes(503)) {
      statuses.push(...(await Promise.all(Array.from({ length: 50 }, forged))));
    }
    assert.ok(
      statuses.includes(503),
      `no 503 among ${statuses.length} forged upgrades: ${[...new Set(statuses)].join(' ')}`,
    );
    assert.ok(
      statuses.every((status) => status === 401 || status === 503),
      statuses.join(' '),
    );
    const summaries = server.output().match(/refused \d+ forwarded stream\(s\)/g) ?? [];
    assert.ok(summaries.length <= 2, summaries.join('\n'));
  });
});
