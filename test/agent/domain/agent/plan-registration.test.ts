import assert from 'node:assert/strict';
import { planRegistration } from '../../../../agent/src/domain/agent/plan-registration.js';
import type { ListedTarget } from '../../../../agent/src/domain/agent/plan-registration.js';

const VNET = '11111111-1111-4111-8111-111111111111';
const OTHER_VNET = '22222222-2222-4222-8222-222222222222';
const OWN = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const FOREIGN = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

const target = (id: string, ipv4: string, vnet = VNET, ipv6?: string): ListedTarget => ({
  id,
  hostname: 'web-1',
  ip: {
    ipv4: { ip_addr: ipv4, virtual_network_id: vnet },
    ...(ipv6 === undefined ? {} : { ipv6: { ip_addr: ipv6, virtual_network_id: vnet } }),
  },
});

describe('agent/domain: planRegistration', () => {
  it('creates the target when none has the hostname (default network: no virtual_network_id sent)', () => {
    assert.deepEqual(
      planRegistration({
        hostname: 'web-1',
        addresses: { ipv4: '10.0.0.5', ipv6: '2001:db8::5' },
        existing: [],
      }),
      {
        kind: 'create',
        body: { hostname: 'web-1', ip: { ipv4: { ip_addr: '10.0.0.5' }, ipv6: { ip_addr: '2001:db8::5' } } },
      },
    );
  });

  it('names the virtual network when one was asked for', () => {
    const plan = planRegistration({
      hostname: 'web-1',
      addresses: { ipv4: '10.0.0.5' },
      virtualNetworkId: VNET,
      existing: [],
    });
    assert.deepEqual(plan, {
      kind: 'create',
      body: { hostname: 'web-1', ip: { ipv4: { ip_addr: '10.0.0.5', virtual_network_id: VNET } } },
    });
  });

  it('leaves its own target alone when it already says the same', () => {
    assert.deepEqual(
      planRegistration({
        hostname: 'web-1',
        addresses: { ipv4: '10.0.0.5' },
        existing: [target(OWN, '10.0.0.5')],
        ownTargetId: OWN,
      }),
      { kind: 'unchanged', id: OWN },
    );
  });

  const updates: [string, Parameters<typeof planRegistration>[0]][] = [
    [
      'the IPv4 address changed',
      {
        hostname: 'web-1',
        addresses: { ipv4: '10.0.0.6' },
        existing: [target(OWN, '10.0.0.5')],
        ownTargetId: OWN,
      },
    ],
    [
      'an IPv6 address appeared',
      {
        hostname: 'web-1',
        addresses: { ipv4: '10.0.0.5', ipv6: '2001:db8::5' },
        existing: [target(OWN, '10.0.0.5')],
        ownTargetId: OWN,
      },
    ],
    [
      'the IPv6 address went away',
      {
        hostname: 'web-1',
        addresses: { ipv4: '10.0.0.5' },
        existing: [target(OWN, '10.0.0.5', VNET, '2001:db8::5')],
        ownTargetId: OWN,
      },
    ],
    [
      'another network was asked for',
      {
        hostname: 'web-1',
        addresses: { ipv4: '10.0.0.5' },
        virtualNetworkId: OTHER_VNET,
        existing: [target(OWN, '10.0.0.5')],
        ownTargetId: OWN,
      },
    ],
  ];
  for (const [name, input] of updates) {
    it(`updates its own target when ${name}`, () => {
      const plan = planRegistration(input);
      assert.equal(plan.kind, 'update');
      assert.equal(plan.kind === 'update' && plan.id, OWN);
    });
  }

  it("refuses another's target with the same hostname, naming it and the fixes", () => {
    const plan = planRegistration({
      hostname: 'web-1',
      addresses: { ipv4: '10.0.0.5' },
      existing: [target(FOREIGN, '10.0.0.9')],
      ownTargetId: OWN,
    });
    assert.equal(plan.kind, 'conflict');
    assert.match(
      plan.kind === 'conflict' ? plan.message : '',
      new RegExp(
        `named web-1 already exists \\(${FOREIGN}\\) and was not registered by this agent.*--hostname`,
      ),
    );
  });

  it('adopts its own target even when a foreign one shares the name', () => {
    const plan = planRegistration({
      hostname: 'web-1',
      addresses: { ipv4: '10.0.0.5' },
      existing: [target(FOREIGN, '10.0.0.9'), target(OWN, '10.0.0.5')],
      ownTargetId: OWN,
    });
    assert.deepEqual(plan, { kind: 'unchanged', id: OWN });
  });

  it('creates a new one when its remembered target was deleted', () => {
    const plan = planRegistration({
      hostname: 'web-1',
      addresses: { ipv4: '10.0.0.5' },
      existing: [],
      ownTargetId: OWN,
    });
    assert.equal(plan.kind, 'create');
  });
});
