// Attacks on what a connector agrees to dial (issue #14; agent/src/domain/tunnel/connector-routes.ts):
// the `--route` ranges root gives and the `latchkey-dial` header the server sends. The range is the last
// line of defence (docs/tunnels.md "Connectors": "neither the server nor an admin's mistake can make a
// host dial elsewhere"), so it must read exactly what the server's routes read (server/src/domain/cidr.ts).
import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import {
  parseConnectorRoute,
  parseDialTarget,
} from '../../../../agent/src/domain/tunnel/connector-routes.js';

const refused = (text: string) =>
  assert.throws(
    () => parseConnectorRoute(text),
    (error: unknown) => isLatchkeyError(error, 'invalid_argument'),
    JSON.stringify(text),
  );

describe('agent/domain/tunnel/connector-routes: edge cases an attacker tries', () => {
  it('refuses leading zeros, which some stacks read as octal (010.077.0.5 is 8.63.0.5 to inet_aton)', () => {
    refused('010.077.0.0/16');
    refused('10.077.0.0/16');
    assert.equal(parseDialTarget('010.077.0.5:22'), undefined);
    assert.equal(parseDialTarget('10.77.0.05:22'), undefined);
  });

  it('refuses huge, signed, fractional and exponent prefixes', () => {
    for (const text of [
      '10.0.0.0/4294967328',
      '10.0.0.0/1000',
      '10.0.0.0/-1',
      '10.0.0.0/+8',
      '10.0.0.0/8.0',
      '10.0.0.0/1e1',
      'fd00::/0128',
      'fd00::/129',
      '10.0.0.0/8/8',
      '10.0.0.0/ 8',
    ]) {
      refused(text);
    }
  });

  it('reads 0.0.0.0/0 and ::/0 as everything of their family, and refuses hostnames and empty text', () => {
    assert.deepEqual(parseConnectorRoute('0.0.0.0/0'), { family: 'ipv4', network: '0.0.0.0', prefix: 0 });
    assert.deepEqual(parseConnectorRoute('::/0'), { family: 'ipv6', network: '::', prefix: 0 });
    refused('localhost');
    refused('db.internal/32');
    refused('   ');
    refused('/8');
  });

  it('reads one address and port from the dial header: no second target, no zone, no line breaks', () => {
    for (const header of [
      '10.77.0.5:22,127.0.0.1:22',
      '10.77.0.5:22 127.0.0.1:22',
      '10.77.0.5:22\r\nlatchkey-dial: 127.0.0.1:22',
      '10.77.0.5:22\u0000',
      '[fe80::1%lo]:22',
      '[fe80::1%25lo]:22',
      'localhost:22',
      '127.1:22',
      '2130706433:22',
      '0x7f.0.0.1:22',
      '[::1]',
      '[::1]:',
      '[::1]:-1',
      '[::1]:+22',
      '[::1]:22:22',
      '10.77.0.5:99999',
      '10.77.0.5:2 2',
      '',
    ]) {
      assert.equal(parseDialTarget(header), undefined, JSON.stringify(header));
    }
    // What it does take is one address and a port in range.
    assert.deepEqual(parseDialTarget('[::ffff:10.77.0.5]:22'), { address: '::ffff:10.77.0.5', port: 22 });
    assert.deepEqual(parseDialTarget('10.77.0.5:65535'), { address: '10.77.0.5', port: 65535 });
  });
});
