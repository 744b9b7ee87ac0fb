// The uploader over a real SpoolStore (a temp directory, real files) and a fake server port: what is
// uploaded when, with which metadata, and that a log leaves the spool only after the server acknowledged
// it, unchanged.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { encodeHeader, LatchkeyError, type SshLogUploadMetadata } from '@latchkey/shared';
import {
  SpooledLogUploader,
  type LogUploaderSettings,
} from '../../../../agent/src/app/recording/upload-spooled-logs.js';
import type { LogUploadBody } from '../../../../agent/src/app/ports/agent-server.js';
import { SpoolStore } from '../../../../agent/src/spool/spool-store.js';
import { createTempDir, type TempDir } from '../../../harness/temp-dir.js';

const START = Date.UTC(2026, 10, 24, 12, 0, 0);
const IDENTITY = {
  session_id: '6f9d0c1e-3b7a-4c55-9e0d-2a1b3c4d5e6f',
  target_id: 'target-1',
  target_hostname: 'web-1.example.com',
  user_email: 'alice@example.com',
  principal: 'alice',
  program_type: 'shell' as const,
  client_address: '127.0.0.1:50000',
  server_address: '127.0.0.1:22',
};

/** A server port that records what it was sent and answers as told. */
class FakeLogServer {
  readonly received: { logId: string; bytes: Buffer; metadata: SshLogUploadMetadata }[] = [];
  /** What the next calls do: ok, or throw this error; `hang` never answers (the agent is killed mid-upload). */
  answer: 'ok' | 'hang' | LatchkeyError = 'ok';
  calls = 0;
  onUpload: (() => Promise<void>) | undefined;

  async uploadLog(logId: string, body: LogUploadBody, metadata: SshLogUploadMetadata): Promise<void> {
    this.calls += 1;
    await this.onUpload?.();
    if (this.answer === 'hang') return new Promise(() => {});
    if (this.answer instanceof LatchkeyError) throw this.answer;
    const pieces: Uint8Array[] = [];
    for await (const piece of body.read()) pieces.push(piece);
    const bytes = Buffer.concat(pieces);
    assert.equal(bytes.length, body.size, 'the size announced is the size read');
    this.received.push({ logId, bytes, metadata });
  }
}

describe('agent/app: SpooledLogUploader', () => {
  let dir: TempDir;
  let nowMs: number;
  let store: SpoolStore;
  let server: FakeLogServer;
  const lines: string[] = [];
  const clock = () => new Date(nowMs);

  beforeEach(async () => {
    dir = await createTempDir('uploader');
    nowMs = START;
    store = new SpoolStore(dir.file('spool'), clock);
    await store.init();
    server = new FakeLogServer();
    lines.length = 0;
  });
  afterEach(async () => dir.remove());

  function uploader(settings: LogUploaderSettings = {}, sleeps: number[] = []): SpooledLogUploader {
    return new SpooledLogUploader(
      {
        spool: store,
        server,
        now: clock,
        random: () => 0.5,
        sleep: async (ms, signal) => {
          sleeps.push(ms);
          nowMs += ms;
          await new Promise<void>((resolve) => {
            if (signal.aborted) return resolve();
            setImmediate(resolve);
          });
        },
        log: (line) => lines.push(line),
      },
      settings,
    );
  }

  /** A log as the front leaves it: `complete` (with the writer's header) or `incomplete`. */
  async function spoolLog(status: 'complete' | 'incomplete' | 'recording'): Promise<string> {
    const { logId } = await store.create(
      {
        protocol: 1,
        started_at: START / 1000,
        encapsulated_key: 'ab'.repeat(32),
        pty: { term: 'xterm', width: 80, height: 24, modes: [] },
        identity: IDENTITY,
        unix_user: 'alice',
      },
      'alice',
    );
    const appender = await store.appender(logId);
    const chunk = Buffer.alloc(4 + 20);
    chunk.writeUInt32BE(20, 0);
    appender.append(chunk);
    await appender.close();
    if (status === 'complete') {
      const header = encodeHeader({
        started_at: START / 1000,
        data_size: 4,
        encapsulated_key: 'ab'.repeat(32),
        pty: { term: 'xterm', width: 80, height: 24, modes: [] },
        exit_data: {
          timestamp: START / 1000 + 90,
          status: 0,
          signal: null,
          core_dumped: false,
          error_msg: null,
        },
      });
      await store.markComplete(logId, header.bytes);
    } else if (status === 'incomplete') {
      await store.markIncomplete(logId, 'the agent stopped while the session was being recorded');
    }
    return logId;
  }

  it('uploads a complete log at once, with its index fields, and removes it only after the acknowledgement', async () => {
    const logId = await spoolLog('complete');
    const bytes = await store.readLog(logId);
    const pass = await uploader().uploadDue();
    assert.deepEqual(pass, { uploaded: [logId], held: [], unavailable: false });
    assert.equal(server.received.length, 1);
    assert.deepEqual(server.received[0]!.bytes, bytes, 'the body is the log file as readLog gives it');
    assert.deepEqual(server.received[0]!.metadata, {
      session_id: IDENTITY.session_id,
      user_email: 'alice@example.com',
      username: 'alice',
      target_id: 'target-1',
      target_hostname: 'web-1.example.com',
      client_address: '127.0.0.1:50000',
      server_address: '127.0.0.1:22',
      pty: true,
      program_type: 'shell',
      session_start_datetime: new Date(START).toISOString(),
      session_finish_datetime: new Date(START + 90_000).toISOString(),
      status: 'complete',
    });
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await readdir(store.dir), [], 'both files are gone');
  });

  it('keeps every log while the server is unavailable, and sends them when it is back', async () => {
    const first = await spoolLog('complete');
    const second = await spoolLog('complete');
    server.answer = new LatchkeyError('unavailable', 'cannot reach http://127.0.0.1:1');
    const up = uploader();
    const failed = await up.uploadDue();
    assert.equal(failed.unavailable, true);
    assert.equal(server.calls, 1, 'the pass stops at the first unreachable upload');
    assert.deepEqual((await store.list()).map((log) => log.log_id).sort(), [first, second].sort());
    server.answer = 'ok';
    const back = await up.uploadDue();
    assert.deepEqual([...back.uploaded].sort(), [first, second].sort());
    assert.deepEqual(await store.list(), []);
  });

  it('an agent killed mid-upload leaves the log spooled; the next agent uploads it', async () => {
    const logId = await spoolLog('complete');
    server.answer = 'hang';
    const uploading = new Promise<void>((resolve) => (server.onUpload = async () => resolve()));
    void uploader().uploadDue(); // never acknowledged: this "agent" dies here
    await uploading;
    server.onUpload = undefined;
    assert.equal(server.calls, 1);
    assert.deepEqual(
      (await store.list()).map((log) => log.log_id),
      [logId],
    );
    server.answer = 'ok';
    const restarted = new SpoolStore(store.dir, clock);
    await restarted.init();
    store = restarted;
    const pass = await uploader().uploadDue();
    assert.deepEqual(pass.uploaded, [logId]);
    assert.deepEqual(await restarted.list(), []);
  });

  it('never uploads a log still recording; an incomplete one only after the grace period', async () => {
    const recording = await spoolLog('recording');
    const incomplete = await spoolLog('incomplete');
    const up = uploader({ incompleteGraceMs: 120_000 });
    const early = await up.uploadDue();
    assert.deepEqual(early.uploaded, []);
    assert.equal(early.nextDueMs, START + 120_000, 'due when the grace period ends');
    nowMs = START + 119_000;
    assert.deepEqual((await up.uploadDue()).uploaded, []);
    nowMs = START + 120_000;
    assert.deepEqual((await up.uploadDue()).uploaded, [incomplete]);
    const sent = server.received[0]!.metadata;
    assert.equal(sent.status, 'incomplete');
    assert.match(sent.error ?? '', /the agent stopped while the session was being recorded/);
    assert.deepEqual(
      (await store.list()).map((log) => log.log_id),
      [recording],
    );
  });

  it('a conflict keeps the log, is reported, and is not retried before the hold ends', async () => {
    const logId = await spoolLog('complete');
    server.answer = new LatchkeyError('conflict', 'a different complete log has this id');
    const up = uploader({ heldForMs: 3_600_000 });
    const pass = await up.uploadDue();
    assert.deepEqual(pass.held, [logId]);
    assert.equal(pass.nextDueMs, START + 3_600_000);
    assert.ok(lines.some((line) => line.includes(logId) && /already holds a different log/.test(line)));
    for (let i = 0; i < 5; i += 1) await up.uploadDue();
    assert.equal(server.calls, 1, 'not retried hot');
    assert.equal((await store.list()).length, 1, 'kept in the spool');
    nowMs = START + 3_600_000;
    server.answer = 'ok';
    assert.deepEqual((await up.uploadDue()).uploaded, [logId]);
  });

  it('a log larger than the server takes is kept, and the journal says which limit to raise', async () => {
    const logId = await spoolLog('complete');
    const size = (await store.openLog(logId)).size;
    server.answer = new LatchkeyError(
      'payload_too_large',
      'the session log is more than 1048576 bytes; this server accepts at most 1048576 bytes (1 MiB, its --max-log-size)',
    );
    const pass = await uploader().uploadDue();
    assert.deepEqual(pass.held, [logId]);
    assert.equal((await store.list()).length, 1, 'kept in the spool');
    const line = lines.find((entry) => entry.includes(logId)) ?? '';
    assert.match(line, new RegExp(`it is ${size} bytes, more than the server accepts`));
    assert.match(line, /raise its --max-log-size \(LATCHKEY_MAX_LOG_SIZE\)/);
    assert.match(line, /offered again in 60 min/);
  });

  it('a log removed from the spool while it is being sent is gone, not held', async () => {
    const logId = await spoolLog('complete');
    server.onUpload = async () => {
      await store.remove(logId);
    };
    const pass = await uploader().uploadDue();
    assert.deepEqual(pass, { uploaded: [], held: [], unavailable: false });
    assert.equal(server.received.length, 0);
  });

  it('a log whose state changed while it was being uploaded stays in the spool', async () => {
    const logId = await spoolLog('incomplete');
    const state = await store.state(logId);
    nowMs = START + 10 * 60_000;
    server.onUpload = async () => {
      // While the upload is in flight the log's state changes (marked again).
      nowMs += 1000;
      await store.markIncomplete(logId, 'lost again');
    };
    const pass = await uploader().uploadDue();
    assert.deepEqual(pass.uploaded, [logId]);
    assert.notEqual((await store.state(logId)).updated_at, state.updated_at);
    assert.equal((await store.list()).length, 1, 'changed since it was read: kept for the next pass');
    assert.ok(lines.some((line) => /kept: it changed meanwhile/.test(line)));
  });

  it('run: a nudge (the spool saying a log ended) wakes the uploader at once', async () => {
    const up = new SpooledLogUploader({
      spool: store,
      server,
      now: clock,
      random: () => 0.5,
      // Only a nudge or the stop ends a pause: the periodic sweep never comes in this test.
      sleep: (_ms, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())),
      log: () => {},
    });
    const stop = new AbortController();
    const running = up.run(stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const logId = await spoolLog('complete');
    up.nudge();
    while (server.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(server.received[0]!.logId, logId);
    stop.abort();
    await running;
  });

  it('run: a stop that comes during a pass ends the uploader at once, not after the next pause', async () => {
    await spoolLog('complete');
    const stop = new AbortController();
    server.onUpload = async () => stop.abort(); // SIGTERM while the upload is in flight
    const up = new SpooledLogUploader({
      spool: store,
      server,
      now: clock,
      random: () => 0.5,
      sleep: (_ms, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())),
      log: () => {},
    });
    await up.run(stop.signal);
    assert.equal(server.received.length, 1, 'the pass in progress finished');
  });

  it('run: while the server is away it backs off exponentially, then uploads', async () => {
    const sleeps: number[] = [];
    server.answer = new LatchkeyError('unavailable', 'down');
    await spoolLog('complete');
    const up = uploader({ sweepIntervalMs: 60_000, backoff: { initialMs: 1000, maxMs: 8000 } }, sleeps);
    const stop = new AbortController();
    const running = up.run(stop.signal);
    while (sleeps.length < 5) await new Promise((resolve) => setImmediate(resolve));
    // random 0.5 → 75 % of each step: 1, 2, 4, 8, 8 s
    assert.deepEqual(sleeps.slice(0, 5), [750, 1500, 3000, 6000, 6000]);
    server.answer = 'ok';
    while (server.received.length === 0) await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    await running;
    assert.deepEqual(await store.list(), []);
  });
});
