// Join tokens, enrolment, credential renewal, heartbeats and the agent's scoped mirror of the targets
// API, over the real HTTP app and a real SQLite store.
import assert from 'node:assert/strict';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';

const MACHINE_A = 'a'.repeat(32);
const MACHINE_B = 'b'.repeat(32);

describe('server: join tokens, enrolment and agents', function () {
  this.timeout(20_000);
  let server: TestServer;
  let now = new Date('2026-11-24T12:00:00.000Z');

  before(async () => {
    server = await startTestServer({ clock: () => now });
  });
  after(async () => server?.close());

  async function createJoinToken(body: Json = {}): Promise<Json> {
    const answer = await server.call('POST', `${server.base}/latchkey/join_tokens`, {
      body: { name: 'web fleet', ...body },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.result;
  }
  const enroll = (joinToken: string, hostname = 'web-1', machineId?: string) =>
    server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: {
        join_token: joinToken,
        hostname,
        agent: { version: '0.1.0', distro: 'debian 12', ...(machineId ? { machine_id: machineId } : {}) },
      },
    });
  const mirror = () => `/v1/agents/client/v4/accounts/${server.accountId}`;

  it('a join token: 24 h and one use by default, its secret shown once and never listed', async () => {
    const token = await createJoinToken();
    assert.match(token.token, /^lkj_[A-Za-z0-9_-]{43}$/);
    assert.equal(token.max_uses, 1);
    assert.equal(token.uses, 0);
    assert.equal(token.expires_at, '2026-11-25T12:00:00.000Z');
    const listed = await server.call('GET', `${server.base}/latchkey/join_tokens`);
    const same = listed.body.result.find((t: Json) => t.id === token.id);
    assert.equal(same.token, undefined);
    assert.ok(!JSON.stringify(listed.body).includes(token.token));
    const stored = await server.store.joinTokens.get(server.accountId, token.id);
    assert.notEqual(stored?.tokenHash, token.token, 'only the hash is stored');
  });

  it('enrolment gives a credential that reaches only the agent routes; the use is counted', async () => {
    const token = await createJoinToken();
    const enrolled = await enroll(token.token);
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    const credential = enrolled.body.result;
    assert.equal(credential.account_id, server.accountId);
    assert.match(credential.api_token, /^lk_/);
    const targets = await server.call('GET', `${server.base}/infrastructure/targets`, {
      token: credential.api_token,
    });
    assert.equal(targets.status, 403, 'not the admin targets API');
    const ca = await server.call('GET', `${server.base}/access/gateway_ca`, { token: credential.api_token });
    assert.equal(ca.status, 403);
    const mine = await server.call('GET', `${mirror()}/access/gateway_ca`, { token: credential.api_token });
    assert.equal(mine.status, 200);
    const again = await enroll(token.token, 'web-2');
    assert.equal(again.status, 401);
    assert.match(again.body.errors[0].message, /has been used up \(1 of 1 uses\)/);
    const listed = await server.call('GET', `${server.base}/latchkey/join_tokens`);
    assert.equal(listed.body.result.find((t: Json) => t.id === token.id).uses, 1);
    const audit = await server.call('GET', '/v1/audit?action=agent.enroll');
    assert.ok(audit.body.result.some((e: Json) => e.resource_id === credential.agent_id));
  });

  it('concurrent enrolments never take more uses than the token has', async () => {
    const token = await createJoinToken({ max_uses: 3 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => enroll(token.token, `burst-${i}`)),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses.filter((s) => s === 200).length, 3, JSON.stringify(statuses));
    assert.ok(statuses.every((s) => s === 200 || s === 401));
    const stored = await server.store.joinTokens.get(server.accountId, token.id);
    assert.equal(stored?.uses, 3);
  });

  it('expired, revoked and unknown join tokens are refused with what is wrong', async () => {
    const expiring = await createJoinToken({ expires_in_seconds: 60, max_uses: 5 });
    now = new Date(now.getTime() + 61_000);
    const expired = await enroll(expiring.token);
    assert.equal(expired.status, 401);
    assert.match(expired.body.errors[0].message, /expired at 2026-11-24T12:01:00.000Z/);

    const revoked = await createJoinToken({ max_uses: 5 });
    const deleted = await server.call('DELETE', `${server.base}/latchkey/join_tokens/${revoked.id}`);
    assert.equal(deleted.status, 200);
    assert.ok(deleted.body.result.revoked_at);
    const refused = await enroll(revoked.token);
    assert.equal(refused.status, 401);
    assert.match(refused.body.errors[0].message, /has been revoked/);

    const fresh = await createJoinToken();
    const badName = await enroll(fresh.token, 'not a hostname!');
    assert.equal(badName.status, 400);
    assert.equal(badName.body.errors[0].source.pointer, '/hostname');
    assert.equal((await server.store.joinTokens.get(server.accountId, fresh.id))?.uses, 0, 'no use taken');

    const unknown = await enroll('lkj_nonsense');
    assert.equal(unknown.status, 401);
    assert.match(unknown.body.errors[0].message, /not valid/);
  });

  it('the agent creates its target and may replace only its own; a machine id takes over nothing', async () => {
    const token = await createJoinToken({ max_uses: 3 });
    const a = (await enroll(token.token, 'db-1', MACHINE_A)).body.result;
    const b = (await enroll(token.token, 'db-2', MACHINE_B)).body.result;
    const created = await server.call('POST', `${mirror()}/infrastructure/targets`, {
      token: a.api_token,
      body: { hostname: 'db-1', ip: { ipv4: { ip_addr: '10.1.0.1' } } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const targetId = created.body.result.id;
    const byB = await server.call('PUT', `${mirror()}/infrastructure/targets/${targetId}`, {
      token: b.api_token,
      body: { hostname: 'db-1', ip: { ipv4: { ip_addr: '10.9.9.9' } } },
    });
    assert.equal(byB.status, 403);
    assert.match(byB.body.errors[0].message, /not registered by this agent/);
    const byA = await server.call('PUT', `${mirror()}/infrastructure/targets/${targetId}`, {
      token: a.api_token,
      body: { hostname: 'db-1', ip: { ipv4: { ip_addr: '10.1.0.2' } } },
    });
    assert.equal(byA.status, 200);
    const own = await server.call('GET', `${mirror()}/infrastructure/targets/${targetId}`, {
      token: a.api_token,
    });
    assert.equal(own.status, 200);
    const notB = await server.call('GET', `${mirror()}/infrastructure/targets/${targetId}`, {
      token: b.api_token,
    });
    assert.equal(notB.status, 404, "another agent's target is not found");
    const found = await server.call('GET', `${mirror()}/infrastructure/targets?hostname=DB-1`, {
      token: b.api_token,
    });
    assert.deepEqual(
      found.body.result.map((t: Json) => t.ip.ipv4.ip_addr),
      ['10.1.0.2'],
    );

    // The attack (issue 13): anyone with a join token enrols with db-1's machine id (world-readable).
    // They get a new agent of their own; db-1's agent, credential and target are untouched.
    const thief = (await enroll(token.token, 'db-1', MACHINE_A)).body.result;
    assert.notEqual(thief.agent_id, a.agent_id);
    assert.match(thief.warnings[0], new RegExp(`agent ${a.agent_id} \\(db-1\\) has the same machine id`));
    assert.equal(b.warnings, undefined, 'a machine id of its own: no warning');
    const stillA = await server.call('GET', `${mirror()}/access/gateway_ca`, { token: a.api_token });
    assert.notEqual(stillA.status, 401, "the real host's credential still works");
    const hijack = await server.call('PUT', `${mirror()}/infrastructure/targets/${targetId}`, {
      token: thief.api_token,
      body: { hostname: 'db-1', ip: { ipv4: { ip_addr: '10.6.6.6' } } },
    });
    assert.equal(hijack.status, 403);
  });

  it('renewal swaps the credential (the old one is revoked) and is audited', async () => {
    const token = await createJoinToken();
    const first = (await enroll(token.token, 'renew-me')).body.result;
    const renewed = await server.call('POST', '/v1/agents/credential/renew', { token: first.api_token });
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    assert.equal(renewed.body.result.agent_id, first.agent_id);
    assert.notEqual(renewed.body.result.api_token, first.api_token);
    const old = await server.call('POST', '/v1/agents/credential/renew', { token: first.api_token });
    assert.equal(old.status, 401);
    assert.match(old.body.errors[0].message, /revoked/);
    const audit = await server.call('GET', '/v1/audit?action=agent.credential_renew');
    assert.equal(audit.body.result[0].actor, `agent:${first.agent_id}`);
  });

  it('heartbeats are stored per agent, readable by admins; drift repairs become audit events', async () => {
    const token = await createJoinToken();
    const agent = (await enroll(token.token, 'beat-1')).body.result;
    const beat = await server.call('POST', '/v1/agents/heartbeat', {
      token: agent.api_token,
      body: {
        version: '0.1.0',
        distro: 'debian 12',
        sshd_version: 'OpenSSH_9.2p1',
        clock_offset_ms: -1500,
        sshd_config: { state: 'trusted', method: 'drop-in', ca_keys: 1 },
        drift_repairs: [{ path: '/etc/ssh/ca.pub', at: now.toISOString(), status: 'applied' }],
      },
    });
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    assert.equal(beat.body.result.server_time, now.toISOString());
    const agents = await server.call('GET', `${server.base}/latchkey/agents`, {
      token: await server.token(['Zero Trust: Read']),
    });
    const listed = agents.body.result.find((a: Json) => a.id === agent.agent_id);
    assert.deepEqual(
      {
        version: listed.version,
        distro: listed.distro,
        sshd_version: listed.sshd_version,
        clock_offset_ms: listed.clock_offset_ms,
        sshd_config: listed.sshd_config,
        last_seen_at: listed.last_seen_at,
      },
      {
        version: '0.1.0',
        distro: 'debian 12',
        sshd_version: 'OpenSSH_9.2p1',
        clock_offset_ms: -1500,
        sshd_config: { state: 'trusted', method: 'drop-in', ca_keys: 1 },
        last_seen_at: now.toISOString(),
      },
    );
    const audit = await server.call('GET', '/v1/audit?action=agent.drift_repair');
    assert.equal(audit.body.result[0].after.path, '/etc/ssh/ca.pub');
    const bad = await server.call('POST', '/v1/agents/heartbeat', {
      token: agent.api_token,
      body: { version: '0.1.0', distro: 'x', sshd_config: { state: 'sideways' } },
    });
    assert.equal(bad.status, 400);
  });

  it("heartbeats report the host's recorder and mode; a break-glass is audited once, when it starts", async () => {
    const token = await createJoinToken();
    const agent = (await enroll(token.token, 'rec-1')).body.result;
    const beat = (recording: Json) =>
      server.call('POST', '/v1/agents/heartbeat', {
        token: agent.api_token,
        body: { version: '0.1.0', distro: 'debian 12', sshd_config: { state: 'trusted' }, recording },
      });
    const breakGlass = { until: '2026-11-25T14:00:00.000Z', reason: 'spool disk full' };
    const recording = { recorder_command: '/opt/lk/latchkey-agent record', mode: 'strict' };
    assert.equal((await beat(recording)).status, 200);
    assert.equal((await beat({ ...recording, break_glass: breakGlass })).status, 200);
    assert.equal((await beat({ ...recording, break_glass: breakGlass })).status, 200);
    const agents = await server.call('GET', `${server.base}/latchkey/agents`, {
      token: await server.token(['Zero Trust: Read']),
    });
    const listed = agents.body.result.find((a: Json) => a.id === agent.agent_id);
    assert.deepEqual(listed.recording, { ...recording, break_glass: breakGlass });
    const audit = await server.call('GET', '/v1/audit?action=agent.break_glass');
    const events = audit.body.result.filter((e: Json) => e.resource_id === agent.agent_id);
    assert.equal(events.length, 1, 'once, not on every heartbeat');
    assert.deepEqual(events[0].after, { ...breakGlass, hostname: 'rec-1' });

    for (const recorder_command of ['latchkey-agent record\nPermitTTY no', '   ', 'x'.repeat(1001)]) {
      const refused = await beat({ recorder_command, mode: 'strict' });
      assert.equal(refused.status, 400, JSON.stringify(recorder_command));
      assert.match(refused.body.errors[0].message, /recorder_command/);
    }
    const after = await server.call('GET', `${server.base}/latchkey/agents`, {
      token: await server.token(['Zero Trust: Read']),
    });
    assert.deepEqual(
      after.body.result.find((a: Json) => a.id === agent.agent_id).recording,
      { ...recording, break_glass: breakGlass },
      'a refused heartbeat changes nothing',
    );
  });
});
