// Live SSH sessions and ending them (DESIGN.md flow 9) over the real HTTP app: agents report their
// fronts' sessions in heartbeats, admins list and end them, agents long-poll for what to end, and a
// person's sessions end everywhere when their account is disabled, its password reset, or they sign out.
import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { resetUserPassword, setUserDisabled } from '../../../../server/src/app/sign-in/built-in-users.js';
import { PERMISSIONS } from '../../../../server/src/domain/permissions.js';
import { postForm, signInBuiltIn } from '../../../server/sign-in/sign-in-client.js';
import { startTestServer } from '../../../server/support/test-server.js';
import type { Json, TestServer } from '../../../server/support/test-server.js';

const HOST_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();

interface EnrolledAgent {
  agent_id: string;
  api_token: string;
}

describe('server: live SSH sessions and session control', function () {
  this.timeout(30_000);
  let server: TestServer;
  /** The server's clock runs this far ahead of real time (tests move it to age heartbeats). */
  let offsetMs = 0;
  let agentA: EnrolledAgent;
  let agentB: EnrolledAgent;
  let otherAgent: EnrolledAgent;
  let reader: string;

  const session = (session_id: string, person = 'ada@example.com', extra: Json = {}) => ({
    session_id,
    person,
    unix_user: 'deploy',
    program: 'shell',
    started_at: new Date(Date.now() + offsetMs - 60_000).toISOString(),
    client_address: '192.0.2.10',
    ...extra,
  });

  async function enroll(hostname: string): Promise<EnrolledAgent> {
    const token = await server.call('POST', `${server.base}/latchkey/join_tokens`, {
      body: { name: hostname },
    });
    const enrolled = await server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: {
        join_token: token.body.result.token,
        hostname,
        agent: { version: '0.2.0', distro: 'debian 12' },
      },
    });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    return enrolled.body.result;
  }

  const heartbeat = (agent: EnrolledAgent, extra: Json) =>
    server.call('POST', '/v1/agents/heartbeat', {
      token: agent.api_token,
      body: { version: '0.2.0', distro: 'debian 12', sshd_config: { state: 'trusted' }, ...extra },
    });

  const control = (agent: EnrolledAgent, query: string) =>
    server.call('GET', `/v1/agents/session_control${query}`, { token: agent.api_token });

  /** The cursor an agent starts from. */
  async function startCursor(agent: EnrolledAgent): Promise<number> {
    const first = await control(agent, '');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.result.terminations, []);
    return first.body.result.cursor;
  }

  before(async () => {
    server = await startTestServer({ listen: true, clock: () => new Date(Date.now() + offsetMs) });
    agentA = await enroll('web-1');
    agentB = await enroll('db-1');
    otherAgent = await enroll('idle-1');
    reader = await server.token([PERMISSIONS.zeroTrustRead]);
  });
  after(async () => server?.close());
  beforeEach(() => {
    offsetMs = 0;
  });

  it('heartbeats carry the front and its sessions; admins see them in the agent list', async () => {
    const beat = await heartbeat(agentA, {
      front: { port: 2022, host_key: `  ${HOST_KEY} root@web-1  ` },
      sessions: [
        session('sess-a1'),
        session('sess-a2', 'Bob@Example.com', { program: 'exec', command: 'uptime' }),
      ],
    });
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    const agents = await server.call('GET', `${server.base}/latchkey/agents`, { token: reader });
    const listed = agents.body.result.find((a: Json) => a.id === agentA.agent_id);
    assert.deepEqual(listed.front, { port: 2022, host_key: HOST_KEY }, 'the host key, normalised');
    assert.equal(listed.session_count, 2);
    const idle = agents.body.result.find((a: Json) => a.id === otherAgent.agent_id);
    assert.equal(idle.front, undefined);
    assert.equal(idle.session_count, undefined);
  });

  it('refuses a front whose host key is not one OpenSSH public key line, and bad sessions', async () => {
    for (const host_key of [
      'not a key',
      'ssh-ed25519 AAAA',
      `${HOST_KEY}\n${HOST_KEY}`,
      `from="x" ${HOST_KEY}`,
    ]) {
      const refused = await heartbeat(agentB, { front: { port: 2022, host_key } });
      assert.equal(refused.status, 400, host_key);
      assert.equal(refused.body.errors[0].source.pointer, '/front/host_key', host_key);
    }
    for (const front of [
      { port: 0, host_key: HOST_KEY },
      { port: 22, host_key: HOST_KEY, extra: 1 },
    ]) {
      assert.equal((await heartbeat(agentB, { front })).status, 400, JSON.stringify(front));
    }
    for (const bad of [
      session('has space'),
      session('x'.repeat(65)),
      session('ok', 'ada@example.com', { program: 'x11' }),
      session('ok', 'ada@example.com', { started_at: 'yesterday' }),
    ]) {
      assert.equal((await heartbeat(agentB, { sessions: [bad] })).status, 400, JSON.stringify(bad));
    }
    const tooMany = Array.from({ length: 2001 }, (_, i) => session(`s-${i}`));
    assert.equal((await heartbeat(agentB, { sessions: tooMany })).status, 400);
  });

  it('lists live sessions of agents heard from in the last 3 minutes, with their host and agent', async () => {
    await heartbeat(agentA, { front: { port: 2022, host_key: HOST_KEY }, sessions: [session('sess-a1')] });
    await heartbeat(agentB, { sessions: [session('sess-b1', 'carol@example.com')] });
    const listed = await server.call('GET', `${server.base}/access/ssh_sessions`, { token: reader });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const byId = new Map(listed.body.result.map((s: Json) => [s.session_id, s]));
    assert.deepEqual([...byId.keys()].sort(), ['sess-a1', 'sess-b1']);
    const a1 = byId.get('sess-a1') as Json;
    assert.deepEqual(
      { ...a1, started_at: undefined, reported_at: undefined },
      {
        session_id: 'sess-a1',
        person: 'ada@example.com',
        unix_user: 'deploy',
        program: 'shell',
        started_at: undefined,
        client_address: '192.0.2.10',
        hostname: 'web-1',
        agent_id: agentA.agent_id,
        reported_at: undefined,
      },
    );
    // Four minutes on, agent B has not been heard from again: its sessions are not live any more.
    offsetMs = 4 * 60_000;
    await heartbeat(agentA, { sessions: [session('sess-a1')] });
    const later = await server.call('GET', `${server.base}/access/ssh_sessions`, { token: reader });
    assert.deepEqual(
      later.body.result.map((s: Json) => s.session_id),
      ['sess-a1'],
    );
    const gone = await server.call('DELETE', `${server.base}/access/ssh_sessions/sess-b1`);
    assert.equal(gone.status, 404, 'a session no live agent reports cannot be ended');
  });

  it('session control: no `after` gives the current cursor at once; an agent sees its own and account-wide orders', async () => {
    await heartbeat(agentA, { sessions: [session('end-me-a')] });
    await heartbeat(agentB, { sessions: [session('end-me-b')] });
    const cursorA = await startCursor(agentA);
    const cursorB = await startCursor(agentB);
    assert.equal(cursorA, cursorB);

    const endedA = await server.call('DELETE', `${server.base}/access/ssh_sessions/end-me-a`);
    assert.equal(endedA.status, 200, JSON.stringify(endedA.body));
    assert.equal(endedA.body.result.session.agent_id, agentA.agent_id);
    assert.equal(endedA.body.result.termination_ids.length, 1);
    const endedB = await server.call('DELETE', `${server.base}/access/ssh_sessions/end-me-b`);
    assert.equal(endedB.status, 200);
    await server.store.sessionTerminations.create(server.accountId, {
      person: 'dave@example.com',
      issuedBefore: new Date(),
      reason: 'user_disabled',
    });

    const seenByA = await control(agentA, `?after=${cursorA}&wait_seconds=0`);
    assert.equal(seenByA.status, 200);
    assert.deepEqual(
      seenByA.body.result.terminations.map((t: Json) => [t.session_id, t.person, t.reason]),
      [
        ['end-me-a', undefined, 'ended_by_admin'],
        [undefined, 'dave@example.com', 'user_disabled'],
      ],
    );
    assert.equal(seenByA.body.result.terminations[0].id, endedA.body.result.termination_ids[0]);
    const seenByB = await control(agentB, `?after=${cursorB}&wait_seconds=0`);
    assert.deepEqual(
      seenByB.body.result.terminations.map((t: Json) => t.session_id ?? t.person),
      ['end-me-b', 'dave@example.com'],
    );
    const cursor = seenByA.body.result.cursor;
    assert.ok(cursor >= seenByA.body.result.terminations[1].id);
    // From the new cursor: nothing, and an answer at once with wait_seconds=0.
    const none = await control(agentA, `?after=${cursor}&wait_seconds=0`);
    assert.deepEqual(none.body.result, { terminations: [], cursor });
    // A restart (no `after`) does not replay history; a cursor from another database comes back down.
    assert.deepEqual((await control(agentA, '')).body.result, { terminations: [], cursor });
    assert.deepEqual((await control(agentA, `?after=${cursor + 1000}`)).body.result, {
      terminations: [],
      cursor,
    });
    // The issued_before of an ended session is never before the start its agent reported.
    const issuedBefore = Date.parse(seenByA.body.result.terminations[0].issued_before);
    assert.ok(issuedBefore > Date.now() - 60_000 - 1000);

    const audit = await server.call('GET', '/v1/audit?action=ssh_session.end');
    const event = audit.body.result.find((e: Json) => e.resource_id === 'end-me-a');
    assert.equal(event.actor.startsWith('token:'), true);
    assert.deepEqual(event.after.agent_ids, [agentA.agent_id]);
    assert.equal(event.after.person, 'ada@example.com');
  });

  it('a waiting poll returns within a second of a DELETE from another request', async () => {
    await heartbeat(agentA, { sessions: [session('live-1')] });
    const cursor = await startCursor(agentA);
    const started = Date.now();
    const polling = control(agentA, `?after=${cursor}&wait_seconds=20`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ended = await server.call('DELETE', `${server.base}/access/ssh_sessions/live-1`);
    assert.equal(ended.status, 200);
    const answer = await polling;
    const took = Date.now() - started;
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body.result.terminations.map((t: Json) => t.session_id),
      ['live-1'],
    );
    assert.ok(took >= 300 && took < 1300, `answered after ${took} ms`);
  });

  it('a waiting poll sees a termination another server process stored (through the database)', async () => {
    const cursor = await startCursor(agentA);
    const polling = control(agentA, `?after=${cursor}&wait_seconds=20`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Stored without telling this process's feed, as another process on the same database would.
    const stored = await server.store.sessionTerminations.create(server.accountId, {
      agentId: agentA.agent_id,
      sessionId: 'elsewhere-1',
      issuedBefore: new Date(),
      reason: 'ended_by_admin',
    });
    const storedAt = Date.now();
    const answer = await polling;
    assert.deepEqual(
      answer.body.result.terminations.map((t: Json) => t.id),
      [stored.id],
    );
    assert.ok(Date.now() - storedAt < 1200, `answered ${Date.now() - storedAt} ms after the insert`);
  });

  it("a poll that waits the whole time answers no terminations; another agent's orders do not wake it", async () => {
    await heartbeat(agentB, { sessions: [session('b-only')] });
    const cursor = await startCursor(agentA);
    const started = Date.now();
    const polling = control(agentA, `?after=${cursor}&wait_seconds=2`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await server.call('DELETE', `${server.base}/access/ssh_sessions/b-only`)).status, 200);
    const answer = await polling;
    assert.equal(answer.body.result.terminations.length, 0);
    assert.ok(answer.body.result.cursor > cursor, 'the cursor moves past what it need not see');
    assert.ok(Date.now() - started >= 1900, 'it waited for its own');
  });

  it('listing needs Zero Trust: Read, ending needs Zero Trust: Edit; agents and other tokens cannot', async () => {
    await heartbeat(agentA, { sessions: [session('guarded')] });
    const readOnly = await server.call('DELETE', `${server.base}/access/ssh_sessions/guarded`, {
      token: reader,
    });
    assert.equal(readOnly.status, 403);
    assert.match(readOnly.body.errors[0].message, /Zero Trust: Edit/);
    const auditor = await server.token([PERMISSIONS.sshAuditingEdit, PERMISSIONS.appsAndPoliciesEdit]);
    assert.equal(
      (await server.call('GET', `${server.base}/access/ssh_sessions`, { token: auditor })).status,
      403,
    );
    assert.equal(
      (await server.call('GET', `${server.base}/access/ssh_sessions`, { token: agentA.api_token })).status,
      403,
    );
    assert.equal((await server.call('GET', '/v1/agents/session_control', { token: reader })).status, 403);
    assert.equal((await server.call('GET', '/v1/agents/session_control', { token: null })).status, 401);
    const badQuery = await control(agentA, '?after=-1');
    assert.equal(badQuery.status, 400);
    assert.equal((await control(agentA, '?after=0&wait_seconds=26')).status, 400);
    assert.equal(
      (await server.call('DELETE', `${server.base}/access/ssh_sessions/not%20an%20id`)).status,
      400,
    );
  });

  it("disabling a person, resetting their password and signing out end the person's sessions on every agent", async () => {
    const email = 'erin@example.com';
    await server.addUser(email, 'erin password');
    const cursor = await startCursor(agentB);
    const polling = control(agentB, `?after=${cursor}&wait_seconds=20`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await setUserDisabled(server.services, server.accountId, email, true, 'test');
    const disabled = await polling;
    assert.deepEqual(
      disabled.body.result.terminations.map((t: Json) => [t.person, t.reason, t.session_id]),
      [[email, 'user_disabled', undefined]],
    );
    await setUserDisabled(server.services, server.accountId, email, false, 'test');
    await resetUserPassword(server.services, server.accountId, email, 'erin new password', 'test');
    const tokens = await signInBuiltIn(server.url, email, 'erin new password');
    assert.equal((await postForm(server.url, '/oauth/revoke', { token: tokens.refresh_token })).status, 200);
    const rest = await control(agentA, `?after=${disabled.body.result.cursor}&wait_seconds=0`);
    assert.deepEqual(
      rest.body.result.terminations.map((t: Json) => [t.person, t.reason]),
      [
        [email, 'password_reset'],
        [email, 'signed_out'],
      ],
      'enabling ends nothing; every agent of the account gets the account-wide orders',
    );
    const audit = await server.call('GET', '/v1/audit?action=ssh_session.end_all');
    assert.deepEqual(
      audit.body.result
        .filter((e: Json) => e.resource_id === email)
        .map((e: Json) => [e.actor, e.after.reason])
        .reverse(),
      [
        ['test', 'user_disabled'],
        ['test', 'password_reset'],
        [`user:${email}`, 'signed_out'],
      ],
    );
  });

  it('closing the server answers a waiting poll at once instead of holding the shutdown', async () => {
    const another = await startTestServer({ listen: true });
    try {
      const token = await another.call('POST', `${another.base}/latchkey/join_tokens`, {
        body: { name: 'x' },
      });
      const agent = (
        await another.call('POST', '/v1/agents/enroll', {
          token: null,
          body: { join_token: token.body.result.token, hostname: 'x-1', agent: { version: '0.2.0' } },
        })
      ).body.result;
      const headers = { authorization: `Bearer ${agent.api_token}` };
      const first = (await (
        await fetch(`${another.url}/v1/agents/session_control`, { headers })
      ).json()) as Json;
      const polling = fetch(
        `${another.url}/v1/agents/session_control?after=${first.result.cursor}&wait_seconds=25`,
        { headers },
      ).then(async (response) => ({ status: response.status, body: (await response.json()) as Json }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(another.services.sessionTerminationFeed.waiting, 1);
      const closing = Date.now();
      await another.close();
      assert.ok(Date.now() - closing < 2000, `closed in ${Date.now() - closing} ms`);
      const answer = await polling;
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.result, { terminations: [], cursor: first.result.cursor });
    } finally {
      await another.close().catch(() => undefined);
    }
  });
});
