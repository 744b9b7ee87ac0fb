import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandRecord } from '@latchkey/shared';
import { spawn as spawnPty } from 'node-pty';
import { CommandTracker } from '../../../agent/src/domain/recording/command-tracker.js';
import {
  bashRcFile,
  NONCE_VARIABLE,
  zshStartupFiles,
} from '../../../agent/src/domain/recording/shell-integration.js';
import { ShellMarkScanner } from '../../../agent/src/domain/recording/shell-marks.js';
import { createTempDir, registerCleanup, type TempDir } from '../../harness/index.js';

const NONCE = 'testnonce0123';

/** A real interactive bash on the generated rcfile, in a PTY, with a home of the test's own. */
async function runBash(home: TempDir, lines: string[]) {
  const rcFile = home.file('latchkey-rc');
  await writeFile(rcFile, bashRcFile());
  return runShell(home, '/bin/bash', ['--rcfile', rcFile, '-i'], {}, lines);
}

/** A real zsh on the generated ZDOTDIR, as the recorder starts it. */
async function runZsh(home: TempDir, lines: string[]) {
  const zdotdir = home.file('latchkey-zdotdir');
  await mkdir(zdotdir);
  for (const [name, text] of Object.entries(zshStartupFiles())) {
    await writeFile(path.join(zdotdir, name), text);
  }
  return runShell(home, '/usr/bin/zsh', ['-l'], { ZDOTDIR: zdotdir }, lines);
}

async function runShell(
  home: TempDir,
  shell: string,
  args: string[],
  extraEnv: Record<string, string>,
  lines: string[],
): Promise<{ screen: string; commands: CommandRecord[] }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home.path,
    TERM: 'xterm',
    [NONCE_VARIABLE]: NONCE,
    ...extraEnv,
  };
  const pty = spawnPty(shell, args, { cols: 120, rows: 30, cwd: home.path, env, encoding: null });
  const handle = registerCleanup(shell, async () => pty.kill('SIGKILL'));
  const scanner = new ShellMarkScanner(NONCE);
  const tracker = new CommandTracker();
  const commands: CommandRecord[] = [];
  let screen = '';
  pty.onData((chunk) => {
    const { output, marks } = scanner.scan(chunk as unknown as Buffer);
    screen += output.toString('utf8');
    for (const mark of marks) {
      const done = tracker.onMark(mark, new Date());
      if (done) commands.push(done);
    }
  });
  const exited = new Promise<void>((resolve) => pty.onExit(() => resolve()));
  const prompts = () => screen.split('P> ').length - 1;
  const waitFor = async (count: number) => {
    for (let waited = 0; prompts() < count; waited += 10) {
      if (waited > 10_000) throw new Error(`no prompt #${count}; the screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await waitFor(1);
  let count = 1;
  for (const line of lines) {
    pty.write(line + '\r');
    if (line.endsWith(' do')) {
      // A continuation line (PS2) follows, not a prompt.
      await new Promise((resolve) => setTimeout(resolve, 100));
    } else if (line !== 'exit') {
      await waitFor(++count);
    }
  }
  await exited;
  handle.release();
  const last = tracker.end();
  if (last) commands.push(last);
  return { screen, commands };
}

describe('bash shell integration (a real bash on the generated rcfile)', function () {
  this.timeout(30_000);
  let home: TempDir;
  beforeEach(async () => {
    home = await createTempDir('bash-home');
  });
  afterEach(async () => home.remove());

  it("captures each command line exactly, with exit statuses, keeping the user's .bashrc and PROMPT_COMMAND", async () => {
    await writeFile(home.file('.bash_profile'), '. ~/.bashrc\n');
    await writeFile(
      home.file('.bashrc'),
      "PS1='P> '\nPROMPT_COMMAND='prompt_ran=yes'\nHISTCONTROL=ignorespace\n",
    );
    const { screen, commands } = await runBash(home, [
      'echo one',
      ' echo hidden-from-history',
      "printf 'a\\nb\\n' | wc -l",
      'for i in 1 2; do',
      '  echo "n$i"; done',
      '(exit 42)',
      'echo "$prompt_ran"',
      'exit',
    ]);
    assert.deepEqual(
      commands.map(({ command, exit_status, cwd }) => ({ command, exit_status, cwd })),
      [
        { command: 'echo one', exit_status: 0, cwd: home.path },
        // Left out of history (ignorespace): the integration falls back to bash's own $BASH_COMMAND.
        { command: 'echo hidden-from-history', exit_status: 0, cwd: home.path },
        { command: "printf 'a\\nb\\n' | wc -l", exit_status: 0, cwd: home.path },
        // As bash keeps it in history (cmdhist joins the lines).
        { command: 'for i in 1 2; do   echo "n$i"; done', exit_status: 0, cwd: home.path },
        // A subshell alone runs no DEBUG trap in this shell: taken from history at the next prompt.
        { command: '(exit 42)', exit_status: 42, cwd: home.path },
        { command: 'echo "$prompt_ran"', exit_status: 0, cwd: home.path },
        { command: 'exit', exit_status: undefined, cwd: home.path },
      ],
    );
    assert.match(screen, /\rn1\r\nn2\r\n/);
    assert.match(screen, /\ryes\r\n/, "the user's PROMPT_COMMAND still runs");
    assert.doesNotMatch(screen, /633;LK/);
  });
});

describe('zsh shell integration (a real zsh on the generated ZDOTDIR)', function () {
  this.timeout(30_000);
  let home: TempDir;
  before(function () {
    // zsh is optional on targets and on developers' machines; scripts/test.sh installs it, so CI must have it.
    if (!existsSync('/usr/bin/zsh')) {
      if (process.env.CI !== undefined) throw new Error('zsh is missing: scripts/test.sh installs it');
      this.skip();
    }
  });
  beforeEach(async () => {
    home = await createTempDir('zsh-home');
  });
  afterEach(async () => home?.remove());

  it("captures each command line as zsh read it, with exit statuses and cwd, keeping the user's startup files", async () => {
    await writeFile(home.file('.zshenv'), 'export FROM_ZSHENV=yes\n');
    await writeFile(
      home.file('.zshrc'),
      "PS1='P> '\nprecmd() { user_precmd=ran }\nsetopt HIST_IGNORE_SPACE\n",
    );
    const { screen, commands } = await runZsh(home, [
      'echo one',
      ' echo hidden-from-history',
      'cd /tmp',
      "printf 'a\\nb\\n' | wc -l",
      '(exit 42)',
      'echo "$FROM_ZSHENV $user_precmd"',
      'exit',
    ]);
    assert.deepEqual(
      commands.map(({ command, exit_status, cwd }) => ({ command, exit_status, cwd })),
      [
        { command: 'echo one', exit_status: 0, cwd: home.path },
        { command: ' echo hidden-from-history', exit_status: 0, cwd: home.path },
        { command: 'cd /tmp', exit_status: 0, cwd: home.path },
        { command: "printf 'a\\nb\\n' | wc -l", exit_status: 0, cwd: '/tmp' },
        { command: '(exit 42)', exit_status: 42, cwd: '/tmp' },
        { command: 'echo "$FROM_ZSHENV $user_precmd"', exit_status: 0, cwd: '/tmp' },
        { command: 'exit', exit_status: undefined, cwd: '/tmp' },
      ],
    );
    assert.match(screen, /yes ran/, "the user's .zshenv, .zshrc and precmd still apply");
    assert.doesNotMatch(screen, /633;LK/);
  });
});
