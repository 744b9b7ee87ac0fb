// The account's API tokens over the real HTTP app: list and show without secrets, revoke with an audit
// event, and a revoked token refused (401) on its very next request. Agents' credentials are managed with
// their agents, not here.
import assert from 'node:assert/strict';
import { PERMISSIONS } from '../../../server/src/domain/permissions.js';
import { enrollAgent } from './ssh-logs-fixture.js';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';

describe('server HTTP: API tokens (list, show, revoke)', function () {
  this.timeout(20_000);
  let server: TestServer;
  let now = new Date('2026-11-24T12:00:00.000Z');

  before(async () => {
    server = await startTestServer({ clock: () => now });
  });
  after(async () => server?.close());

  const tokens = `/latchkey/api_tokens`;
  const idOf = async (secret: string) => {
    const verified = await server.call('GET', '/client/v4/user/tokens/verify', { token: secret });
    return verified.body.result.id as string;
  };

  it('lists tokens with id, name, permissions, status and dates; never a secret or its hash', async () => {
    const reader = await server.token([PERMISSIONS.zeroTrustRead], {
      expiresAt: new Date('2026-11-24T13:00:00.000Z'),
    });
    const listed = await server.call('GET', `${server.base}${tokens}`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const one = listed.body.result.find((t: Json) => t.permissions.join() === PERMISSIONS.zeroTrustRead);
    assert.deepEqual(Object.keys(one).sort(), [
      'created_at',
      'expires_at',
      'id',
      'name',
      'permissions',
      'status',
    ]);
    assert.equal(one.status, 'active');
    assert.equal(one.expires_at, '2026-11-24T13:00:00.000Z');
    const text = JSON.stringify(listed.body);
    assert.ok(!text.includes(reader), 'no secret');
    const stored = await server.store.apiTokens.get(server.accountId, one.id);
    assert.ok(!text.includes(stored!.tokenHash), 'no hash');
    const shown = await server.call('GET', `${server.base}${tokens}/${one.id}`);
    assert.deepEqual(shown.body.result, one);
    now = new Date('2026-11-24T14:00:00.000Z');
    const later = await server.call('GET', `${server.base}${tokens}/${one.id}`);
    assert.equal(later.body.result.status, 'expired');
  });

  it("a revoked token gets 401 on its next request; revoking is audited once; agents' credentials are not here", async () => {
    const victim = await server.token([PERMISSIONS.zeroTrustRead]);
    assert.equal(
      (await server.call('GET', `${server.base}/infrastructure/targets`, { token: victim })).status,
      200,
    );
    const id = await idOf(victim);
    const revoked = await server.call('DELETE', `${server.base}${tokens}/${id}`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.result.status, 'revoked');
    assert.match(revoked.body.result.revoked_at, /^\d{4}-/);
    const next = await server.call('GET', `${server.base}/infrastructure/targets`, { token: victim });
    assert.equal(next.status, 401);
    assert.match(next.body.errors[0].message, /revoked/);
    const again = await server.call('DELETE', `${server.base}${tokens}/${id}`);
    assert.equal(again.status, 200, 'idempotent');
    const events = await server.call('GET', `/v1/audit?action=api_token.revoke&resource_id=${id}`);
    assert.equal(events.body.result.length, 1);

    const agent = await enrollAgent(server, 'tok-1');
    const agentTokenId = (await server.store.agents.get(server.accountId, agent.agentId))!.apiTokenId;
    const listed = await server.call('GET', `${server.base}${tokens}`);
    assert.ok(!listed.body.result.some((t: Json) => t.id === agentTokenId));
    const notHere = await server.call('DELETE', `${server.base}${tokens}/${agentTokenId}`);
    assert.equal(notHere.status, 404);
    assert.match(notHere.body.errors[0].message, /agent's credential/);
  });

  it('Read lists, Edit revokes; a token may revoke itself', async () => {
    const reader = await server.token([PERMISSIONS.apiTokensRead]);
    assert.equal((await server.call('GET', `${server.base}${tokens}`, { token: reader })).status, 200);
    const refused = await server.call('DELETE', `${server.base}${tokens}/${await idOf(reader)}`, {
      token: reader,
    });
    assert.equal(refused.status, 403);
    assert.match(refused.body.errors[0].message, /"Account API Tokens: Edit"/);
    const editor = await server.token([PERMISSIONS.apiTokensEdit]);
    const self = await server.call('DELETE', `${server.base}${tokens}/${await idOf(editor)}`, {
      token: editor,
    });
    assert.equal(self.status, 200);
    assert.equal((await server.call('GET', `${server.base}${tokens}`, { token: editor })).status, 401);
  });
});
