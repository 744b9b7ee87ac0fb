// An attacker's finding, kept (agent/src/domain/tunnel/connector-routes.ts): `--route` took zone ids and
// prefixes with a leading zero, which the access server's routes refuse; now the agent refuses them too.
import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { parseConnectorRoute } from '../../../../agent/src/domain/tunnel/connector-routes.js';

const refused = (text: string) =>
  assert.throws(
    () => parseConnectorRoute(text),
    (error: unknown) => isLatchkeyError(error, 'invalid_argument'),
    JSON.stringify(text),
  );

describe("agent/domain/tunnel/connector-routes: the server's spelling", () => {
  it('reads the same ranges as the server: no zone id, no leading zero in the prefix', () => {
    // The server refuses these (server/src/domain/cidr.ts; docs/tunnels.md "Routes": "a zone id" is
    // refused); the agent refuses them too instead of dropping the zone or reading /08 as /8.
    refused('fe80::%eth0/64');
    refused('fe80::1%eth0');
    refused('fe80::1%25eth0/128');
    refused('10.0.0.0/08');
  });
});
