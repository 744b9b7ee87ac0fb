import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { canonicalCidr, cidrContains, parseCidr, routeFor } from '../../../server/src/domain/cidr.js';
import type { TunnelRouteRecord } from '../../../server/src/domain/records.js';

describe('domain: CIDR networks of tunnel routes', () => {
  describe('parseCidr and canonicalCidr', () => {
    const good: [string, string, 4 | 6, number][] = [
      ['10.77.0.0/24', '10.77.0.0/24', 4, 24],
      ['0.0.0.0/0', '0.0.0.0/0', 4, 0],
      ['10.77.0.5', '10.77.0.5/32', 4, 32],
      ['10.77.0.5/32', '10.77.0.5/32', 4, 32],
      ['255.255.255.255/32', '255.255.255.255/32', 4, 32],
      ['128.0.0.0/1', '128.0.0.0/1', 4, 1],
      ['fd00::/64', 'fd00::/64', 6, 64],
      ['FD00:0077:0000:0000::/64', 'fd00:77::/64', 6, 64],
      ['fd00:0:0:0:0:0:0:5', 'fd00::5/128', 6, 128],
      ['::/0', '::/0', 6, 0],
      ['2001:db8:0:0:1:0:0:0/80', '2001:db8:0:0:1::/80', 6, 80],
      ['2001:db8::1:0:0:0/80', '2001:db8:0:0:1::/80', 6, 80],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', 6, 128],
      ['::ffff:10.0.0.0/120', '::ffff:a00:0/120', 6, 120],
    ];
    for (const [input, canonical, family, prefix] of good) {
      it(`${input} → ${canonical}`, () => {
        const parsed = parseCidr(input);
        assert.equal(parsed.text, canonical);
        assert.equal(parsed.family, family);
        assert.equal(parsed.prefix, prefix);
        assert.equal(canonicalCidr(input), canonical);
        assert.equal(canonicalCidr(canonical), canonical, 'the canonical form is a fixed point');
      });
    }

    const bad: [string, RegExp][] = [
      ['10.77.0.5/24', /"10\.77\.0\.5\/24" has host bits set past \/24: the network is 10\.77\.0\.0\/24$/],
      ['10.0.0.1/0', /host bits set past \/0: the network is 0\.0\.0\.0\/0/],
      ['fd00::5/64', /host bits set past \/64: the network is fd00::\/64/],
      ['fd00:77::1:0/96', /the network is fd00:77::\/96/],
      ['10.0.0.0/33', /bad prefix length "33": an IPv4 prefix is a whole number from 0 to 32/],
      ['fd00::/129', /bad prefix length "129": an IPv6 prefix is a whole number from 0 to 128/],
      ['10.0.0.0/', /bad prefix length "": an IPv4 prefix/],
      ['10.0.0.0/08', /bad prefix length "08"/],
      ['10.0.0.0/-1', /bad prefix length "-1"/],
      ['10.0.0.0/+8', /bad prefix length "\+8"/],
      ['10.0.0.0/8/8', /bad prefix length "8\/8"/],
      ['10.0.0.0/ 8', /bad prefix length " 8"/],
      ['10.0.0.0/1e1', /bad prefix length "1e1"/],
      ['10.1/16', /is not an IPv4 or IPv6 network: "10\.1" is not an address/],
      ['010.0.0.0/8', /"010\.0\.0\.0" is not an address/],
      ['256.0.0.0/8', /"256\.0\.0\.0" is not an address/],
      ['fe80::%eth0/64', /"fe80::%eth0" is not an address/],
      ['fd00:::/64', /is not an address/],
      ['example.com/24', /"example\.com" is not an address/],
      ['/24', /"" is not an address/],
      ['', /is empty: give a CIDR such as 10\.0\.0\.0\/24/],
      [' 10.0.0.0/8', /has spaces around it/],
      ['10.0.0.0/8\n', /has spaces around it/],
    ];
    for (const [input, message] of bad) {
      it(`refuses ${JSON.stringify(input)}, saying what is wrong`, () => {
        assert.throws(
          () => parseCidr(input),
          (error: unknown) => {
            assert.ok(isLatchkeyError(error, 'invalid_argument'), String(error));
            assert.match(error.message, /^network "/);
            assert.match(error.message, message);
            return true;
          },
        );
      });
    }

    it('names the field it was given', () => {
      assert.throws(
        () => parseCidr('10.0.0.1/8', 'ip_network'),
        /^.*ip_network "10\.0\.0\.1\/8" has host bits/,
      );
    });
  });

  describe('cidrContains', () => {
    const cases: [string, string, boolean][] = [
      ['10.77.0.0/24', '10.77.0.0', true],
      ['10.77.0.0/24', '10.77.0.255', true],
      ['10.77.0.0/24', '10.77.1.0', false],
      ['10.77.0.0/24', '10.76.255.255', false],
      ['0.0.0.0/0', '203.0.113.9', true],
      ['0.0.0.0/0', '::1', false],
      ['10.77.0.5/32', '10.77.0.5', true],
      ['10.77.0.5/32', '10.77.0.4', false],
      ['fd00::/64', 'fd00::ffff:ffff:ffff:ffff', true],
      ['fd00::/64', 'FD00:0000::0001', true],
      ['fd00::/64', 'fd00:0:0:1::', false],
      ['::/0', '2001:db8::1', true],
      ['::/0', '10.0.0.1', false],
      ['10.0.0.0/8', '::ffff:10.0.0.1', false],
      ['::ffff:10.0.0.0/120', '::ffff:10.0.0.1', true],
      ['10.0.0.0/8', 'not-an-address', false],
      ['10.0.0.0/8', '10.1', false],
      ['10.0.0.1/8', '10.0.0.1', false],
    ];
    for (const [network, address, expected] of cases) {
      it(`${address} ${expected ? 'is' : 'is not'} in ${network}`, () => {
        assert.equal(cidrContains(network, address), expected);
      });
    }
    it('takes a parsed network too', () => {
      assert.equal(cidrContains(parseCidr('192.168.0.0/16'), '192.168.3.4'), true);
    });
  });

  describe('routeFor', () => {
    let n = 0;
    const route = (network: string, createdAt: string, id = `route-${++n}`): TunnelRouteRecord => ({
      id,
      accountId: 'account',
      network,
      agentId: `agent-of-${network}`,
      virtualNetworkId: 'vnet',
      comment: '',
      createdAt: new Date(createdAt),
    });
    const wide = route('10.0.0.0/8', '2026-01-03T00:00:00Z');
    const narrow = route('10.77.0.0/16', '2026-01-02T00:00:00Z');
    const narrower = route('10.77.3.0/24', '2026-01-04T00:00:00Z');
    const host = route('10.77.3.9', '2026-01-05T00:00:00Z');
    const v6 = route('fd00::/48', '2026-01-01T00:00:00Z');
    const v6narrow = route('fd00:0:0:7::/64', '2026-01-06T00:00:00Z');
    const everything = route('0.0.0.0/0', '2026-01-07T00:00:00Z');
    const routes = [everything, wide, narrower, v6narrow, host, narrow, v6];

    const cases: [string, string | undefined][] = [
      ['10.77.3.9', host.id],
      ['10.77.3.10', narrower.id],
      ['10.77.4.1', narrow.id],
      ['10.1.2.3', wide.id],
      ['192.168.0.1', everything.id],
      ['fd00::1', v6.id],
      ['fd00:0:0:7::1', v6narrow.id],
      ['FD00:0000:0000:0007:0000:0000:0000:0001', v6narrow.id],
      ['fd01::1', undefined],
      ['::ffff:10.77.3.9', undefined],
      ['10.77.3', undefined],
      ['', undefined],
    ];
    for (const [address, expected] of cases) {
      it(`${JSON.stringify(address)} goes through ${expected ?? 'no route'}`, () => {
        assert.equal(routeFor(address, routes)?.id, expected);
      });
    }

    it('is the same whatever the order of the routes', () => {
      for (const order of [routes, [...routes].reverse()]) {
        assert.equal(routeFor('10.77.3.200', order), narrower);
      }
    });

    it('breaks a tie of equal prefixes by the oldest, then the smallest id', () => {
      const newer = route('10.0.0.0/8', '2026-02-01T00:00:00Z', 'a-newer');
      const oldest = route('10.0.0.0/8', '2026-01-01T00:00:00Z', 'z-oldest');
      const sameTime = route('10.0.0.0/8', '2026-01-01T00:00:00Z', 'b-same-time');
      assert.equal(routeFor('10.0.0.1', [newer, oldest])?.id, 'z-oldest');
      assert.equal(routeFor('10.0.0.1', [oldest, newer])?.id, 'z-oldest');
      assert.equal(routeFor('10.0.0.1', [newer, oldest, sameTime])?.id, 'b-same-time');
      assert.equal(routeFor('10.0.0.1', [sameTime, oldest, newer])?.id, 'b-same-time');
    });

    it('skips a stored network that does not parse, and finds nothing in no routes', () => {
      const broken = route('10.0.0.1/8', '2026-01-01T00:00:00Z');
      assert.equal(routeFor('10.0.0.1', [broken]), undefined);
      assert.equal(routeFor('10.0.0.1', [broken, wide]), wide);
      assert.equal(routeFor('10.0.0.1', []), undefined);
    });
  });
});
