/**
 * The spool on disk as the front uses it (a log per session, written as it happens): what the old
 * socket spool's tests covered that still holds without the socket.
 */
import assert from 'node:assert/strict';
import { appendFile, chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateHpkeKeyPair, readSessionLog, type SessionIdentity } from '@latchkey/shared';
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
});
