import assert from 'node:assert/strict';
import { noAddressMessage, pickAddresses } from '../../../../agent/src/domain/agent/pick-addresses.js';
import type { InterfaceAddress } from '../../../../agent/src/domain/agent/pick-addresses.js';

const v4 = (name: string, address: string, internal = false): InterfaceAddress => ({
  interface: name,
  address,
  family: 'IPv4',
  internal,
});
const v6 = (name: string, address: string, internal = false): InterfaceAddress => ({
  interface: name,
  address,
  family: 'IPv6',
  internal,
});

const HOST = [
  v4('lo', '127.0.0.1', true),
  v6('lo', '::1', true),
  v6('eth0', 'fe80::1c2d:3eff:fe4f:5a6b'),
  v4('eth0', '10.0.0.5'),
  v6('eth0', '2001:db8::5'),
  v4('eth1', '192.168.1.5'),
  v6('eth1', 'FE80::2'),
];

describe('agent/domain: pickAddresses', () => {
  const cases: [string, readonly InterfaceAddress[], string[] | undefined, object][] = [
    [
      'default: the first non-loopback of each family',
      HOST,
      undefined,
      { ipv4: '10.0.0.5', ipv6: '2001:db8::5' },
    ],
    ['an empty list means the default', HOST, [], { ipv4: '10.0.0.5', ipv6: '2001:db8::5' }],
    [
      'named interfaces, in the order named',
      HOST,
      ['eth1', 'eth0'],
      { ipv4: '192.168.1.5', ipv6: '2001:db8::5' },
    ],
    ['loopback when named', HOST, ['lo'], { ipv4: '127.0.0.1', ipv6: '::1' }],
    ['link-local IPv6 never counts (any case)', HOST, ['eth1'], { ipv4: '192.168.1.5' }],
    ['an unknown interface gives nothing', HOST, ['wlan0'], {}],
    ['only loopback on the host gives nothing by default', HOST.slice(0, 2), undefined, {}],
  ];
  for (const [name, available, interfaces, expected] of cases) {
    it(name, () => assert.deepEqual(pickAddresses(available, interfaces), expected));
  }

  it('says which interfaces exist and which flag to use when nothing is usable', () => {
    assert.match(
      noAddressMessage(HOST, ['wlan0']),
      /the interfaces wlan0 .*interfaces here: lo, eth0, eth1.*--interface/,
    );
    assert.match(noAddressMessage(HOST.slice(0, 2)), /no interface other than loopback.*--interface/);
  });
});
