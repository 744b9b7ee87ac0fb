// Session logs over the real HTTP app and a real SQLite store: agents upload sealed logs (idempotent,
// incomplete replaced, conflicts, bad digests, bad metadata, garbage, too large), auditors list, read and
// download them (bytes identical and decryptable with the auditor key), and every change is audited.
import assert from 'node:assert/strict';
import { readSessionLog } from '@latchkey/shared';
import { AGENT_PERMISSION, ALL_PERMISSIONS, PERMISSIONS } from '../../../server/src/domain/permissions.js';
import { startPostgres } from '../../harness/postgres.js';
import type { RunningPostgres } from '../../harness/postgres.js';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';
import {
  enrollAgent,
  makeAuditor,
  makeSessionLog,
  metadataFor,
  sha256Base64,
  sha256Hex,
  uploadHeaders,
} from './ssh-logs-fixture.js';

const MAX_LOG_SIZE = 1024 * 1024;

describe('server HTTP: session logs', function () {
  this.timeout(30_000);
  let server: TestServer;
  let agent: { token: string; agentId: string };
  const auditor = makeAuditor();

  before(async () => {
    server = await startTestServer({ maxLogSizeBytes: MAX_LOG_SIZE });
    agent = await enrollAgent(server, 'web-1');
  });
  after(async () => server?.close());

  const upload = (id: string, file: Uint8Array, metadata: unknown = metadataFor(), headers = {}) =>
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
    const first = await upload(
      'grow.1',
      partial,
      metadataFor({ status: 'incomplete', error: 'recorder died' }),
    );
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

  it('another agent cannot replace a log it did not upload', async () => {
    const other = await enrollAgent(server, 'web-2');
    const partial = makeSessionLog(auditor, 'mine');
    assert.equal((await upload('owned.1', partial, metadataFor({ status: 'incomplete' }))).status, 200);
    const answer = await server.call('PUT', '/v1/agents/ssh_logs/owned.1', {
      token: other.token,
      body: partial,
      headers: uploadHeaders(partial, metadataFor()),
    });
    assert.equal(answer.status, 409, JSON.stringify(answer.body));
    assert.match(answer.body.errors[0].message, /uploaded by another agent/);
  });

  it('a wrong or missing Content-Digest is a 400 saying so; nothing is stored', async () => {
    const file = makeSessionLog(auditor, 'digest');
    const wrong = await upload('digest.1', file, metadataFor(), {
      'content-digest': `sha-256=:${sha256Base64(Buffer.from('other'))}:`,
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.errors[0].latchkey_code, 'invalid_argument');
    assert.match(
      wrong.body.errors[0].message,
      /Content-Digest header says sha-256=.* but the \d+-byte body's is/,
    );
    const missing = await upload('digest.1', file, metadataFor(), { 'content-digest': '' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.errors[0].message, /Content-Digest header is required/);
    const noSha256 = await upload('digest.1', file, metadataFor(), { 'content-digest': 'sha-512=:AAAA:' });
    assert.match(noSha256.body.errors[0].message, /has no sha-256 member/);
    assert.equal((await server.call('GET', `${server.base}/ssh_logs/digest.1`)).status, 404);
  });

  it('a bad Latchkey-Log-Metadata header is a 400 naming the header and the field', async () => {
    const file = makeSessionLog(auditor, 'metadata');
    const missingField = await upload('meta.1', file, { ...metadataFor(), username: undefined });
    assert.equal(missingField.status, 400, JSON.stringify(missingField.body));
    assert.match(missingField.body.errors[0].message, /Latchkey-Log-Metadata header.*username/);
    const wrongType = await upload('meta.1', file, metadataFor({ pty: 'yes' as unknown as boolean }));
    assert.match(wrongType.body.errors[0].message, /Latchkey-Log-Metadata header: \/pty/);
    const notJson = await upload('meta.1', file, metadataFor(), {
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
  let agent: { token: string; agentId: string };
  const auditor = makeAuditor();
  const files = new Map<string, Buffer>();

  /** Six logs: two users, two targets, one incomplete, sessions an hour apart (log-0 oldest). */
  before(async () => {
    server = await startTestServer();
    agent = await enrollAgent(server, 'db-1');
    await server.addUser('bob@example.com', 'a long enough password');
    for (let i = 0; i < 6; i++) {
      const id = `log-${i}`;
      const file = makeSessionLog(auditor, `session ${i} output\r\n`, `sess-${i}`);
      files.set(id, file);
      const metadata = metadataFor({
        session_id: `sess-${i}`,
        user_email: i % 2 === 0 ? 'alice@example.com' : 'BOB@example.com',
        username: i % 2 === 0 ? 'alice' : 'bob',
        target_id: i < 3 ? 'target-a' : 'target-b',
        status: i === 5 ? 'incomplete' : 'complete',
        session_start_datetime: new Date(Date.UTC(2026, 10, 24, 10 + i)).toISOString(),
      });
      const answer = await server.call('PUT', `/v1/agents/ssh_logs/${id}`, {
        token: agent.token,
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
    assert.deepEqual(ids(await list('?session_id=sess-3')), ['log-3']);
    assert.deepEqual(ids(await list('?user_email=Bob@Example.COM')), ['log-5', 'log-3', 'log-1']);
    assert.deepEqual(ids(await list('?username=alice')), ['log-4', 'log-2', 'log-0']);
    assert.deepEqual(ids(await list('?target_id=target-a&username=bob')), ['log-1']);
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
    assert.equal(opened.integrity.identity?.session_id, 'sess-3');
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
  let agent: { token: string; agentId: string };
  const auditor = makeAuditor();

  before(async () => {
    postgres = await startPostgres();
    server = await startTestServer({ databaseUrl: await postgres.createDatabase() });
    agent = await enrollAgent(server, 'pg-1');
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
          headers: uploadHeaders(file, metadataFor()),
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
      headers: uploadHeaders(file, metadataFor()),
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
