/**
 * What a failed forward to a peer tells (server/src/adapters/http/tunnel/tunnel-peering.ts): the error's
 * message, with the peer's address and what it said, is for the server log; a person is told only the
 * agent's own refusal, when a peer relayed one (tunnel-endpoints.ts), never the peer's address or text.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  PeerForwardingError,
  TunnelPeering,
} from '../../../../server/src/adapters/http/tunnel/tunnel-peering.js';
import type { Services } from '../../../../server/src/app/services.js';

const services = {
  store: {
    tunnelPresence: {
      registerServer: async () => undefined,
      replaceLinks: async () => undefined,
      heartbeat: async () => true,
      pruneServers: async () => 0,
      liveServers: async () => [],
      peerSecret: async (candidate: Uint8Array) => candidate,
      removeServer: async () => undefined,
    },
  },
  clock: () => new Date(),
  randomBytes: (length: number) => new Uint8Array(length),
  caKeys: { seal: async (bytes: Uint8Array) => bytes, open: async (bytes: Uint8Array) => bytes },
} as unknown as Services;

/** A peer that refuses every forwarded stream with `message` (the error envelope, 503). */
async function refusingPeer(message: string): Promise<Server> {
  const server = createServer((_request, response) => response.end());
  server.on('upgrade', (_request, socket) => {
    const body = JSON.stringify({ success: false, errors: [{ code: 'unavailable', message }], result: null });
    socket.end(
      `HTTP/1.1 503 Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('tunnel peering: a forward that fails', function () {
  this.timeout(30_000);
  let peering: TunnelPeering;
  const servers: Server[] = [];
  before(async () => {
    peering = new TunnelPeering(
      services,
      {},
      { info() {}, warn() {} },
      () => [],
      () => undefined,
    );
    await peering.start({ secure: false, host: '127.0.0.1', port: 1 });
  });
  after(async () => {
    await peering.stop();
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  const forwardTo = (peerUrl: string) =>
    peering
      .forward(
        [{ serverId: 'peer', agentId: 'agent', accountId: 'account', connectedAt: new Date(), peerUrl }],
        { streamId: 'stream', person: 'bob@corp.example', clientAddress: undefined, port: 22 },
        { pingIntervalMs: 20_000, deadAfterMs: 45_000 },
      )
      .then(
        () => assert.fail('forwarded'),
        (error: unknown) => error,
      );

  it('a dead peer: the detail names it (for the log); there is no agent answer to tell', async () => {
    const dead = await refusingPeer('unused');
    const url = urlOf(dead);
    await new Promise((resolve) => dead.close(resolve));
    const error = await forwardTo(url);
    assert.ok(error instanceof PeerForwardingError, String(error));
    assert.ok(error.message.includes(url));
    assert.equal(error.agentAnswer, undefined);
  });

  it("a peer's own refusal is not the agent's answer", async () => {
    const peer = await refusingPeer('agent agent has no tunnel to this server now');
    servers.push(peer);
    const error = await forwardTo(urlOf(peer));
    assert.ok(error instanceof PeerForwardingError);
    assert.equal(error.agentAnswer, undefined);
  });

  it("the agent's refusal, relayed by the peer, is kept to tell the person", async () => {
    const answer = 'the agent refused the stream (HTTP 403: this agent is no connector (it has no --route))';
    const peer = await refusingPeer(answer);
    servers.push(peer);
    const error = await forwardTo(urlOf(peer));
    assert.ok(error instanceof PeerForwardingError);
    assert.equal(error.agentAnswer, answer);
  });
});
