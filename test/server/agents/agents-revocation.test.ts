// Issue 13 for agents, over the real HTTP app and a real SQLite store: re-enrolment only by proof (the
// current credential, or an admin's replace token), removal that kills the credential at once, deleting
// a target revokes its agent, a revoked credential cannot renew, and an agent acts for its one target.
import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';

describe('server: agents are re-enrolled only by proof and revoked at once', function () {
  this.timeout(30_000);
  let server: TestServer;
  let counter = 0;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => server?.close());

  const mirror = () => `/v1/agents/client/v4/accounts/${server.accountId}`;
  const agentInfo = { version: '0.1.0', distro: 'debian 12' };

  async function joinToken(body: Json = {}): Promise<Json> {
    const answer = await server.call('POST', `${server.base}/latchkey/join_tokens`, {
      body: { name: 'fleet', ...body },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.result;
  }
  async function enroll(secret: string, hostname: string, agent: Json = agentInfo) {
    return server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: { join_token: secret, hostname, agent },
    });
  }
  /** A new agent with its own target (as the agent service does on its first start). */
  async function agentWithTarget(): Promise<{ credential: Json; target: Json; hostname: string }> {
    const n = ++counter;
    const hostname = `host-${n}`;
    const enrolled = await enroll((await joinToken()).token, hostname);
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    const credential = enrolled.body.result;
    const created = await server.call('POST', `${mirror()}/infrastructure/targets`, {
      token: credential.api_token,
      body: { hostname, ip: { ipv4: { ip_addr: `10.20.0.${n}` } } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    return { credential, target: created.body.result, hostname };
  }
  const heartbeat = (token: string) =>
    server.call('POST', '/v1/agents/heartbeat', {
      token,
      body: { ...agentInfo, sshd_config: { state: 'trusted' } },
    });
  const renew = (token: string) => server.call('POST', '/v1/agents/credential/renew', { token });
  const targetExists = async (id: string) =>
    (await server.call('GET', `${server.base}/infrastructure/targets/${id}`)).status === 200;
  const audited = async (action: string, resourceId: string) =>
    (await server.call('GET', `/v1/audit?action=${action}&resource_id=${resourceId}`)).body.result as Json[];

  it('DELETE an agent: its credential is refused on its next request and cannot renew; its target goes too', async () => {
    const { credential, target } = await agentWithTarget();
    assert.equal((await heartbeat(credential.api_token)).status, 200);
    const removed = await server.call('DELETE', `${server.base}/latchkey/agents/${credential.agent_id}`);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.result.id, credential.agent_id);
    const beat = await heartbeat(credential.api_token);
    assert.equal(beat.status, 401);
    assert.match(beat.body.errors[0].message, /revoked/);
    assert.equal((await renew(credential.api_token)).status, 401, 'a revoked credential renews nothing');
    assert.equal(await targetExists(target.id), false);
    const listed = await server.call('GET', `${server.base}/latchkey/agents`);
    assert.ok(!listed.body.result.some((a: Json) => a.id === credential.agent_id));
    const [event] = await audited('agent.delete', credential.agent_id);
    assert.equal(event.after.revoked_token_id !== undefined, true);
    assert.equal((await audited('target.delete', target.id)).length, 1);
    const again = await server.call('DELETE', `${server.base}/latchkey/agents/${credential.agent_id}`);
    assert.equal(again.status, 404);
  });

  it('DELETE an agent with keep_target=true keeps its target, agentless', async () => {
    const { credential, target } = await agentWithTarget();
    const removed = await server.call(
      'DELETE',
      `${server.base}/latchkey/agents/${credential.agent_id}?keep_target=true`,
    );
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal((await heartbeat(credential.api_token)).status, 401);
    assert.equal(await targetExists(target.id), true);
    assert.deepEqual(await server.store.agents.listForTarget(server.accountId, target.id), []);
  });

  it('deleting a target revokes its agent (one delete and the batch delete)', async () => {
    const one = await agentWithTarget();
    const deleted = await server.call('DELETE', `${server.base}/infrastructure/targets/${one.target.id}`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal((await heartbeat(one.credential.api_token)).status, 401);
    assert.equal((await renew(one.credential.api_token)).status, 401);
    const [event] = await audited('agent.delete', one.credential.agent_id);
    assert.equal(event.after.reason, 'its target was deleted');

    const two = await agentWithTarget();
    const three = await agentWithTarget();
    const batch = await server.call('POST', `${server.base}/infrastructure/targets/batch_delete`, {
      body: { target_ids: [two.target.id, three.target.id] },
    });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    for (const agent of [two, three]) assert.equal((await heartbeat(agent.credential.api_token)).status, 401);
  });

  it('a renewed credential is revoked: the old one can neither act nor renew again', async () => {
    const { credential } = await agentWithTarget();
    const renewed = await renew(credential.api_token);
    assert.equal(renewed.status, 200);
    assert.equal((await renew(credential.api_token)).status, 401);
    assert.equal((await heartbeat(credential.api_token)).status, 401);
    assert.equal((await heartbeat(renewed.body.result.api_token)).status, 200);
    // Two renewals with one credential at once: one wins, the other is refused, one credential lives.
    const racing = await Promise.all([
      renew(renewed.body.result.api_token),
      renew(renewed.body.result.api_token),
    ]);
    assert.deepEqual(racing.map((r) => r.status).sort(), [200, 401]);
  });

  it('re-enrolment by proof: the current credential gives a fresh one for the same agent and target', async () => {
    const { credential, target } = await agentWithTarget();
    const noProof = await server.call('POST', '/v1/agents/reenroll', {
      token: null,
      body: { hostname: 'anything', agent: agentInfo },
    });
    assert.equal(noProof.status, 401);
    const again = await server.call('POST', '/v1/agents/reenroll', {
      token: credential.api_token,
      body: { hostname: 'Renamed-Host', agent: { ...agentInfo, machine_id: 'c'.repeat(32) } },
    });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const fresh = again.body.result;
    assert.equal(fresh.agent_id, credential.agent_id);
    assert.equal(fresh.target_id, target.id, 'it keeps its target and is told which');
    assert.notEqual(fresh.api_token, credential.api_token);
    assert.equal((await heartbeat(credential.api_token)).status, 401, 'the old credential is revoked');
    assert.equal((await heartbeat(fresh.api_token)).status, 200);
    const stored = await server.store.agents.get(server.accountId, credential.agent_id);
    assert.equal(stored?.hostname, 'renamed-host');
    assert.equal(stored?.machineId, 'c'.repeat(32));
    const [event] = await audited('agent.reenroll', credential.agent_id);
    assert.equal(event.actor, `agent:${credential.agent_id}`);
    assert.equal(event.after.hostname, 'renamed-host');
    // The revoked credential cannot re-enrol either.
    const replay = await server.call('POST', '/v1/agents/reenroll', {
      token: credential.api_token,
      body: { hostname: 'x', agent: agentInfo },
    });
    assert.equal(replay.status, 401);
    // An unauthenticated request with a bad body is 401, not 400.
    const bad = await server.call('POST', '/v1/agents/reenroll', { token: null, body: { nonsense: 1 } });
    assert.equal(bad.status, 401);
  });

  it("an admin's replace token: enrolling with it replaces that agent, keeps its target, once", async () => {
    const { credential, target } = await agentWithTarget();
    const made = await server.call('POST', `${server.base}/latchkey/agents/${credential.agent_id}/replace`, {
      body: {},
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const replaceToken = made.body.result;
    assert.equal(replaceToken.replaces_agent_id, credential.agent_id);
    assert.equal(replaceToken.max_uses, 1);
    assert.match(replaceToken.token, /^lkj_/);

    const enrolled = await enroll(replaceToken.token, 'rebuilt-host', {
      ...agentInfo,
      machine_id: 'd'.repeat(32),
    });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    assert.equal(enrolled.body.result.agent_id, credential.agent_id, 'the same agent');
    assert.equal(enrolled.body.result.target_id, target.id, 'and its target');
    assert.equal((await heartbeat(credential.api_token)).status, 401, "the replaced host's credential died");
    assert.equal((await heartbeat(enrolled.body.result.api_token)).status, 200);
    // The new host updates the same target; creating another is refused.
    const update = await server.call('PUT', `${mirror()}/infrastructure/targets/${target.id}`, {
      token: enrolled.body.result.api_token,
      body: { hostname: 'rebuilt-host', ip: { ipv4: { ip_addr: '10.30.0.1' } } },
    });
    assert.equal(update.status, 200, JSON.stringify(update.body));
    const second = await enroll(replaceToken.token, 'another');
    assert.equal(second.status, 401, 'one use');
    assert.equal((await audited('agent.replace', credential.agent_id)).length, 1);
    const [replaced] = await audited('agent.replaced', credential.agent_id);
    assert.equal(replaced.after.hostname, 'rebuilt-host');
    assert.equal(replaced.actor, `join_token:${replaceToken.id}`);

    // A replace token for an agent removed meanwhile enrols nothing.
    const other = await agentWithTarget();
    const stale = await server.call(
      'POST',
      `${server.base}/latchkey/agents/${other.credential.agent_id}/replace`,
      {
        body: { expires_in_seconds: 600 },
      },
    );
    await server.call('DELETE', `${server.base}/latchkey/agents/${other.credential.agent_id}`);
    const refused = await enroll(stale.body.result.token, 'ghost');
    assert.equal(refused.status, 401);
    assert.match(refused.body.errors[0].message, /replace an agent that has since been removed/);
    const missing = await server.call(
      'POST',
      `${server.base}/latchkey/agents/${other.credential.agent_id}/replace`,
      {
        body: {},
      },
    );
    assert.equal(missing.status, 404);
  });

  it('an agent creates exactly one target: a second create is a 409 naming the one it has', async () => {
    const { credential, target } = await agentWithTarget();
    const second = await server.call('POST', `${mirror()}/infrastructure/targets`, {
      token: credential.api_token,
      body: { hostname: 'second-box', ip: { ipv4: { ip_addr: '10.40.0.1' } } },
    });
    assert.equal(second.status, 409, JSON.stringify(second.body));
    assert.match(
      second.body.errors[0].message,
      new RegExp(`already registered its target \\(${target.id}\\)`),
    );
    const found = await server.call('GET', `${server.base}/infrastructure/targets?hostname=second-box`);
    assert.deepEqual(found.body.result, [], 'nothing was created');
  });

  it('concurrent creates by one agent leave one target', async () => {
    const enrolled = await enroll((await joinToken()).token, 'racer');
    const token = enrolled.body.result.api_token;
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        server.call('POST', `${mirror()}/infrastructure/targets`, {
          token,
          body: { hostname: `racer-${i}`, ip: { ipv4: { ip_addr: `10.50.0.${i + 1}` } } },
        }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status).sort(),
      [200, 409, 409, 409, 409, 409],
      JSON.stringify(answers.map((a) => a.body)),
    );
    const listed = await server.call('GET', `${server.base}/infrastructure/targets?hostname_contains=racer-`);
    assert.equal(listed.body.result.length, 1);
  });

  it("an agent cannot copy another target's hostname, at creation or by renaming its own", async () => {
    const real = await server.call('POST', `${server.base}/infrastructure/targets`, {
      body: { hostname: 'prod-db', ip: { ipv4: { ip_addr: '10.60.0.1' } } },
    });
    assert.equal(real.status, 200);
    const enrolled = await enroll((await joinToken()).token, 'impostor');
    const token = enrolled.body.result.api_token;
    const copy = await server.call('POST', `${mirror()}/infrastructure/targets`, {
      token,
      body: { hostname: 'PROD-DB', ip: { ipv4: { ip_addr: '10.60.0.2' } } },
    });
    assert.equal(copy.status, 409, JSON.stringify(copy.body));
    assert.match(
      copy.body.errors[0].message,
      /a target named PROD-DB already exists .* cannot take another target's hostname/,
    );
    const own = await server.call('POST', `${mirror()}/infrastructure/targets`, {
      token,
      body: { hostname: 'impostor', ip: { ipv4: { ip_addr: '10.60.0.3' } } },
    });
    assert.equal(own.status, 200);
    const rename = await server.call('PUT', `${mirror()}/infrastructure/targets/${own.body.result.id}`, {
      token,
      body: { hostname: 'prod-db', ip: { ipv4: { ip_addr: '10.60.0.3' } } },
    });
    assert.equal(rename.status, 409);
    const found = await server.call('GET', `${server.base}/infrastructure/targets?hostname=prod-db`);
    assert.equal(found.body.result.length, 1, 'only the real one');
  });
});
