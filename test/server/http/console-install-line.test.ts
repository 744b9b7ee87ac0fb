// The console's install line for a new join token: the CLI's format, pinned to the agent package's
// sha256 as the server serves it (read by the console's own scope from the server's download route).
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import {
  agentPackageSha256,
  installLine,
} from '../../../server/src/adapters/http/console/console-admin-routes.js';

describe('server HTTP: the console’s install line', () => {
  it('is the CLI’s line, with --sha256 when the server serves the package', () => {
    assert.equal(
      installLine('https://access.example.com', 'lkj_abc', 'f'.repeat(64)),
      `curl -fsSL https://access.example.com/install.sh | sudo bash -s -- --token lkj_abc --sha256 ${'f'.repeat(64)}`,
    );
    assert.equal(
      installLine('http://127.0.0.1:8443', 'lkj_abc'),
      'curl -fsSL http://127.0.0.1:8443/install.sh | sudo bash -s -- --token lkj_abc',
    );
  });

  it('reads the package digest from inside the console’s scope; none when the route answers no digest', async () => {
    for (const [answer, expected] of [
      [{ status: 200, body: `${'a1'.repeat(32)}  latchkey-agent-linux-x64.tar.gz\n` }, 'a1'.repeat(32)],
      [{ status: 404, body: 'no package' }, undefined],
      [{ status: 200, body: 'not a digest; rm -rf /\n' }, undefined],
    ] as const) {
      const app = Fastify();
      app.get('/downloads/latchkey-agent-linux-x64.tar.gz.sha256', async (_request, reply) =>
        reply.code(answer.status).send(answer.body),
      );
      let seen: string | undefined | null = null;
      await app.register(
        async (scope) => {
          scope.get('/probe', async () => {
            seen = await agentPackageSha256(scope);
            return 'ok';
          });
        },
        { prefix: '/console' },
      );
      assert.equal((await app.inject({ method: 'GET', url: '/console/probe' })).statusCode, 200);
      assert.equal(seen, expected);
      await app.close();
    }
  });
});
