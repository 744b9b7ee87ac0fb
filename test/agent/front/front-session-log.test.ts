import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateHpkeKeyPair, readSessionLog, type SessionIdentity } from '@latchkey/shared';
import type { PtyMetadata } from '@latchkey/shared/session-log/log-metadata';
import type { RecordingSettings } from '../../../agent/src/domain/recording/recording-settings.js';
import { startSessionLog } from '../../../agent/src/front/front-session-log.js';
import { SpoolStore } from '../../../agent/src/spool/spool-store.js';

const identity: SessionIdentity = {
  session_id: 's-1',
  target_id: 't-1',
  user_email: 'ada@example.com',
  principal: 'deploy',
  program_type: 'exec',
  command: 'id',
};

describe('agent/front: startSessionLog (what the front does when a log can or cannot be kept)', () => {
  const auditor = generateHpkeKeyPair();
  const now = new Date('2026-12-07T12:00:00Z');
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'front-log-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const settings = (
    mode: RecordingSettings['mode'],
    breakGlass?: RecordingSettings['breakGlass'],
  ): RecordingSettings => ({
    auditorPublicKey: auditor.publicKey,
    mode,
    targetId: 't-1',
    targetHostname: undefined,
    ...(breakGlass === undefined ? {} : { breakGlass }),
  });

  it('writes a log into the spool that opens with the auditors’ key, with the identity it was given', async () => {
    const spool = new SpoolStore(path.join(dir, 'spool'));
    await spool.init();
    const started = await startSessionLog(
      { spool, readSettings: async () => settings('strict'), now: () => now },
      { identity, pty: null, unixUser: 'deploy' },
    );
    assert.equal(started.kind, 'recording');
    if (started.kind !== 'recording') return;
    started.recording.data(1, Buffer.from('uid=1000(deploy)'));
    const finished = await started.recording.finish(
      { timestamp: 1, status: 0, signal: null, core_dumped: false },
      5000,
    );
    assert.deepEqual(finished, { ok: true });
    const state = await spool.state(started.logId);
    assert.equal(state.status, 'complete');
    assert.equal(state.unix_user_verified, true);
    const log = readSessionLog(await spool.readLog(started.logId), auditor.privateKey);
    assert.equal(log.integrity.status, 'verified');
    assert.equal(log.integrity.identity?.user_email, 'ada@example.com');
    assert.match(Buffer.from(log.packets[0]!.data).toString(), /uid=1000/);
  });

  it('seals bulk (no PTY) sessions in chunks of three SSH packets, PTY sessions in 32 KiB ones, every byte kept', async () => {
    const spool = new SpoolStore(path.join(dir, 'spool'));
    await spool.init();
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) & 0xff;
    const chunksOf = async (pty: PtyMetadata | null) => {
      const started = await startSessionLog(
        { spool, readSettings: async () => settings('strict'), now: () => now },
        { identity, pty, unixUser: 'deploy' },
      );
      assert.equal(started.kind, 'recording');
      if (started.kind !== 'recording') throw new Error('not recording');
      // As the relay hands it over: SSH data packets of 32 KiB.
      for (let at = 0; at < payload.length; at += 32 * 1024) {
        started.recording.data(1, payload.subarray(at, at + 32 * 1024));
      }
      await started.recording.finish({ timestamp: 1, status: 0, signal: null, core_dumped: false }, 5000);
      const log = readSessionLog(await spool.readLog(started.logId), auditor.privateKey);
      assert.equal(log.integrity.status, 'verified');
      assert.ok(Buffer.concat(log.packets.map((p) => p.data)).equals(payload));
      const end = log.records.find((r) => r.kind === 'end');
      assert.ok(end?.kind === 'end');
      return end.body.data_chunks;
    };
    const bulk = await chunksOf(null);
    const terminal = await chunksOf({ term: 'xterm', width: 80, height: 24, modes: [] });
    assert.ok(bulk <= 12, `bulk: ${bulk} chunks for 1 MiB`);
    assert.ok(terminal >= 32, `terminal: ${terminal} chunks for 1 MiB`);
  });

  it('no recording settings (no key on the server): the session runs unrecorded', async () => {
    const started = await startSessionLog(
      { spool: undefined, readSettings: async () => undefined, now: () => now },
      { identity, pty: null, unixUser: 'deploy' },
    );
    assert.equal(started.kind, 'unrecorded');
  });

  const broken = { spool: new SpoolStore('/nonexistent/latchkey-spool'), now: () => now };

  it('strict: a log that cannot be kept refuses the session, saying why', async () => {
    const started = await startSessionLog(
      { ...broken, readSettings: async () => settings('strict') },
      { identity, pty: null, unixUser: 'deploy' },
    );
    assert.equal(started.kind, 'refused');
    if (started.kind === 'refused')
      assert.match(started.message, /must be recorded.*refused \(strict recording\)/);
  });

  it('strict under an unexpired break-glass: the session runs, with a notice', async () => {
    const started = await startSessionLog(
      {
        ...broken,
        readSettings: async () =>
          settings('strict', { until: new Date(now.getTime() + 60_000), reason: 'outage' }),
      },
      { identity, pty: null, unixUser: 'deploy' },
    );
    assert.equal(started.kind, 'unrecorded');
    if (started.kind === 'unrecorded') assert.match(started.notice ?? '', /break-glass/);
  });

  it('best effort: the session runs unrecorded', async () => {
    const started = await startSessionLog(
      { ...broken, readSettings: async () => settings('best-effort') },
      { identity, pty: null, unixUser: 'deploy' },
    );
    assert.equal(started.kind, 'unrecorded');
  });

  it('settings that cannot be read refuse the session (the key is unknown)', async () => {
    const started = await startSessionLog(
      {
        ...broken,
        readSettings: async () => {
          throw new Error('recording.json is not JSON');
        },
      },
      { identity, pty: null, unixUser: 'deploy' },
    );
    assert.equal(started.kind, 'refused');
  });
});
