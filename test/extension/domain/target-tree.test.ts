import assert from 'node:assert/strict';
import {
  NO_TARGETS_LABEL,
  SIGNED_OUT_LABEL,
  childNodes,
  rootNodes,
} from '../../../extension/src/domain/target-tree.js';
import type { TreeNode } from '../../../extension/src/domain/target-tree.js';
import { target } from '../app/fakes.js';

function outline(nodes: TreeNode[]): unknown[] {
  return nodes.map((node) => {
    const children = childNodes(node);
    const label = node.kind === 'target' ? `${node.label} (${node.description})` : node.label;
    return children.length === 0 ? label : [label, outline(children)];
  });
}

describe('extension/domain: the targets tree', () => {
  it('groups targets by virtual network (sorted), hostnames sorted, usernames as children', () => {
    const targets = [
      target('web-2', ['deploy'], 'prod', '10.0.0.2'),
      target('db', ['postgres', 'dev'], 'lab', '10.1.0.1'),
      target('web-1', ['deploy', 'dev'], 'prod', '10.0.0.1'),
    ];
    assert.deepEqual(outline(rootNodes({ kind: 'targets', targets })), [
      ['lab', [['db (10.1.0.1)', ['postgres', 'dev']]]],
      [
        'prod',
        [
          ['web-1 (10.0.0.1)', ['deploy', 'dev']],
          ['web-2 (10.0.0.2)', ['deploy']],
        ],
      ],
    ]);
  });

  it('shows both addresses and a tooltip naming the port and usernames', () => {
    const t = target('dual', ['a']);
    t.ip.ipv6 = { ip_addr: 'fd00::1', virtual_network_id: 'vn-default' };
    const [network] = rootNodes({ kind: 'targets', targets: [t] });
    const [node] = childNodes(network!);
    assert.ok(node?.kind === 'target');
    assert.equal(node.description, '10.0.0.1, fd00::1');
    assert.equal(node.tooltip, 'dual (10.0.0.1, fd00::1, port 22); log in as a');
  });

  it('says why it is empty: signed out (with the sign-in command), no targets, no match, an error', () => {
    assert.deepEqual(rootNodes({ kind: 'signedOut' }), [
      { kind: 'message', id: 'signed-out', label: SIGNED_OUT_LABEL, command: 'signIn' },
    ]);
    assert.equal(rootNodes({ kind: 'targets', targets: [] })[0]?.label, NO_TARGETS_LABEL);
    assert.equal(NO_TARGETS_LABEL, 'No targets: ask your admin for access');
    assert.equal(
      rootNodes({ kind: 'targets', targets: [target('a', ['x'])], filter: 'zzz' })[0]?.label,
      'No targets match "zzz"',
    );
    assert.equal(rootNodes({ kind: 'error', message: 'server down' })[0]?.label, 'server down');
  });

  it('filters by hostname, address or username, case-insensitively', () => {
    const targets = [
      target('web', ['deploy'], 'prod', '10.0.0.1'),
      target('db', ['postgres'], 'prod', '10.0.0.9'),
    ];
    const hosts = (filter: string) =>
      rootNodes({ kind: 'targets', targets, filter }).flatMap((n) => childNodes(n).map((c) => c.label));
    assert.deepEqual(hosts('WEB'), ['web']);
    assert.deepEqual(hosts('10.0.0.9'), ['db']);
    assert.deepEqual(hosts('postgres'), ['db']);
    assert.deepEqual(hosts(' '), ['db', 'web']);
  });
});
