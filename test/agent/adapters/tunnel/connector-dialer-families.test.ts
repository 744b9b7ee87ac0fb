// Attacks on the connector's containment check (agent/src/adapters/tunnel/connector-dialer.ts `allows`),
// which decides before any packet leaves the host. IPv4 and IPv6 are separate families on the server
// (server/src/domain/cidr.ts: "an IPv4-mapped IPv6 address is IPv6 and is inside IPv6 routes only"), and
// an address is dialled as what it reaches on the wire: ::ffff:a.b.c.d is the IPv4 host a.b.c.d.
import assert from 'node:assert/strict';
import { ConnectorDialer } from '../../../../agent/src/adapters/tunnel/connector-dialer.js';
import { parseConnectorRoute } from '../../../../agent/src/domain/tunnel/connector-routes.js';

const dialer = (...routes: string[]) => new ConnectorDialer(routes.map(parseConnectorRoute));

describe('agent/adapters/tunnel/connector-dialer: address families', () => {
  it('an IPv4 route holds the IPv4-mapped spelling of its own addresses, and nothing else', () => {
    const connector = dialer('10.77.0.0/24');
    assert.equal(connector.allows('10.77.0.5'), true);
    assert.equal(connector.allows('::ffff:10.77.0.5'), true, 'the same host on the wire');
    assert.equal(connector.allows('::ffff:a4d:5'), true, 'the same host, hex spelling');
    assert.equal(connector.allows('::ffff:127.0.0.1'), false);
    assert.equal(connector.allows('::ffff:10.77.1.5'), false);
    assert.equal(connector.allows('::a4d:5'), false, 'IPv4-compatible is a different IPv6 address');
    assert.equal(connector.allows('64:ff9b::a4d:5'), false, 'NAT64 is a different IPv6 address');
  });

  it('0.0.0.0/0 holds no IPv6 address; an IPv6 ULA range holds no IPv4 address', () => {
    const everyV4 = dialer('0.0.0.0/0');
    assert.equal(everyV4.allows('::1'), false);
    assert.equal(everyV4.allows('::'), false);
    assert.equal(everyV4.allows('fd00::5'), false);
    const ula = dialer('fd00::/8');
    assert.equal(ula.allows('127.0.0.1'), false);
    assert.equal(ula.allows('::ffff:127.0.0.1'), false);
    assert.equal(ula.allows('10.77.0.5'), false);
  });
});
