/** The table of `latchkey admin routes`: names for ids, escaped fields, a sentence for none. */
import assert from 'node:assert/strict';
import type { TunnelRoute } from '@latchkey/shared';
import { renderTunnelRoutesTable } from '../../../../cli/src/domain/admin/tunnel-routes-table.js';

const AGENT = '11111111-1111-4111-8111-111111111111';
const NET = '44444444-4444-4444-8444-444444444444';

describe('cli/domain/admin: the tunnel-routes table', () => {
  it('shows agents and networks by name, ids when unknown, "-" for no comment', () => {
    const routes: TunnelRoute[] = [
      {
        id: 'r-1',
        network: '10.77.0.0/24',
        tunnel_id: AGENT,
        virtual_network_id: NET,
        comment: 'site A',
        created_at: '2026-12-07T12:00:00Z',
      },
      {
        id: 'r-2',
        network: 'fd00::/64',
        tunnel_id: 'gone-agent',
        virtual_network_id: 'gone-net',
        comment: '',
        created_at: '2026-12-07T12:00:01Z',
      },
    ];
    const table = renderTunnelRoutesTable(
      routes,
      new Map([[AGENT, 'connector-1']]),
      new Map([[NET, 'default']]),
    );
    assert.deepEqual(
      table.split('\n').map((line) => line.trimEnd()),
      [
        'ID   NETWORK       AGENT        VIRTUAL NETWORK  COMMENT  CREATED',
        'r-1  10.77.0.0/24  connector-1  default          site A   2026-12-07T12:00:00Z',
        'r-2  fd00::/64     gone-agent   gone-net         -        2026-12-07T12:00:01Z',
        '',
      ],
    );
  });

  it("escapes what the server sent (an agent's hostname with an escape sequence)", () => {
    const table = renderTunnelRoutesTable(
      [
        {
          id: 'r-1',
          network: '10.0.0.0/8',
          tunnel_id: AGENT,
          virtual_network_id: NET,
          comment: 'x\u001b[2Jy',
          created_at: '2026-12-07T12:00:00Z',
        },
      ],
      new Map([[AGENT, 'evil\u001b]0;title\u0007']]),
      new Map(),
    );
    assert.ok(!table.includes('\u001b'), table);
    assert.match(table, /evil\\x1b\]0;title\\x07/);
    assert.match(table, /x\\x1b\[2Jy/);
  });

  it('says how to make one when there is none', () => {
    assert.equal(
      renderTunnelRoutesTable([], new Map(), new Map()),
      'No tunnel routes. Route a network to a connector with `latchkey admin routes create`.\n',
    );
  });
});
