// An attacker's finding, kept (agent/src/adapters/tunnel/connector-dialer.ts `allows`): node's BlockList
// checks an IPv4 address against IPv6 ranges through its ::ffff: form, so `--route ::/0` once let the
// connector dial every IPv4 host, its own 127.0.0.1 too. Against a real loopback listener.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { ConnectorDialer } from '../../../../../agent/src/adapters/tunnel/connector-dialer.js';
import { parseConnectorRoute } from '../../../../../agent/src/domain/tunnel/connector-routes.js';

const dialer = (...routes: string[]) => new ConnectorDialer(routes.map(parseConnectorRoute));

describe('agent/adapters/tunnel/connector-dialer: IPv6 ranges hold no IPv4 host', () => {
  it('an IPv6 route, even ::/0, holds no IPv4 address: not plain, not IPv4-mapped', () => {
    // `--route ::/0` ("all of IPv6") must not let the server make the connector dial 127.0.0.1 (its own
    // loopback services), the cloud metadata address, or any IPv4 range nobody agreed to.
    const everyV6 = dialer('::/0');
    assert.equal(everyV6.allows('2001:db8::1'), true);
    assert.equal(everyV6.allows('127.0.0.1'), false, '127.0.0.1 through ::/0');
    assert.equal(everyV6.allows('10.1.2.3'), false, '10.1.2.3 through ::/0');
    assert.equal(everyV6.allows('::ffff:127.0.0.1'), false, '::ffff:127.0.0.1 through ::/0');
    assert.equal(everyV6.allows('::ffff:7f00:1'), false, '::ffff:7f00:1 through ::/0');
    const wideV6 = dialer('::/80');
    assert.equal(wideV6.allows('169.254.169.254'), false, 'the cloud metadata address through ::/80');
  });
  it("so `--route ::/0` does not connect to a service listening on the connector's 127.0.0.1", async () => {
    let accepted = 0;
    const server = createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      for (const address of ['127.0.0.1', '::ffff:127.0.0.1']) {
        const outcome = await dialer('::/0').dial(address, port);
        if (outcome.ok) outcome.socket.destroy();
        assert.deepEqual(outcome.ok ? 'connected' : outcome.status, 403, `${address} dialled through ::/0`);
      }
      assert.equal(accepted, 0, 'nothing reached the loopback listener');
    } finally {
      server.close();
    }
  });
});
