// Issue 13, "email alias to system accounts", over HTTP: the target's agent reports uid_min and the
// system accounts below it in its heartbeat; allow_email_alias never maps to root or to one of them.
import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { firstTokens, startSession } from '../../../server/src/app/sign-in/sign-in-sessions.js';
import { enrollAgent } from '../http/ssh-logs-fixture.js';
import type { EnrolledAgent } from '../http/ssh-logs-fixture.js';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';

describe('sign-in: email aliases and system accounts', function () {
  this.timeout(30_000);
  let server: TestServer;
  let agent: EnrolledAgent;

  before(async () => {
    server = await startTestServer();
    agent = await enrollAgent(server, 'app-1');
    const beat = await server.call('POST', '/v1/agents/heartbeat', {
      token: agent.token,
      body: {
        version: '0.1.0',
        distro: 'debian 12',
        sshd_config: { state: 'trusted' },
        uid_min: 1000,
        system_users: ['svc-app', 'Backup-Bot'],
      },
    });
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    await server.call('POST', `${server.base}/access/gateway_ca`);
    const app = await server.call('POST', `${server.base}/access/apps`, {
      body: {
        name: 'app servers',
        type: 'infrastructure',
        target_criteria: [{ target_attributes: { hostname: ['app-1'] }, port: 22, protocol: 'SSH' }],
        policies: [
          {
            name: 'corp people as themselves',
            decision: 'allow',
            include: [{ email_domain: { domain: 'corp.test' } }],
            connection_rules: { ssh: { usernames: [], allow_email_alias: true } },
          },
        ],
      },
    });
    assert.equal(app.status, 200, JSON.stringify(app.body));
  });
  after(async () => server?.close());

  async function certificate(email: string, username: string) {
    const session = await startSession(
      server.services,
      server.accountId,
      { email, groups: [], loginMethod: 'corp', authMethods: ['pwd'], claims: {} },
      'latchkey-cli',
    );
    const { accessToken } = await firstTokens(server.services, session);
    const targets = await server.call('GET', '/v1/me/targets', { token: accessToken });
    const issued = await server.call('POST', '/v1/me/certificates', {
      token: accessToken,
      body: {
        target_id: agent.targetId,
        username,
        public_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey(),
      },
    });
    return { status: issued.status, usernames: (targets.body.result as Json[]).flatMap((t) => t.usernames) };
  }

  it('the attack: root@corp.test gets no root certificate through the alias', async () => {
    const root = await certificate('root@corp.test', 'root');
    assert.equal(root.status, 403);
    assert.deepEqual(root.usernames, []);
  });

  it('nor does a system account the agent reported (case-insensitively)', async () => {
    assert.equal((await certificate('svc-app@corp.test', 'svc-app')).status, 403);
    assert.equal((await certificate('backup-bot@corp.test', 'backup-bot')).status, 403);
  });

  it('a person whose alias is an ordinary account gets it; the agent list shows uid_min', async () => {
    const jane = await certificate('jane@corp.test', 'jane');
    assert.equal(jane.status, 200);
    assert.deepEqual(jane.usernames, ['jane']);
    const agents = await server.call('GET', `${server.base}/latchkey/agents`);
    assert.equal(agents.body.result.find((a: Json) => a.id === agent.agentId).uid_min, 1000);
  });
});
