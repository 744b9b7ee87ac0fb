import assert from 'node:assert/strict';
import { renderTargetsTable } from '../../../cli/src/domain/render-targets-table.js';
import { meTarget } from './fixtures.js';

describe('renderTargetsTable', () => {
  it('aligns the columns under their headings, two spaces apart, without trailing spaces', () => {
    const table = renderTargetsTable([
      meTarget('db-1.internal', { port: 2222, usernames: ['postgres', 'alice'] }),
      meTarget('web-1', {
        ip: { ipv6: { ip_addr: '2001:db8::7', virtual_network_id: 'vn-2' } },
        virtual_network: { id: 'vn-2', name: 'staging-network' },
      }),
    ]);
    assert.equal(
      table,
      [
        'HOSTNAME       ADDRESS      PORT  NETWORK          USERNAMES',
        'db-1.internal  10.0.0.5     2222  default          postgres,alice',
        'web-1          2001:db8::7  22    staging-network  ubuntu',
        '',
      ].join('\n'),
    );
  });

  it('prefers the IPv4 address when a target has both', () => {
    const table = renderTargetsTable([
      meTarget('a', {
        ip: {
          ipv4: { ip_addr: '192.0.2.1', virtual_network_id: 'v' },
          ipv6: { ip_addr: '2001:db8::1', virtual_network_id: 'v' },
        },
      }),
    ]);
    assert.match(table, /192\.0\.2\.1/);
    assert.doesNotMatch(table, /2001/);
  });

  it('says so when there is nothing to list', () => {
    assert.match(renderTargetsTable([]), /^No targets/);
  });
});
