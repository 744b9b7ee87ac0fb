// The host-wide lock on changes to sshd's files (agent/src/adapters/fs/apply-lock.ts), with real
// processes: a holder keeps the real `latchkey-agent uninstall` out with a message naming its pid; a
// holder killed with SIGKILL leaves a stale lock that the next process takes over; and of several
// processes racing for it, only one holds it at a time (their critical sections never interleave).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTempDir, registerCleanup } from '../../harness/index.js';
import { bundledEnv } from '../../harness/fresh-bundles.js';
import type { TempDir } from '../../harness/index.js';

const AGENT_BIN = fileURLToPath(new URL('../../../agent/bin/latchkey-agent.js', import.meta.url));
const LOCK_MODULE = pathToFileURL(
  fileURLToPath(new URL('../../../agent/src/adapters/fs/apply-lock.ts', import.meta.url)),
).href;

/** A script that takes the lock (waiting up to WAIT ms), logs start/end around HOLD ms, then releases. */
const HOLDER = `
import { appendFileSync } from 'node:fs';
import { ApplyLockFile } from ${JSON.stringify(LOCK_MODULE)};
const [stateDir, log, holdMs, waitMs] = process.argv.slice(2);
const lock = new ApplyLockFile(stateDir, { waitMs: Number(waitMs) });
await lock.withLock(async () => {
  appendFileSync(log, 'start ' + process.pid + '\\n');
  process.stdout.write('HELD\\n');
  await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  appendFileSync(log, 'end ' + process.pid + '\\n');
});
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function startHolder(
  dir: TempDir,
  holdMs: number,
  waitMs: number,
): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(
    process.execPath,
    [
      '--conditions=latchkey-source',
      '--import',
      'tsx',
      dir.file('holder.mts'),
      dir.file('state'),
      dir.file('log'),
      String(holdMs),
      String(waitMs),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  registerCleanup(`lock holder ${child.pid}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, done: collect(child) };
}

async function waitForHeld(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('HELD')) resolve();
    });
    child.on('close', (code) => reject(new Error(`the holder exited (${code}) before taking the lock`)));
  });
}

function runUninstall(dir: TempDir): Promise<Run> {
  const child = spawn(
    process.execPath,
    [
      AGENT_BIN,
      'uninstall',
      '--state-dir',
      dir.file('state'),
      '--sshd-config',
      dir.file('sshd_config'),
      '--ssh-dir',
      dir.path,
      '--ca-path',
      dir.file('ca.pub'),
    ],
    // The bundle, built fresh for this test run (test/harness/fresh-bundles.ts).
    { stdio: ['ignore', 'pipe', 'pipe'], env: bundledEnv() },
  );
  return collect(child);
}

describe('the apply lock, across real processes', function () {
  this.timeout(60_000);
  let dir: TempDir;

  beforeEach(async () => {
    dir = await createTempDir('apply-lock');
    await writeFile(dir.file('holder.mts'), HOLDER);
    await writeFile(dir.file('sshd_config'), 'Port 22\n');
    await writeFile(dir.file('log'), '');
  });
  afterEach(async () => dir.remove());

  it("keeps `latchkey-agent uninstall` out while another process holds it, naming that process's pid", async () => {
    const holder = startHolder(dir, 30_000, 0);
    await waitForHeld(holder.child);
    const blocked = await runUninstall(dir);
    assert.equal(blocked.code, 1, blocked.stderr);
    assert.match(
      blocked.stderr,
      new RegExp(`another latchkey-agent is changing sshd \\(pid ${holder.child.pid}\\)`),
    );
    assert.equal(await readFile(dir.file('sshd_config'), 'utf8'), 'Port 22\n');

    // Killed without a chance to release: the lock is stale, and the next process takes it over.
    holder.child.kill('SIGKILL');
    await holder.done;
    assert.ok(existsSync(dir.file('state/apply.lock')), 'a SIGKILLed holder leaves its lock file');
    const after = await runUninstall(dir);
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /nothing to restore/);
    assert.ok(!existsSync(dir.file('state/apply.lock')), 'the lock is released after use');
  });

  it('lets only one of several racing processes hold it at a time', async () => {
    const holders = Array.from({ length: 5 }, () => startHolder(dir, 150, 30_000));
    const runs = await Promise.all(holders.map((holder) => holder.done));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const lines = (await readFile(dir.file('log'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 10, lines.join('\n'));
    for (let i = 0; i < lines.length; i += 2) {
      const [start, end] = [lines[i]!.split(' '), lines[i + 1]!.split(' ')];
      assert.deepEqual([start[0], end[0]], ['start', 'end'], `interleaved:\n${lines.join('\n')}`);
      assert.equal(start[1], end[1], `interleaved:\n${lines.join('\n')}`);
    }
    assert.equal(new Set(lines.map((line) => line.split(' ')[1])).size, 5);
  });
});
