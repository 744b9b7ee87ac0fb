// Session logs over the real HTTP app and a real SQLite store: agents upload sealed logs (idempotent,
// incomplete replaced, conflicts, bad digests, bad metadata, garbage, too large) of sessions the server
// issued for their own target (anything else is refused: issue 13), auditors list, read and download them
// (bytes identical and decryptable with the auditor key), and every change is audited.
import assert from 'node:assert/strict';
import { readSessionLog } from '@latchkey/shared';
import { AGENT_PERMISSION, ALL_PERMISSIONS, PERMISSIONS } from '../../../../server/src/domain/permissions.js';
import { startPostgres } from '../../../harness/postgres.js';
import type { RunningPostgres } from '../../../harness/postgres.js';
import { startTestServer } from '../../../server/support/test-server.js';
import type { Json, TestServer } from '../../../server/support/test-server.js';
import { buildApp } from '../../../../server/src/adapters/http/build-app.js';
import { createServices } from '../../../../server/src/compose.js';
import {
  enrollAgent,
  issueSession,
  makeAuditor,
  makeSessionLog,
  metadataFor,
  sha256Base64,
  sha256Hex,
  uploadHeaders,
} from '../../../server/http/ssh-logs-fixture.js';
import type { EnrolledAgent } from '../../../server/http/ssh-logs-fixture.js';
import type { SshLogUploadMetadata } from '@latchkey/shared';

const MAX_LOG_SIZE = 1024 * 1024;

describe('server HTTP: session logs', function () {
  this.timeout(30_000);
  let server: TestServer;
  let agent: EnrolledAgent;
  let session: string;
  const auditor = makeAuditor();

  before(async () => {
    server = await startTestServer({ maxLogSizeBytes: MAX_LOG_SIZE });
    agent = await enrollAgent(server, 'web-1');
    session = await issueSession(server, agent, { email: 'alice@example.com', username: 'alice' });
  });
  after(async () => server?.close());

  /** The metadata of a log of the issued session, as the agent sends it. */
  const meta = (overrides: Partial<SshLogUploadMetadata> = {}) =>
    metadataFor({ session_id: session, target_id: agent.targetId, ...overrides });
  const upload = (id: string, file: Uint8Array, metadata: unknown = meta(), headers = {}) =>
    server.call('PUT', `/v1/agents/ssh_logs/${id}`, {
      token: agent.token,
      body: Buffer.from(file),
      headers: { ...uploadHeaders(file, metadata), ...headers },
    });

  it('an agent uploads a log: 200 with its index, user_email lowercased, sha256 and size of the bytes', async () => {
    const file = makeSessionLog(auditor, 'hello from the shell\r\n');
    const answer = await upload('sess-1.20261124T100000Z.a1b2', file);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const log = answer.body.result;
    assert.equal(log.id, 'sess-1.20261124T100000Z.a1b2');
    assert.equal(log.agent_id, agent.agentId);
    assert.equal(log.user_email, 'alice@example.com');
    assert.equal(log.username, 'alice');
    assert.equal(log.program_type, 'shell');
    assert.equal(log.pty, true);
    assert.equal(log.status, 'complete');
    assert.equal(log.session_id, session);
    assert.equal(log.target_id, agent.targetId);
    assert.equal(log.target_hostname, 'web-1', "the target's hostname as issued, not the agent's claim");
    assert.equal(log.session_start_datetime, '2026-11-24T10:00:00.000Z');
    assert.equal(log.session_finish_datetime, '2026-11-24T10:05:00.000Z');
    assert.equal(log.size_bytes, file.length);
    assert.equal(log.sha256, sha256Hex(file));
    assert.equal(log.user_id, undefined, 'no built-in account has that email');
  });

  it('the same upload again answers 200 with the stored log and changes nothing', async () => {
    const file = makeSessionLog(auditor, 'same twice');
    const first = await upload('twice.1', file);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const second = await upload('twice.1', file);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(second.body.result, first.body.result);
    const events = await server.call('GET', '/v1/audit?action=ssh_log.upload&resource_id=twice.1');
    assert.equal(events.body.result.length, 1, 'one upload event, not two');
  });

  it('an incomplete log is replaced by a later upload of the same id; a complete one with other bytes is a 409', async () => {
    const partial = makeSessionLog(auditor, 'cut short');
    const first = await upload('grow.1', partial, meta({ status: 'incomplete', error: 'recorder died' }));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.result.status, 'incomplete');
    assert.equal(first.body.result.error, 'recorder died');

    const whole = makeSessionLog(auditor, 'the whole session');
    const second = await upload('grow.1', whole);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.result.status, 'complete');
    assert.equal(second.body.result.sha256, sha256Hex(whole));
    assert.equal(second.body.result.error, undefined);

    const other = makeSessionLog(auditor, 'something else');
    const third = await upload('grow.1', other);
    assert.equal(third.status, 409, JSON.stringify(third.body));
    assert.match(third.body.errors[0].message, /stored complete with another SHA-256.*never replaced/);
    const stored = await server.call('GET', `${server.base}/ssh_logs/grow.1`);
    assert.equal(stored.body.result.sha256, sha256Hex(whole), 'the complete log is kept');

    const events = await server.call('GET', '/v1/audit?action=ssh_log.upload&resource_id=grow.1');
    assert.equal(events.body.result.length, 2);
    const replace = events.body.result[0];
    assert.equal(replace.actor, `agent:${agent.agentId}`);
    assert.equal(replace.before.status, 'incomplete');
    assert.equal(replace.after.sha256, sha256Hex(whole));
  });

  it('another agent cannot replace a log it did not upload, even with a session of its own', async () => {
    const other = await enrollAgent(server, 'web-2');
    const partial = makeSessionLog(auditor, 'mine');
    assert.equal((await upload('owned.1', partial, meta({ status: 'incomplete' }))).status, 200);
    const claimed = await server.call('PUT', '/v1/agents/ssh_logs/owned.1', {
      token: other.token,
      body: partial,
      headers: uploadHeaders(partial, meta()),
    });
    assert.equal(claimed.status, 403, "web-1's session is not web-2's");
    const itsOwn = await issueSession(server, other, { email: 'alice@example.com', username: 'alice' });
    const answer = await server.call('PUT', '/v1/agents/ssh_logs/owned.1', {
      token: other.token,
      body: partial,
      headers: uploadHeaders(partial, meta({ session_id: itsOwn, target_id: other.targetId })),
    });
    assert.equal(answer.status, 409, JSON.stringify(answer.body));
    assert.match(answer.body.errors[0].message, /uploaded by another agent/);
  });

  it('the attack: logs indexed under another target, another person or a session never issued are refused (403)', async () => {
    const file = makeSessionLog(auditor, 'forged');
    const other = await enrollAgent(server, 'web-3');
    const elsewhere = await issueSession(server, other, { email: 'bob@example.com', username: 'bob' });
    const cases: [string, SshLogUploadMetadata, RegExp][] = [
      [
        'never issued',
        meta({ session_id: 'made-up-session' }),
        /session made-up-session was never issued by this server/,
      ],
      [
        "another target's session",
        meta({
          session_id: elsewhere,
          target_id: other.targetId,
          user_email: 'bob@example.com',
          username: 'bob',
        }),
        new RegExp(
          `session ${elsewhere} was issued for target ${other.targetId} \\(web-3\\), not for this agent's target ${agent.targetId}`,
        ),
      ],
      [
        'another person',
        meta({ user_email: 'ceo@example.com' }),
        /claims person ceo@example\.com, but session .* was issued to alice@example\.com/,
      ],
      [
        'another UNIX user',
        meta({ username: 'root' }),
        /claims UNIX user root, but session .* was issued for alice/,
      ],
      [
        'another target',
        meta({ target_id: other.targetId }),
        /claims target .*, but session .* was issued for target/,
      ],
    ];
    for (const [what, metadata, message] of cases) {
      const answer = await upload(`forged.${what.replace(/\W+/g, '-')}`, file, metadata);
      assert.equal(answer.status, 403, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.errors[0].latchkey_code, 'permission_denied');
      assert.match(answer.body.errors[0].message, message, what);
    }
    const listed = await server.call('GET', `${server.base}/ssh_logs?since=2000-01-01T00:00:00Z`);
    assert.ok(!listed.body.result.some((log: Json) => log.id.startsWith('forged.')), 'nothing stored');
  });

  it('the index comes from what was issued: empty claims are filled in, the hostname is the issued one', async () => {
    const file = makeSessionLog(auditor, 'claims left empty');
    const answer = await upload(
      'empty-claims.1',
      file,
      meta({ user_email: '', target_id: '', target_hostname: 'somewhere-else' }),
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.result.user_email, 'alice@example.com');
    assert.equal(answer.body.result.target_id, agent.targetId);
    assert.equal(answer.body.result.target_hostname, 'web-1');
  });

  it('a log uploaded after a restart (another server on the same database) is accepted', async () => {
    const restarted = await buildApp(
      await createServices({ store: server.store, caKeys: server.services.caKeys }),
    );
    try {
      const file = makeSessionLog(auditor, 'after a restart');
      const answer = await restarted.app.inject({
        method: 'PUT',
        url: '/v1/agents/ssh_logs/restart.1',
        headers: { authorization: `Bearer ${agent.token}`, ...uploadHeaders(file, meta()) },
        payload: file,
      });
      assert.equal(answer.statusCode, 200, answer.body);
    } finally {
      await restarted.app.close();
    }
  });

  it("a fronted target's logs (bound certificates) upload the same way", async () => {
    const fronted = await enrollAgent(server, 'web-front');
    const beat = await server.call('POST', '/v1/agents/heartbeat', {
      token: fronted.token,
      body: {
        version: '0.1.0',
        distro: 'debian 12',
        sshd_config: { state: 'trusted' },
        front: {
          port: 2222,
          host_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
        },
      },
    });
    assert.equal(beat.status, 200, JSON.stringify(beat.body));
    const bound = await issueSession(server, fronted, { email: 'alice@example.com', username: 'alice' });
    const issued = await server.store.issuedSessions.get(server.accountId, bound);
    assert.equal(issued?.boundToTarget, true);
    const file = makeSessionLog(auditor, 'through the front');
    const answer = await server.call('PUT', '/v1/agents/ssh_logs/fronted.1', {
      token: fronted.token,
      body: file,
      headers: uploadHeaders(file, meta({ session_id: bound, target_id: fronted.targetId })),
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });

  it('a wrong or missing Content-Digest is a 400 saying so; nothing is stored', async () => {
    const file = makeSessionLog(auditor, 'digest');
    const wrong = await upload('digest.1', file, meta(), {
      'content-digest': `sha-256=:${sha256Base64(Buffer.from('other'))}:`,
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.errors[0].latchkey_code, 'invalid_argument');
    assert.match(
      wrong.body.errors[0].message,
      /Content-Digest header says sha-256=.* but the \d+-byte body's is/,
    );
    const missing = await upload('digest.1', file, meta(), { 'content-digest': '' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.errors[0].message, /Content-Digest header is required/);
    const noSha256 = await upload('digest.1', file, meta(), { 'content-digest': 'sha-512=:AAAA:' });
    assert.match(noSha256.body.errors[0].message, /has no sha-256 member/);
    assert.equal((await server.call('GET', `${server.base}/ssh_logs/digest.1`)).status, 404);
  });

  it('a bad Latchkey-Log-Metadata header is a 400 naming the header and the field', async () => {
    const file = makeSessionLog(auditor, 'metadata');
    const missingField = await upload('meta.1', file, { ...meta(), username: undefined });
    assert.equal(missingField.status, 400, JSON.stringify(missingField.body));
    assert.match(missingField.body.errors[0].message, /Latchkey-Log-Metadata header.*username/);
    const wrongType = await upload('meta.1', file, meta({ pty: 'yes' as unknown as boolean }));
    assert.match(wrongType.body.errors[0].message, /Latchkey-Log-Metadata header: \/pty/);
    const notJson = await upload('meta.1', file, meta(), {
      'latchkey-log-metadata': Buffer.from('{oops').toString('base64url'),
    });
    assert.match(notJson.body.errors[0].message, /Latchkey-Log-Metadata header does not decode to JSON/);
    const absent = await server.call('PUT', '/v1/agents/ssh_logs/meta.1', {
      token: agent.token,
      body: file,
      headers: {
        'content-type': 'application/octet-stream',
        'content-digest': `sha-256=:${sha256Base64(file)}:`,
      },
    });
    assert.match(absent.body.errors[0].message, /Latchkey-Log-Metadata header is required/);
  });

  it('a body that is not a session log is refused with what is wrong, before anything is stored', async () => {
    const garbage = Buffer.from('this is not a session log at all, just text');
    const answer = await upload('garbage.1', garbage);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.equal(answer.body.errors[0].latchkey_code, 'malformed_session_log');
    assert.match(answer.body.errors[0].message, /^the body is not a session log: /);
    const empty = await upload('garbage.1', Buffer.alloc(0));
    assert.match(empty.body.errors[0].message, /the body is empty/);
    const json = await server.call('PUT', '/v1/agents/ssh_logs/garbage.1', {
      token: agent.token,
      body: { not: 'a file' },
      headers: { 'content-digest': `sha-256=:${sha256Base64(garbage)}:` },
    });
    assert.equal(json.status, 400);
    assert.match(json.body.errors[0].message, /Content-Type: application\/octet-stream/);
    assert.equal((await server.call('GET', `${server.base}/ssh_logs/garbage.1`)).status, 404);
  });

  it('a body over --max-log-size is a 413 saying the limit', async () => {
    const file = Buffer.concat([makeSessionLog(auditor, 'big'), Buffer.alloc(MAX_LOG_SIZE)]);
    const answer = await upload('big.1', file);
    assert.equal(answer.status, 413, JSON.stringify(answer.body));
    assert.equal(answer.body.errors[0].latchkey_code, 'payload_too_large');
    assert.match(answer.body.errors[0].message, /at most 1048576 bytes \(1 MiB, its --max-log-size\)/);
  });

  it('an invalid log id is a 400 naming the path parameter', async () => {
    const file = makeSessionLog(auditor, 'id');
    const answer = await upload('..hidden', file);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.match(answer.body.errors[0].message, /path parameter "log_id"/);
  });
});

describe('server HTTP: auditors list, read and download session logs', function () {
  this.timeout(30_000);
  let server: TestServer;
  let agent: EnrolledAgent;
  let agentB: EnrolledAgent;
  const sessions: string[] = [];
  const auditor = makeAuditor();
  const files = new Map<string, Buffer>();

  /** Six logs: two users, two targets (two agents), one incomplete, sessions an hour apart (log-0 oldest). */
  before(async () => {
    server = await startTestServer();
    agent = await enrollAgent(server, 'db-1');
    agentB = await enrollAgent(server, 'db-2');
    await server.addUser('bob@example.com', 'a long enough password');
    for (let i = 0; i < 6; i++) {
      const id = `log-${i}`;
      const uploader = i < 3 ? agent : agentB;
      const person =
        i % 2 === 0
          ? { email: 'alice@example.com', username: 'alice' }
          : { email: 'bob@example.com', username: 'bob' };
      const session = await issueSession(server, uploader, person);
      sessions.push(session);
      const file = makeSessionLog(auditor, `session ${i} output\r\n`, session);
      files.set(id, file);
      const metadata = metadataFor({
        session_id: session,
        user_email: i % 2 === 0 ? 'alice@example.com' : 'BOB@example.com',
        username: person.username,
        target_id: uploader.targetId,
        status: i === 5 ? 'incomplete' : 'complete',
        session_start_datetime: new Date(Date.UTC(2026, 10, 24, 10 + i)).toISOString(),
      });
      const answer = await server.call('PUT', `/v1/agents/ssh_logs/${id}`, {
        token: uploader.token,
        body: file,
        headers: uploadHeaders(file, metadata),
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    }
  });
  after(async () => server?.close());

  const ids = (body: Json) => body.result.map((log: Json) => log.id);
  const list = async (query = '') => {
    const answer = await server.call('GET', `${server.base}/ssh_logs${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };

  it('lists newest session first, with result_info', async () => {
    const body = await list();
    assert.deepEqual(ids(body), ['log-5', 'log-4', 'log-3', 'log-2', 'log-1', 'log-0']);
    assert.equal(body.result_info.total_count, 6);
    assert.equal(body.result[0].status, 'incomplete');
  });

  it('filters by session, user (case-insensitively), username, target, status and start time', async () => {
    assert.deepEqual(ids(await list(`?session_id=${sessions[3]}`)), ['log-3']);
    assert.deepEqual(ids(await list('?user_email=Bob@Example.COM')), ['log-5', 'log-3', 'log-1']);
    assert.deepEqual(ids(await list('?username=alice')), ['log-4', 'log-2', 'log-0']);
    assert.deepEqual(ids(await list(`?target_id=${agent.targetId}&username=bob`)), ['log-1']);
    assert.deepEqual(ids(await list('?status=incomplete')), ['log-5']);
    assert.deepEqual(
      ids(await list('?since=2026-11-24T11:00:00.000Z&until=2026-11-24T13:00:00.000Z')),
      ['log-2', 'log-1'],
      'since inclusive, until exclusive',
    );
    const bad = await server.call('GET', `${server.base}/ssh_logs?status=done`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors[0].message, /query parameter "status"/);
  });

  it('pages', async () => {
    const second = await list('?per_page=4&page=2');
    assert.deepEqual(ids(second), ['log-1', 'log-0']);
    assert.deepEqual(second.result_info, { page: 2, per_page: 4, count: 2, total_count: 6, total_pages: 2 });
  });

  it("knows a built-in account's user_id from the email", async () => {
    const bob = await server.store.users.getByEmail(server.accountId, 'bob@example.com');
    const one = await server.call('GET', `${server.base}/ssh_logs/log-1`);
    assert.equal(one.status, 200);
    assert.equal(one.body.result.user_id, bob?.id);
    assert.equal(one.body.result.user_email, 'bob@example.com');
    assert.equal(one.body.result.agent_id, agent.agentId);
    const alsoBob = await server.call('GET', `${server.base}/ssh_logs/log-3`);
    assert.equal(alsoBob.body.result.agent_id, agentB.agentId);
    const alice = await server.call('GET', `${server.base}/ssh_logs/log-0`);
    assert.equal(alice.body.result.user_id, undefined);
    const missing = await server.call('GET', `${server.base}/ssh_logs/nope`);
    assert.equal(missing.status, 404);
    assert.match(missing.body.errors[0].message, /session log nope was not found/);
  });

  it('downloads the exact bytes the agent sent, which the auditor key decrypts; the download is audited', async () => {
    const token = await server.token([PERMISSIONS.sshAuditingRead]);
    const response = await server.app.inject({
      method: 'GET',
      url: `${server.base}/ssh_logs/log-3/file`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.statusCode, 200, response.body);
    const bytes = response.rawPayload;
    const sent = files.get('log-3')!;
    assert.equal(sha256Hex(bytes), sha256Hex(sent));
    assert.equal(response.headers['content-type'], 'application/octet-stream');
    assert.equal(response.headers['content-length'], String(sent.length));
    assert.equal(response.headers['content-digest'], `sha-256=:${sha256Base64(sent)}:`);
    assert.equal(response.headers['content-disposition'], 'attachment; filename="log-3.log"');

    const opened = readSessionLog(bytes, auditor.privateKey);
    assert.equal(opened.integrity.status, 'verified', opened.integrity.problems.join('; '));
    assert.equal(opened.integrity.identity?.session_id, sessions[3]);
    const text = Buffer.concat(opened.packets.map((packet) => packet.data)).toString();
    assert.equal(text, 'session 3 output\r\n');

    const tokenId = (await server.store.apiTokens.list(server.accountId)).find(
      (t) => t.permissions.includes(PERMISSIONS.sshAuditingRead) && t.permissions.length === 1,
    )?.id;
    const events = await server.call('GET', '/v1/audit?action=ssh_log.download&resource_id=log-3');
    assert.equal(events.body.result.length, 1);
    assert.equal(events.body.result[0].actor, `token:${tokenId}`);
    assert.equal(events.body.result[0].after.sha256, sha256Hex(sent));
    const missing = await server.call('GET', `${server.base}/ssh_logs/nope/file`);
    assert.equal(missing.status, 404);
    const head = await server.call('HEAD', `${server.base}/ssh_logs/log-3/file`, { token });
    assert.equal(head.status, 405, 'a HEAD is not a download');
    const after = await server.call('GET', '/v1/audit?action=ssh_log.download&resource_id=log-3');
    assert.equal(after.body.result.length, 1);
  });

  it('an admin token without SSH Auditing Read, and an agent credential, can neither list nor download', async () => {
    const others = await server.token(
      ALL_PERMISSIONS.filter((p) => p !== PERMISSIONS.sshAuditingRead && p !== PERMISSIONS.sshAuditingEdit),
    );
    for (const token of [others, agent.token]) {
      for (const url of [
        `${server.base}/ssh_logs`,
        `${server.base}/ssh_logs/log-1`,
        `${server.base}/ssh_logs/log-1/file`,
      ]) {
        const answer = await server.call('GET', url, { token });
        assert.equal(answer.status, 403, `${url}: ${JSON.stringify(answer.body)}`);
        assert.match(answer.body.errors[0].message, /lacks the permission "Access: SSH Auditing: Read"/);
      }
    }
    const edit = await server.token([PERMISSIONS.sshAuditingEdit]);
    assert.equal((await server.call('GET', `${server.base}/ssh_logs`, { token: edit })).status, 200);
  });

  it('only agents upload: an admin token is refused, an agent-permission token that is no agent is a 404', async () => {
    const file = files.get('log-0')!;
    const admin = await server.call('PUT', '/v1/agents/ssh_logs/x.1', {
      body: file,
      headers: uploadHeaders(file, metadataFor()),
    });
    assert.equal(admin.status, 403);
    assert.match(admin.body.errors[0].message, /"Latchkey: Agent"/);
    const notAnAgent = await server.call('PUT', '/v1/agents/ssh_logs/x.1', {
      token: await server.token([AGENT_PERMISSION]),
      body: file,
      headers: uploadHeaders(file, metadataFor()),
    });
    assert.equal(notAnAgent.status, 404);
    assert.match(notAnAgent.body.errors[0].message, /no enrolled agent holds this API token/);
  });

  it("GET /v1/agents/recording answers the auditors' public key, '' while logging is off", async () => {
    const off = await server.call('GET', '/v1/agents/recording', { token: agent.token });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.deepEqual(off.body.result, { auditor_public_key: '' });
    const put = await server.call('PUT', `${server.base}/gateway/audit_ssh_settings`, {
      body: { public_key: auditor.publicKeyText },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const on = await server.call('GET', '/v1/agents/recording', { token: agent.token });
    assert.deepEqual(on.body.result, { auditor_public_key: auditor.publicKeyText });
    const admin = await server.call('GET', '/v1/agents/recording');
    assert.equal(admin.status, 403);
  });

  it('the OpenAPI document shows the binary body and the binary download', async () => {
    const doc = (await server.call('GET', '/openapi.json', { token: null })).body;
    const put = doc.paths['/v1/agents/ssh_logs/{log_id}'].put;
    assert.deepEqual(Object.keys(put.requestBody.content), ['application/octet-stream']);
    assert.equal(put.requestBody.content['application/octet-stream'].schema.format, 'binary');
    const headers = put.parameters.filter((p: Json) => p.in === 'header').map((p: Json) => p.name);
    assert.deepEqual(headers.sort(), ['content-digest', 'latchkey-log-metadata']);
    assert.ok(put.responses['200'].content['application/json'].schema.properties.result);
    const file = doc.paths['/client/v4/accounts/{account_id}/ssh_logs/{log_id}/file'].get;
    assert.equal(file.responses['200'].content['application/octet-stream'].schema.format, 'binary');
    assert.ok(file.responses['200'].headers['content-digest']);
  });
});

describe('server HTTP: session logs on PostgreSQL', function () {
  this.timeout(60_000);
  let postgres: RunningPostgres | undefined;
  let server: TestServer;
  let agent: EnrolledAgent;
  let metadata: SshLogUploadMetadata;
  const auditor = makeAuditor();

  before(async () => {
    postgres = await startPostgres();
    server = await startTestServer({ databaseUrl: await postgres.createDatabase() });
    agent = await enrollAgent(server, 'pg-1');
    const session = await issueSession(server, agent, { email: 'alice@example.com', username: 'alice' });
    metadata = metadataFor({ session_id: session, target_id: agent.targetId });
  });
  after(async () => {
    await server?.close();
    await postgres?.stop();
  });

  it('concurrent first uploads of one log all answer 200 with the same log, stored and audited once', async () => {
    const file = makeSessionLog(auditor, 'raced');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        server.call('PUT', '/v1/agents/ssh_logs/race.1', {
          token: agent.token,
          body: file,
          headers: uploadHeaders(file, metadata),
        }),
      ),
    );
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(new Set(answers.map((answer) => answer.body.result.uploaded_at)).size, 1);
    const events = await server.call('GET', '/v1/audit?action=ssh_log.upload&resource_id=race.1');
    assert.equal(events.body.result.length, 1);
  });

  it('downloads the bytes back, decryptable', async () => {
    const file = makeSessionLog(auditor, 'from postgres');
    const put = await server.call('PUT', '/v1/agents/ssh_logs/pg.1', {
      token: agent.token,
      body: file,
      headers: uploadHeaders(file, metadata),
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const response = await server.app.inject({
      method: 'GET',
      url: `${server.base}/ssh_logs/pg.1/file`,
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(response.statusCode, 200);
    assert.ok(response.rawPayload.equals(file));
    const opened = readSessionLog(response.rawPayload, auditor.privateKey);
    assert.equal(opened.integrity.status, 'verified');
  });
});
