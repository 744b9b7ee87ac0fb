import assert from 'node:assert/strict';
import {
  NO_TRUSTED_PROXIES,
  clientAddress,
  parseTrustedProxies,
} from '../../../server/src/domain/client-address.js';

describe('domain: the client address behind trusted proxies', () => {
  const proxies = parseTrustedProxies(['10.0.0.0/8', '2001:db8::/32', '127.0.0.1']);
  const cases: [string, string | undefined, string | string[] | undefined, string | undefined][] = [
    ['no proxy: the peer, whatever X-Forwarded-For says', '203.0.113.9', '198.51.100.1', '203.0.113.9'],
    ['an untrusted peer cannot name another client', '198.51.100.7', '10.1.1.1', '198.51.100.7'],
    ['a trusted proxy: its last hop is the client', '10.0.0.2', '203.0.113.9', '203.0.113.9'],
    [
      'two proxies: the rightmost untrusted hop, not what the client wrote on the left',
      '10.0.0.2',
      '1.1.1.1, 203.0.113.9, 10.0.0.3',
      '203.0.113.9',
    ],
    ['several headers are one list', '10.0.0.2', ['1.1.1.1', '203.0.113.9'], '203.0.113.9'],
    ['all hops trusted: the leftmost', '10.0.0.2', '10.0.0.9, 10.0.0.3', '10.0.0.9'],
    ['no header from a proxy: the proxy', '10.0.0.2', undefined, '10.0.0.2'],
    ['garbage stops the walk at the last trusted hop', '10.0.0.2', '203.0.113.9, nonsense', '10.0.0.2'],
    ['an IPv4-mapped peer is IPv4', '::ffff:10.0.0.2', '203.0.113.9', '203.0.113.9'],
    ['IPv6 proxies and clients', '2001:db8::5', '2001:db8:ffff::1, 2a00::1', '2a00::1'],
    ['an unknown peer is unknown', undefined, '203.0.113.9', undefined],
  ];
  for (const [what, peer, header, expected] of cases) {
    it(what, () => assert.equal(clientAddress(peer, header, proxies), expected));
  }

  it('with no trusted proxies X-Forwarded-For is never read', () => {
    assert.equal(clientAddress('127.0.0.1', '203.0.113.9', NO_TRUSTED_PROXIES), '127.0.0.1');
  });

  it('refuses what is not an address or range, naming the setting', () => {
    assert.throws(
      () => parseTrustedProxies(['10.0.0.0/8', 'proxy.example']),
      /--trusted-proxy: "proxy.example"/,
    );
  });
});
