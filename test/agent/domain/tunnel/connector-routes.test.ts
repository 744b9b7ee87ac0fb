// What a connector agent agrees to dial (agent/src/domain/tunnel/connector-routes.ts).
import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import {
  parseConnectorRoute,
  parseDialTarget,
} from '../../../../agent/src/domain/tunnel/connector-routes.js';

describe('agent/domain/tunnel/connector-routes', () => {
  it('reads IPv4 and IPv6 ranges, and a single address as the whole prefix', () => {
    assert.deepEqual(parseConnectorRoute('10.77.0.0/24'), {
      family: 'ipv4',
      network: '10.77.0.0',
      prefix: 24,
    });
    assert.deepEqual(parseConnectorRoute(' 10.77.0.5 '), {
      family: 'ipv4',
      network: '10.77.0.5',
      prefix: 32,
    });
    assert.deepEqual(parseConnectorRoute('fd00:7::/64'), { family: 'ipv6', network: 'fd00:7::', prefix: 64 });
    assert.deepEqual(parseConnectorRoute('0.0.0.0/0'), { family: 'ipv4', network: '0.0.0.0', prefix: 0 });
    assert.deepEqual(parseConnectorRoute('::ffff:10.0.0.0/120'), {
      family: 'ipv6',
      network: '::ffff:10.0.0.0',
      prefix: 120,
    });
  });

  it('refuses what is not a range, saying what is wrong', () => {
    const refused = (text: string, pattern: RegExp) =>
      assert.throws(
        () => parseConnectorRoute(text),
        (error: unknown) =>
          isLatchkeyError(error, 'invalid_argument') && pattern.test((error as Error).message),
        text,
      );
    refused('10.77.0.5/24', /bits set past \/24; write the network's first address/);
    refused('fd00::1/64', /bits set past \/64/);
    refused('10.77.0.0/33', /prefix must be 0 to 32/);
    refused('fd00::/129', /prefix must be 0 to 128/);
    refused('10.77.0.0/', /prefix must be 0 to 32/);
    refused('10.77.0.0/2x', /prefix must be 0 to 32/);
    refused('db.internal/24', /"db.internal" is not an IP address/);
    refused('', /is not an IP address/);
  });

  it('reads the dial header: an address and a port, nothing else', () => {
    assert.deepEqual(parseDialTarget('10.77.0.5:22'), { address: '10.77.0.5', port: 22 });
    assert.deepEqual(parseDialTarget('[fd00::5]:2222'), { address: 'fd00::5', port: 2222 });
    for (const bad of [
      '10.77.0.5',
      'fd00::5:22',
      'db:22',
      '10.77.0.5:0',
      '10.77.0.5:65536',
      '10.77.0.999:22',
      '[x]:22',
    ]) {
      assert.equal(parseDialTarget(bad), undefined, bad);
    }
  });
});
