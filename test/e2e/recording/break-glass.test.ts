// Break-glass with the real commands: a strict target whose spool is gone refuses sessions; root runs
// `latchkey-agent break-glass --for 5m --reason …` and the next session runs (the user is told why);
// `latchkey-agent break-glass --end` and strict refuses again. A recorder started by sshd reads it all
// from recording.json, as on a real target.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { runSsh } from '../../harness/index.js';
import { startRecordingTarget, type RecordingTarget } from './recording-fixture.js';
import { runAgent as agentCommand } from '../agent/agent-process.js';

describe('e2e: break-glass lets sessions in under strict recording while logs cannot be kept', function () {
  this.timeout(90_000);
  let target: RecordingTarget;

  before(async () => {
    target = await startRecordingTarget();
  });
  after(async () => {
    await target?.stop();
  });

  const ssh = (command: string) =>
    runSsh({
      server: target.sshd,
      user: target.user.name,
      identityFile: target.identityFile,
      certificateFile: target.certificateFile,
      command,
    });

  it('refused, then let in with a warning naming the break-glass, then refused again after --end', async () => {
    await target.writeSettings('strict', path.join(target.stateDir, 'no-such.sock'));

    const refused = await ssh('echo should-not-run');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /this session must be recorded/);

    const started = await agentCommand([
      'break-glass',
      '--state-dir',
      target.stateDir,
      '--for',
      '5m',
      '--reason',
      'spool disk replaced',
    ]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^break-glass until \d{4}-\d\d-\d\dT/);
    assert.match(started.stderr, /break-glass started until .*: spool disk replaced/, 'in the journal');
    assert.equal((await stat(path.join(target.stateDir, 'break-glass.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(path.join(target.stateDir, 'recording.json'))).mode & 0o777, 0o644);
    const settings = JSON.parse(await readFile(path.join(target.stateDir, 'recording.json'), 'utf8'));
    assert.equal(settings.mode, 'strict', 'the mode is kept');
    assert.equal(settings.break_glass.reason, 'spool disk replaced');

    const admitted = await ssh('echo runs-under-break-glass');
    assert.equal(admitted.code, 0, admitted.stderr);
    assert.equal(admitted.stdout.trim(), 'runs-under-break-glass');
    assert.match(
      admitted.stderr,
      /runs under an administrator's break-glass until .* \(spool disk replaced\)/,
    );

    const ended = await agentCommand(['break-glass', '--state-dir', target.stateDir, '--end']);
    assert.equal(ended.code, 0, ended.stderr);
    await assert.rejects(stat(path.join(target.stateDir, 'break-glass.json')), /ENOENT/);
    const again = await ssh('echo should-not-run');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /this session must be recorded/);
  });

  it('refuses a bad duration, saying what is wrong', async () => {
    const result = await agentCommand(['break-glass', '--state-dir', target.stateDir, '--for', 'forever']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--for must be a duration between 1m and 24h/);
  });
});
