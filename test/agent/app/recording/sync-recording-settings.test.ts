// recording.json as the daemon keeps it, over the real state files (a temp directory) and a fake server
// port; and the break-glass command, and how the recorder's policy reads what it writes.
import assert from 'node:assert/strict';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { encodeAuditorKey, generateHpkeKeyPair, LatchkeyError } from '@latchkey/shared';
import { NodeRecordingStateFiles } from '../../../../agent/src/adapters/state/recording-state-files.js';
import { endBreakGlass, startBreakGlass } from '../../../../agent/src/app/recording/break-glass-command.js';
import { RecordingSettingsSync } from '../../../../agent/src/app/recording/sync-recording-settings.js';
import { parseBreakGlassDuration } from '../../../../agent/src/domain/recording/break-glass.js';
import { parseRecordingSettings } from '../../../../agent/src/domain/recording/recording-settings.js';
import { decideWhenSpoolUnavailable } from '../../../../agent/src/domain/recording/unavailable-spool-policy.js';
import { createTempDir, type TempDir } from '../../../harness/temp-dir.js';

const KEY = encodeAuditorKey(generateHpkeKeyPair().publicKey);
const OTHER_KEY = encodeAuditorKey(generateHpkeKeyPair().publicKey);
const START = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('agent/app: recording settings sync and break-glass', () => {
  let dir: TempDir;
  let files: NodeRecordingStateFiles;
  let nowMs: number;
  let answer: string | LatchkeyError;
  let lines: string[];
  const now = () => new Date(nowMs);
  const server = {
    async getRecordingSettings() {
      if (answer instanceof LatchkeyError) throw answer;
      return { auditor_public_key: answer };
    },
  };

  beforeEach(async () => {
    dir = await createTempDir('recording-sync');
    files = new NodeRecordingStateFiles(dir.file('state'));
    nowMs = START;
    answer = KEY;
    lines = [];
  });
  afterEach(async () => dir.remove());

  function sync(mode: 'strict' | 'best-effort' = 'best-effort', withServer = true, localAuditorKey?: string) {
    return new RecordingSettingsSync(
      { ...(withServer ? { server } : {}), files, now, log: (line) => lines.push(line) },
      {
        mode,
        ...(localAuditorKey === undefined ? {} : { localAuditorKey }),
      },
    );
  }

  const settings = async () => parseRecordingSettings(await readFile(files.settingsPath, 'utf8'), 'test');

  it('writes what the front reads (0600, in a 0700 directory), only when it changes', async () => {
    const daemon = sync('strict');
    assert.deepEqual(await daemon.sync({ targetId: 't-1', hostname: 'web-1' }), { recording: true });
    const written = await settings();
    assert.equal(Buffer.from(written.auditorPublicKey).toString('base64'), KEY);
    assert.equal(written.mode, 'strict');
    assert.equal(written.targetId, 't-1');
    assert.equal(written.targetHostname, 'web-1');
    assert.equal((await stat(files.settingsPath)).mode & 0o777, 0o600);
    assert.equal((await stat(dir.file('state'))).mode & 0o777, 0o700);
    const before = await stat(files.settingsPath);
    lines.length = 0;
    await daemon.sync({ targetId: 't-1', hostname: 'web-1' });
    assert.equal((await stat(files.settingsPath)).ino, before.ino, 'unchanged: not rewritten');
    assert.deepEqual(lines, []);
    // An agent before the front left them open to its recorders (0711, 0644): the next sync closes them.
    await chmod(dir.file('state'), 0o711);
    await chmod(files.settingsPath, 0o644);
    await daemon.sync({ targetId: 't-1', hostname: 'web-1' });
    assert.equal((await stat(dir.file('state'))).mode & 0o777, 0o700);
    assert.equal((await stat(files.settingsPath)).mode & 0o777, 0o600);
    answer = OTHER_KEY;
    await daemon.sync({ targetId: 't-1', hostname: 'web-1' });
    assert.equal(Buffer.from((await settings()).auditorPublicKey).toString('base64'), OTHER_KEY);
  });

  it('recording off on the server removes the file; an outage keeps the last key and the target', async () => {
    const daemon = sync();
    await daemon.sync({ targetId: 't-1', hostname: 'web-1' });
    answer = new LatchkeyError('unavailable', 'cannot reach the server');
    assert.deepEqual(await daemon.sync({}), { recording: true });
    assert.equal((await settings()).targetHostname, 'web-1', 'the last target is kept');
    // A fresh daemon (restarted during the outage) keeps the key from the file.
    await sync('strict').sync({});
    assert.equal(Buffer.from((await settings()).auditorPublicKey).toString('base64'), KEY);
    assert.equal((await settings()).mode, 'strict', 'the local mode still applies');
    answer = '';
    await chmod(dir.file('state'), 0o711); // as an agent before the front left it
    assert.deepEqual(await daemon.sync({}), { recording: false });
    await assert.rejects(stat(files.settingsPath), /ENOENT/);
    assert.ok(lines.some((line) => /recording is off/.test(line)));
    assert.equal((await stat(dir.file('state'))).mode & 0o777, 0o700);
  });

  it('a malformed key from the server leaves the file as it is', async () => {
    const daemon = sync();
    await daemon.sync({});
    answer = 'not-a-key';
    await daemon.sync({});
    assert.equal(Buffer.from((await settings()).auditorPublicKey).toString('base64'), KEY);
  });

  it('Cloudflare mode: recording only with a local auditor key', async () => {
    assert.deepEqual(await sync('best-effort', false).sync({}), { recording: false });
    await assert.rejects(stat(files.settingsPath), /ENOENT/);
    await sync('best-effort', false, OTHER_KEY).sync({});
    assert.equal(Buffer.from((await settings()).auditorPublicKey).toString('base64'), OTHER_KEY);
  });

  it('break-glass: written at once into recording.json, carried by the daemon, ended by --end or by expiry', async () => {
    const daemon = sync('strict');
    await daemon.sync({});
    const log = (line: string) => lines.push(line);
    const breakGlass = await startBreakGlass(
      { files, now, log },
      parseBreakGlassDuration('30m'),
      'spool disk full',
    );
    assert.equal(breakGlass.until, new Date(START + 30 * 60_000).toISOString());
    assert.equal((await stat(dir.file('state/break-glass.json'))).mode & 0o777, 0o600);
    let read = await settings();
    assert.deepEqual(read.breakGlass, { until: new Date(breakGlass.until), reason: 'spool disk full' });

    // The recorder: strict, no spool, break-glass in force → the session runs, marked.
    const during = decideWhenSpoolUnavailable(
      'strict',
      'no spool',
      read.breakGlass,
      new Date(START + 60_000),
    );
    assert.equal(during.action, 'continue');
    assert.match(
      during.action === 'continue' ? during.marker : '',
      /waived by break-glass .*spool disk full/,
    );

    // The daemon's next sync keeps it (and says so in the journal).
    assert.deepEqual((await daemon.sync({})).breakGlass?.reason, 'spool disk full');
    assert.ok(lines.some((line) => /break-glass in force until/.test(line)));
    read = await settings();
    assert.ok(read.breakGlass);

    // Expired: the daemon drops it; the recorder refuses again.
    nowMs = START + 31 * 60_000;
    assert.equal(
      decideWhenSpoolUnavailable('strict', 'no spool', read.breakGlass, now()).action,
      'refuse',
      'an expired break-glass (file not yet rewritten) lets nobody in',
    );
    await daemon.sync({});
    assert.equal((await settings()).breakGlass, undefined);
    await assert.rejects(stat(dir.file('state/break-glass.json')), /ENOENT/);

    // --end
    await startBreakGlass({ files, now, log }, parseBreakGlassDuration('2h'), undefined);
    assert.equal((await settings()).breakGlass?.reason, 'no reason given');
    assert.equal(await endBreakGlass({ files, now, log }), true);
    assert.equal((await settings()).breakGlass, undefined);
    assert.equal(await endBreakGlass({ files, now, log }), false);
  });

  it('break-glass changes nothing in best-effort mode, and refuses bad durations', async () => {
    assert.deepEqual(decideWhenSpoolUnavailable('best-effort', 'no spool'), {
      action: 'continue',
      marker: 'recording degraded (best effort): no spool',
    });
    assert.equal(decideWhenSpoolUnavailable('strict', 'no spool').action, 'refuse');
    for (const bad of ['0m', '30', '25h', 'soon', '-5m']) {
      assert.throws(() => parseBreakGlassDuration(bad), /--for must be a duration/, bad);
    }
    assert.equal(parseBreakGlassDuration('90s'), 90_000);
    assert.equal(parseBreakGlassDuration(undefined), 30 * 60_000);
  });

  it('break-glass with no recording.json yet only writes break-glass.json; a broken recording.json is an error', async () => {
    const log = () => {};
    await startBreakGlass({ files, now, log }, 60_000, 'x');
    await assert.rejects(stat(files.settingsPath), /ENOENT/);
    await writeFile(files.settingsPath, '[1]');
    await assert.rejects(startBreakGlass({ files, now, log }, 60_000, 'x'), /is not a JSON object/);
  });
});
