// A session-log upload that breaks off mid-body, over a real socket, on SQLite and on PostgreSQL: the
// server stores nothing of it (no log; a log already stored under that id keeps its bytes and index), and
// a whole upload afterwards succeeds and downloads byte for byte (issue 19: the server writes an upload
// to the store as it arrives, so a cut-off one must be cleared away, not half-kept).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { isLatchkeyError, type SshLogUploadMetadata } from '@latchkey/shared';
import { AgentServerClient } from '../../../../agent/src/adapters/http/agent-server-client.js';
import { eventually } from '../../../harness/index.js';
import { startPostgres, type RunningPostgres } from '../../../harness/postgres.js';
import { PERMISSIONS } from '../../../../server/src/domain/permissions.js';
import { startTestServer, type TestServer } from '../../../server/support/test-server.js';
import {
  enrollAgent,
  issueSession,
  makeAuditor,
  makeSessionLog,
  metadataFor,
  sha256Hex,
  uploadHeaders,
  type EnrolledAgent,
} from '../../../server/http/ssh-logs-fixture.js';

const MiB = 1024 * 1024;

/** Sends the headers of a `file` upload and its first `sent` bytes, then breaks the connection. */
async function cutOffUpload(
  url: string,
  token: string,
  logId: string,
  file: Buffer,
  metadata: SshLogUploadMetadata,
  sent: number,
): Promise<void> {
  await new Promise<void>((resolve) => {
    const outgoing = request(`${url}/v1/agents/ssh_logs/${logId}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${token}`,
        'content-length': String(file.length),
        ...uploadHeaders(file, metadata),
      },
    });
    outgoing.on('error', () => resolve());
    outgoing.on('response', () => resolve());
    outgoing.write(file.subarray(0, sent), () => {
      // Give the server the bytes, then break off as a failing link would.
      setImmediate(() => {
        outgoing.destroy();
        resolve();
      });
    });
  });
}

/** A real session log padded with framed random chunks to `size` bytes (the server never decrypts). */
function bigLog(text: string, size: number): Buffer {
  const head = makeSessionLog(makeAuditor(), text);
  const parts: Buffer[] = [head];
  let length = head.length;
  while (length + 4 + 16 < size) {
    const body = Math.min(64 * 1024, size - length - 4);
    const frame = Buffer.alloc(4 + body);
    frame.writeUInt32BE(body, 0);
    randomBytes(body).copy(frame, 4);
    parts.push(frame);
    length += frame.length;
  }
  return Buffer.concat(parts);
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`server HTTP: a session-log upload cut off mid-body (${backend})`, function () {
    this.timeout(120_000);
    let postgres: RunningPostgres | undefined;
    let server: TestServer;
    let agent: EnrolledAgent;
    let metadata: SshLogUploadMetadata;

    before(async () => {
      if (backend === 'postgres') postgres = await startPostgres();
      server = await startTestServer({
        listen: true,
        ...(postgres === undefined ? {} : { databaseUrl: await postgres.createDatabase() }),
      });
      agent = await enrollAgent(server, `cut-${backend}`);
      const session = await issueSession(server, agent, { email: 'alice@example.com', username: 'alice' });
      metadata = metadataFor({ session_id: session, target_id: agent.targetId });
    });
    after(async () => {
      await server?.close();
      await postgres?.stop();
    });

    async function downloaded(logId: string): Promise<string> {
      const token = await server.token([PERMISSIONS.sshAuditingRead]);
      const response = await fetch(`${server.url}${server.base}/ssh_logs/${logId}/file`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      return sha256Hex(Buffer.from(await response.arrayBuffer()));
    }

    async function put(logId: string, file: Buffer, status: 'complete' | 'incomplete') {
      const response = await fetch(`${server.url}/v1/agents/ssh_logs/${logId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${agent.token}`, ...uploadHeaders(file, { ...metadata, status }) },
        body: file,
      });
      return { status: response.status, body: (await response.json()) as { result: { sha256: string } } };
    }

    it('stores nothing of it; the whole upload afterwards is stored byte for byte', async () => {
      const file = bigLog('cut', 6 * MiB);
      await cutOffUpload(server.url, agent.token, 'cut.1', file, metadata, 3 * MiB + 17);
      // The server may still be reading what reached it: it must end with no log, never a partial one.
      await eventually('the cut-off upload refused', 10_000, async () => {
        const answer = await server.call('GET', `${server.base}/ssh_logs/cut.1`);
        return answer.status === 404 ? true : undefined;
      });
      const whole = await put('cut.1', file, 'complete');
      assert.equal(whole.status, 200, JSON.stringify(whole.body));
      assert.equal(whole.body.result.sha256, sha256Hex(file));
      assert.equal(await downloaded('cut.1'), sha256Hex(file));
    });

    it("a body refused while it arrives (not a session log) gets its 400 to the agent's client over the socket", async () => {
      // 64 MiB of garbage streamed by the agent's own client: the server refuses it after the first MiB and
      // must still answer over the connection (not reset it, which the agent would retry as an outage).
      const garbage = randomBytes(64 * MiB);
      const client = new AgentServerClient(server.url, () => agent.token);
      const body = {
        size: garbage.length,
        async *read() {
          for (let offset = 0; offset < garbage.length; offset += 64 * 1024) {
            yield garbage.subarray(offset, offset + 64 * 1024);
          }
        },
      };
      await assert.rejects(client.uploadLog('garbage.1', body, metadata), (error) =>
        isLatchkeyError(error, 'malformed_session_log'),
      );
      const listed = await server.call('GET', `${server.base}/ssh_logs/garbage.1`);
      assert.equal(listed.status, 404);
    });

    it('leaves a log already stored under that id as it was', async () => {
      const first = bigLog('first, incomplete', 2 * MiB);
      assert.equal((await put('kept.1', first, 'incomplete')).status, 200);
      const finished = bigLog('finished', 5 * MiB);
      await cutOffUpload(server.url, agent.token, 'kept.1', finished, metadata, 4 * MiB);
      const stored = await server.call('GET', `${server.base}/ssh_logs/kept.1`);
      assert.equal(stored.body.result.sha256, sha256Hex(first));
      assert.equal(stored.body.result.status, 'incomplete');
      assert.equal(await downloaded('kept.1'), sha256Hex(first));
      const replaced = await put('kept.1', finished, 'complete');
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.equal(await downloaded('kept.1'), sha256Hex(finished));
    });
  });
}
