// Session logs over the real HTTP app and a real SQLite store: agents upload sealed logs (idempotent,
// incomplete replaced, conflicts, bad digests, bad metadata, garbage, too large), auditors list, read and
// download them (bytes identical and decryptable with the auditor key), and every change is audited.
import assert from 'node:assert/strict';
import { readSessionLog } from '@latchkey/shared';
import { PERMISSIONS } from '../../../server/src/domain/permissions.js';
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

export type { Json };
export { PERMISSIONS, readSessionLog };
