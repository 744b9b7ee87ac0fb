// A 50 MB session log over real HTTP (a listening server, fetch): it uploads, downloads byte for byte, and
// the process's memory stays within a few copies of the file (the server writes the upload to the store as
// it arrives, and streams the download piece by piece; the agent-and-server-process bound, with a log
// of hundreds of MB, is test/e2e/recording/big-log-upload.test.ts). No timing assertions. A body over
// --max-log-size on a real socket gets the 413 envelope, not a broken connection.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeHeader } from '@latchkey/shared';
import { PERMISSIONS } from '../../../../server/src/domain/permissions.js';
import { startTestServer } from '../../../server/support/test-server.js';
import type { TestServer } from '../../../server/support/test-server.js';
import type { SshLogUploadMetadata } from '@latchkey/shared';
import {
  enrollAgent,
  issueSession,
  metadataFor,
  sha256Hex,
  uploadHeaders,
} from '../../../server/http/ssh-logs-fixture.js';

const MiB = 1024 * 1024;

// A full collection before each measurement, so garbage of the step before does not count.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const FILE_SIZE = 50 * 1000 * 1000;

/**
 * A file the server accepts as a session log (a real header, then framed chunks of random bytes): the
 * server never decrypts, so sealing 50 MB for real would only slow the test down.
 */
function largeLogFile(size: number): Buffer {
  const header = encodeHeader({
    started_at: 1_795_000_000,
    data_size: size,
    encapsulated_key: 'ab'.repeat(32),
    pty: null,
    exit_data: null,
  }).bytes;
  const file = Buffer.alloc(size);
  file.set(header, 0);
  let offset = header.length;
  while (offset < size) {
    const length = Math.min(32 * 1024 + 16, size - offset - 4);
    if (length <= 0) break;
    file.writeUInt32BE(length, offset);
    randomBytes(length).copy(file, offset + 4);
    offset += 4 + length;
  }
  return file;
}

/**
 * The highest rss and arrayBuffers seen while `work` runs (sampled every few milliseconds). `live`: a full
 * collection before each sample, so only what is still held counts, not garbage the collector has not
 * reached yet (a streamed 50 MB leaves tens of MB of it, more or less depending on when the GC runs).
 */
async function peakMemoryDuring<T>(
  work: () => Promise<T>,
  options: { live?: boolean } = {},
): Promise<{ result: T; rss: number; buffers: number }> {
  let rss = 0;
  let buffers = 0;
  const sample = () => {
    if (options.live === true) collectGarbage();
    const usage = process.memoryUsage();
    rss = Math.max(rss, usage.rss);
    buffers = Math.max(buffers, usage.arrayBuffers);
  };
  const timer = setInterval(sample, options.live === true ? 20 : 5);
  try {
    sample();
    const result = await work();
    sample();
    return { result, rss, buffers };
  } finally {
    clearInterval(timer);
  }
}

describe('server HTTP: a 50 MB session log over a real socket', function () {
  this.timeout(180_000);
  let server: TestServer;
  let agent: { token: string; agentId: string };
  let metadata: SshLogUploadMetadata;

  before(async () => {
    server = await startTestServer({ listen: true, maxLogSizeBytes: 64 * MiB });
    const enrolled = await enrollAgent(server, 'big-1');
    agent = enrolled;
    const session = await issueSession(server, enrolled, { email: 'alice@example.com', username: 'alice' });
    metadata = metadataFor({ session_id: session, target_id: enrolled.targetId });
  });
  after(async () => server?.close());

  it('uploads and downloads identical bytes, holding a few copies of the file at most', async () => {
    const file = largeLogFile(FILE_SIZE);
    const expected = sha256Hex(file);
    collectGarbage();
    const baseline = process.memoryUsage();

    const upload = await peakMemoryDuring(async () => {
      const response = await fetch(`${server.url}/v1/agents/ssh_logs/big.1`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${agent.token}`, ...uploadHeaders(file, metadata) },
        body: file,
      });
      return { status: response.status, body: (await response.json()) as { result: { sha256: string } } };
    });
    assert.equal(upload.result.status, 200, JSON.stringify(upload.result.body));
    assert.equal(upload.result.body.result.sha256, expected);

    const token = await server.token([PERMISSIONS.sshAuditingRead]);
    collectGarbage();
    const beforeDownload = process.memoryUsage();
    const download = await peakMemoryDuring(
      async () => {
        const response = await fetch(`${server.url}${server.base}/ssh_logs/big.1/file`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-length'), String(FILE_SIZE));
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          size += chunk.length;
        }
        return { size, sha256: hash.digest('hex') };
      },
      { live: true },
    );
    assert.equal(download.result.size, FILE_SIZE);
    assert.equal(download.result.sha256, expected);

    // The test's own file is in the baseline. The upload needs fetch's copy of the request body and
    // transient pieces on the server's side (socket reads, 1 MiB pieces for the database), garbage until
    // collected: up to about 3× the file;
    // garbage not yet collected at the peak can add one more copy (4.02× was seen once). 5× the file (6× for
    // rss, which has SQLite's pages too) allows for that and still catches a server that copies the body
    // around (joins it, hex-encodes it, reads it back whole).
    const grew = (peak: number, base: number) => Math.max(0, peak - base);
    const uploadBuffers = grew(upload.buffers, baseline.arrayBuffers);
    const uploadRss = grew(upload.rss, baseline.rss);
    assert.ok(uploadBuffers < 5 * FILE_SIZE, `upload: ArrayBuffers grew ${uploadBuffers} bytes`);
    assert.ok(uploadRss < 6 * FILE_SIZE, `upload: rss grew ${uploadRss} bytes`);
    // The download streams 1 MiB pieces: it never holds the file (what is still held, sampled live).
    const downloadBuffers = grew(download.buffers, beforeDownload.arrayBuffers);
    assert.ok(downloadBuffers < FILE_SIZE / 2, `download: ArrayBuffers grew ${downloadBuffers} bytes`);
  });

  it('a body over --max-log-size gets the 413 envelope on a real socket', async () => {
    const file = largeLogFile(65 * MiB);
    const response = await fetch(`${server.url}/v1/agents/ssh_logs/too-big.1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${agent.token}`, ...uploadHeaders(file, metadata) },
      body: file,
    });
    assert.equal(response.status, 413);
    const body = (await response.json()) as { errors: { message: string; latchkey_code: string }[] };
    assert.equal(body.errors[0]!.latchkey_code, 'payload_too_large');
    assert.match(
      body.errors[0]!.message,
      /is 68157440 bytes; this server accepts at most 67108864 bytes \(64 MiB/,
    );
  });
});
