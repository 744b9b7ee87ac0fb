/**
 * The spool on disk as the front uses it (a log per session, written as it happens): what the old
 * socket spool's tests covered that still holds without the socket.
 */
import assert from 'node:assert/strict';
import { appendFile, chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateHpkeKeyPair, parseHeader, readSessionLog, type SessionIdentity } from '@latchkey/shared';
import { startSessionLog } from '../../../agent/src/front/front-session-log.js';
import { SpoolStore } from '../../../agent/src/spool/spool-store.js';

const identity: SessionIdentity = {
  session_id: 's-1',
  target_id: 't-1',
  user_email: 'ada@example.com',
  principal: 'deploy',
  program_type: 'shell',
};

describe('agent/spool: SpoolStore (the logs on disk)', () => {
  const auditor = generateHpkeKeyPair();
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'spool-store-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function recordingLog(spool: SpoolStore, output: string) {
    const started = await startSessionLog(
      {
        spool,
        readSettings: async () => ({
          auditorPublicKey: auditor.publicKey,
          mode: 'strict',
          targetId: 't-1',
          targetHostname: undefined,
        }),
        now: () => new Date('2026-12-07T12:00:00Z'),
      },
      { identity, pty: null, unixUser: 'deploy' },
    );
    assert.equal(started.kind, 'recording');
    if (started.kind !== 'recording') throw new Error('not recording');
    started.recording.data(1, Buffer.from(output));
    started.recording.flush();
    return started;
  }

  it('keeps logs in a 0700 directory of 0600 files, even where the directory was made wider', async () => {
    const spoolDir = path.join(dir, 'spool');
    const spool = new SpoolStore(spoolDir);
    await spool.init();
    const { recording, logId } = await recordingLog(spool, 'one\n');
    await recording.finish({ timestamp: 1, status: 0, signal: null, core_dumped: false }, 5000);
    assert.equal((await stat(spoolDir)).mode & 0o777, 0o700);
    for (const name of [`${logId}.chunks`, `${logId}.json`]) {
      assert.equal((await stat(path.join(spoolDir, name))).mode & 0o777, 0o600, name);
    }
    await chmod(spoolDir, 0o755);
    await new SpoolStore(spoolDir).init();
    assert.equal((await stat(spoolDir)).mode & 0o777, 0o700);
  });

  it('a log left recording by an agent that stopped is marked incomplete at the next start, never truncated silently', async () => {
    const spoolDir = path.join(dir, 'spool');
    const first = new SpoolStore(spoolDir);
    await first.init();
    const { logId } = await recordingLog(first, 'before the crash\n');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the recording's flush reaches the disk
    // A crash in the middle of a write leaves half a chunk at the end of the file.
    await appendFile(path.join(spoolDir, `${logId}.chunks`), Buffer.from([0, 0, 1, 0, 9, 9]));
    const next = new SpoolStore(spoolDir);
    await next.init();
    const state = await next.state(logId);
    assert.equal(state.status, 'incomplete');
    assert.match(state.reason ?? '', /the agent stopped while the session was being recorded/);
    const log = readSessionLog(await next.readLog(logId), auditor.privateKey);
    assert.equal(log.integrity.status, 'incomplete');
    assert.equal(Buffer.concat(log.packets.map((p) => p.data)).toString(), 'before the crash\n');
  });

  it('openLog reads header + chunks from disk, the same bytes at every read; an incomplete header counts the whole chunks on disk', async () => {
    const spoolDir = path.join(dir, 'spool');
    const spool = new SpoolStore(spoolDir);
    await spool.init();
    const { logId } = await spool.create(
      {
        protocol: 1,
        started_at: 1_795_000_000,
        encapsulated_key: 'ab'.repeat(32),
        pty: null,
        identity,
        unix_user: 'deploy',
      },
      'deploy',
    );
    // 300 framed chunks of 10 000 bytes (9 984 of plaintext each): frames cross the 1 MiB reads.
    const appender = await spool.appender(logId);
    for (let i = 0; i < 300; i++) {
      const frame = Buffer.alloc(4 + 10_000, i & 0xff);
      frame.writeUInt32BE(10_000, 0);
      appender.append(frame);
    }
    await appender.close();
    await appendFile(path.join(spoolDir, `${logId}.chunks`), Buffer.from([0, 0, 1, 0, 9])); // half a chunk
    await spool.markIncomplete(logId, 'cut');
    const file = await spool.openLog(logId);
    const header = parseHeader(file.header);
    assert.equal(header.metadata.data_size, 300 * 9_984, 'whole chunks only');
    assert.match(header.metadata.exit_data?.error_msg ?? '', /incomplete log: cut/);
    const read = async () => {
      const pieces: Uint8Array[] = [];
      for await (const piece of file.read()) pieces.push(piece);
      return Buffer.concat(pieces);
    };
    const first = await read();
    assert.equal(first.length, file.size);
    assert.equal(file.size, file.header.length + 300 * 10_004 + 5);
    // More appended after it was opened is not part of this file: both reads give the same bytes.
    await appendFile(path.join(spoolDir, `${logId}.chunks`), Buffer.alloc(100));
    assert.ok((await read()).equals(first));
    assert.ok((await spool.readLog(logId)).subarray(0, file.header.length).equals(file.header));
  });
});
