// The connector's dials (agent/src/adapters/tunnel/connector-dialer.ts) against real loopback sockets:
// inside a --route range it connects; outside, nothing is dialled at all.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { ConnectorDialer } from '../../../../../agent/src/adapters/tunnel/connector-dialer.js';
import { parseConnectorRoute } from '../../../../../agent/src/domain/tunnel/connector-routes.js';

describe('agent/adapters/tunnel/connector-dialer', () => {
  let server: Server;
  let port: number;
  let accepted = 0;

  before(async () => {
    server = createServer((socket) => {
      accepted++;
      socket.end('hello from the private host\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it('dials an address inside its routes', async () => {
    const dialer = new ConnectorDialer([parseConnectorRoute('127.0.0.0/8')]);
    const outcome = await dialer.dial('127.0.0.1', port);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    const chunks: Buffer[] = [];
    for await (const chunk of outcome.socket) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'hello from the private host\n');
  });

  it('refuses an address outside its routes without dialling it', async () => {
    const before = accepted;
    const dialer = new ConnectorDialer([
      parseConnectorRoute('10.77.0.0/24'),
      parseConnectorRoute('fd00::/64'),
    ]);
    assert.equal(dialer.allows('10.77.0.200'), true);
    assert.equal(dialer.allows('fd00::5'), true);
    assert.equal(dialer.allows('10.77.1.1'), false);
    assert.equal(dialer.allows('fd01::5'), false);
    const outcome = await dialer.dial('127.0.0.1', port);
    assert.deepEqual(outcome, {
      ok: false,
      status: 403,
      reason: "127.0.0.1 is in none of this agent's --route ranges",
    });
    assert.equal(accepted, before, 'nothing reached the listener');
  });

  it('says so when nothing listens at the address', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const freePort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const outcome = await new ConnectorDialer([parseConnectorRoute('127.0.0.1')]).dial('127.0.0.1', freePort);
    assert.equal(outcome.ok, false);
    assert.match(
      outcome.ok ? '' : `${outcome.status} ${outcome.reason}`,
      /^502 127\.0\.0\.1:\d+: connect ECONNREFUSED/,
    );
  });
});
