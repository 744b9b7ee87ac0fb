/**
 * `bash scripts/up.sh` as the walkthrough suites run it: started in the background from a checkout, its
 * output collected and searched, stopped with Ctrl-C as the README says (or killed outright, as a crash
 * would). Also a copy of this checkout to start it from, as a person's second checkout would be.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readlink, stat, symlink, utimes } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerCleanup, runCommand, terminate } from '../../harness/index.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export class LocalLatchkey {
  output = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** `bash scripts/up.sh` in `checkout`; stopped with Ctrl-C when the test's owner is cleaned up. */
  static start(checkout: string, env: NodeJS.ProcessEnv): LocalLatchkey {
    const child = spawn('bash', ['scripts/up.sh'], {
      cwd: checkout,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const up = new LocalLatchkey(child);
    registerCleanup(`scripts/up.sh in ${checkout}`, async () => {
      await up.interrupt();
    });
    return up;
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match !== null) return match;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`scripts/up.sh did not print ${pattern}; it printed:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Waits for the instructions, and answers what they say to use. */
  async ready(timeoutMs = 360_000): Promise<{ url: string; password: string }> {
    await this.waitFor(/Press Ctrl-C to stop everything/, timeoutMs);
    return {
      url: (await this.waitFor(/latchkey login --server (\S+)/, 1000))[1]!,
      password: (await this.waitFor(/password: (\S+)/, 1000))[1]!,
    };
  }

  /** Ctrl-C, as the README says. */
  async interrupt(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    return this.exited;
  }
}

/** The pids and command lines of the processes whose command line names `path`. */
export async function processesNaming(path: string): Promise<{ pid: number; command: string }[]> {
  const found = await runCommand('pgrep', ['-a', '-f', path]);
  return found.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [pid, ...command] = line.split(' ');
      return { pid: Number(pid), command: command.join(' ') };
    });
}

/** Stops (by pid) whatever still runs from `path` when the suite's owner is cleaned up. */
export function stopEverythingFrom(path: string): void {
  registerCleanup(`processes of ${path}`, async () => {
    await terminate((await processesNaming(path)).map((found) => found.pid));
  });
}

/**
 * A second checkout of this repository at `to`: the files git would check out, plus those not committed
 * yet (so it runs what this checkout runs), with its own `git init` when `git` is set (so `git clean
 * -fdx` works there). Its node_modules is what `npm ci` would make, borrowed: links to this checkout's
 * packages, and the workspace links pointing into the copy's own packages.
 */
export async function copyCheckout(to: string, options: { git?: boolean } = {}): Promise<string> {
  const listed = await runCommand('git', [
    '-C',
    ROOT,
    'ls-files',
    '-z',
    '--cached',
    '--others',
    '--exclude-standard',
  ]);
  if (listed.code !== 0) throw new Error(`git ls-files: ${listed.stderr}`);
  for (const file of new Set(listed.stdout.split('\0').filter((name) => name !== ''))) {
    const from = join(ROOT, file);
    if (!existsSync(from)) continue; // deleted in this working tree
    await mkdir(dirname(join(to, file)), { recursive: true });
    const info = await lstat(from);
    if (info.isSymbolicLink()) await symlink(await readlink(from), join(to, file));
    else {
      await copyFile(from, join(to, file));
      await utimes(join(to, file), info.atime, info.mtime);
    }
  }
  if (options.git === true) {
    for (const args of [
      ['init', '-q'],
      ['add', '-A'],
      [
        '-c',
        'user.name=walkthrough',
        '-c',
        'user.email=walkthrough@latchkey.test',
        'commit',
        '-q',
        '-m',
        'copy',
      ],
    ]) {
      const result = await runCommand('git', ['-C', to, ...args], { timeoutMs: 60_000 });
      if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    }
  }
  await borrowNodeModules(to);
  return to;
}

/**
 * `node_modules` for a copy without `npm ci` (minutes, and the network): a directory of links to this
 * checkout's packages; workspace links (relative, like `latchkey-server -> ../server`) are made again,
 * so they point into the copy. up.sh runs `npm ci` when package-lock.json is newer than
 * node_modules/.package-lock.json: the copy's lock file is made older than the installed one.
 */
export async function borrowNodeModules(checkout: string): Promise<void> {
  const link = async (from: string, to: string) => {
    const info = await lstat(from);
    if (info.isSymbolicLink() && !isAbsolute(await readlink(from))) {
      await symlink(await readlink(from), to);
    } else if (info.isDirectory() && from.split('/').at(-1)!.startsWith('@')) {
      await mkdir(to);
      for (const name of await readdir(from)) await link(join(from, name), join(to, name));
    } else {
      await symlink(from, to);
    }
  };
  const source = join(ROOT, 'node_modules');
  const target = join(checkout, 'node_modules');
  await mkdir(target);
  for (const name of await readdir(source)) await link(join(source, name), join(target, name));
  // A second before it: Date's milliseconds could round the installed time up, past it.
  const installed = (await stat(join(source, '.package-lock.json'))).mtimeMs / 1000 - 1;
  await utimes(join(checkout, 'package-lock.json'), installed, installed);
}
