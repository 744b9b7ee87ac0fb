/**
 * A fresh Debian host with systemd as PID 1, for the installer's end-to-end tests (see
 * ../shared/spec/systemd-testing.md): a minbase bookworm root made once with debootstrap and cached under
 * ~/.cache/latchkey/debootstrap/<key> (the key covers the suite, mirror and package list; the cached root
 * stays pristine), copied with `cp -a` for each test and booted with
 * `systemd-nspawn -b --register=no --keep-unit --private-network`. The test reaches it through a veth pair
 * whose two addresses it assigns itself (10.213.N.1 on this side, 10.213.N.2 inside), and runs commands
 * inside with nsenter. Stopped (SIGTERM: a clean poweroff) and removed by the harness cleanup at the latest.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { registerCleanup } from '../../harness/cleanup.js';
import { runCommand } from '../../harness/run-command.js';
import type { CommandResult } from '../../harness/run-command.js';

const SUITE = 'bookworm';
const PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'curl', 'ca-certificates'];

const progress = (line: string) => process.stderr.write(`      [installer e2e] ${line}\n`);

/** The Debian mirror this machine's own apt sources name (deb822 .sources or one-line .list). */
export function debianMirror(): string {
  const dir = '/etc/apt/sources.list.d';
  const files = existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
  if (existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uri !== undefined && suites.includes(SUITE) && /\/debian\/?$/.test(uri)) return uri;
    }
    const line = new RegExp(`^deb\\s+(?:\\[[^\\]]*\\]\\s+)?(\\S+/debian/?)\\s+${SUITE}\\s`, 'm').exec(text);
    if (line?.[1] !== undefined) return line[1];
  }
  return 'http://deb.debian.org/debian';
}

async function must(command: string, args: string[], timeoutMs = 120_000): Promise<CommandResult> {
  const result = await runCommand(command, args, { timeoutMs });
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** Where the pristine root is cached: the key covers the suite, the mirror and the package list. */
function pristineRootPath(): { cache: string; root: string; mirror: string } {
  const mirror = debianMirror();
  const key = createHash('sha256')
    .update(`${SUITE} ${mirror} minbase ${PACKAGES.join(',')}`)
    .digest('hex')
    .slice(0, 12);
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'latchkey', 'debootstrap');
  return { cache, root: join(cache, `${SUITE}-${key}`), mirror };
}

/**
 * The pristine root, prepared beforehand (prepare-installer-e2e.ts, which scripts/test.sh runs): the
 * tests themselves reach no address outside loopback and their own veth pairs, so they never download.
 */
export function pristineDebianRoot(): string {
  const { root } = pristineRootPath();
  if (!existsSync(join(root, '.latchkey-complete'))) {
    throw new Error(
      `the fresh Debian root for the installer tests is not prepared (${root}): run ` +
        '`node --import tsx test/e2e/installer/prepare-installer-e2e.ts` (scripts/test.sh does, before the tests)',
    );
  }
  return root;
}

/** Makes the pristine root once with debootstrap (about a minute; from the machine's own mirror). */
export async function buildPristineDebianRoot(): Promise<string> {
  const { cache, root, mirror } = pristineRootPath();
  if (existsSync(join(root, '.latchkey-complete'))) return root;
  progress(`debootstrap ${SUITE} from ${mirror} into ${root} (once; about a minute)`);
  const building = `${root}.building`;
  await rm(building, { recursive: true, force: true });
  await mkdir(cache, { recursive: true });
  await must(
    'debootstrap',
    ['--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, building, mirror],
    600_000,
  );
  await writeFile(join(building, '.latchkey-complete'), `${new Date().toISOString()}\n`);
  await rm(root, { recursive: true, force: true });
  await rename(building, root);
  return root;
}

export interface NspawnHost {
  /** The container's PID 1, as seen from here. */
  readonly initPid: number;
  /** Its root directory (a copy of the pristine root). */
  readonly root: string;
  /** This side's address and the container's, on the veth pair. */
  readonly hostAddress: string;
  readonly address: string;
  /** Runs a command inside (all namespaces). */
  exec(
    args: string[],
    options?: { input?: string; timeoutMs?: number; env?: Record<string, string> },
  ): Promise<CommandResult>;
  /** The same, failing on a non-zero exit. */
  must(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** The console output so far (systemd's boot messages). */
  console(): string;
  stop(): Promise<void>;
}

let nextNetwork = 0;

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (children !== '') out.push(...children.split(/\s+/).map(Number));
    }
  } catch {
    return out;
  }
  return out;
}

/**
 * The container's PID 1 as seen from here: the child of systemd-nspawn that has become systemd (or /sbin/init). While it
 * starts, nspawn's children are nspawn's own forks (an outer child that clones the inner one and exits):
 * one of those taken for the init made every later nsenter fail.
 */
function containerInit(nspawnPid: number): number | undefined {
  for (const pid of childrenOf(nspawnPid)) {
    try {
      if (['systemd', 'init'].includes(readFileSync(`/proc/${pid}/comm`, 'utf8').trim())) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BootOptions {
  /**
   * What the root boots as PID 1 (host-kinds.ts): systemd is ready when `systemctl is-system-running`
   * says so; SysV init and OpenRC (Debian's OpenRC runs under SysV init's /sbin/init) once their
   * runlevel scripts are done and sshd runs. Default systemd.
   */
  init?: 'systemd' | 'sysvinit' | 'openrc';
  /** Changes the copy before it boots. */
  customize?: (root: string) => Promise<void>;
}

/** Whether a booted SysV init or OpenRC host is done with its runlevel scripts and runs sshd. */
const RC_DONE: Record<'sysvinit' | 'openrc', string> = {
  // sysv-rc: /etc/init.d/rc runs the runlevel's scripts; runlevel(8) says N 2 once init entered it.
  sysvinit:
    'runlevel | grep -q " 2$" && ! pgrep -f "^/bin/sh /etc/init.d/rc" >/dev/null && /etc/init.d/ssh status >/dev/null',
  // OpenRC: `openrc default` (from inittab) is gone once the default runlevel is up.
  openrc: 'test -d /run/openrc && ! pgrep -x openrc >/dev/null && rc-service ssh status >/dev/null 2>&1',
};

/** Copies the pristine root and boots it; resolves once its init says the system is up. */
export async function bootHost(
  pristine: string,
  label: string,
  options: BootOptions = {},
): Promise<NspawnHost> {
  const init = options.init ?? 'systemd';
  const n = (process.pid % 200) + (nextNetwork++ % 50);
  const root = `${pristine}.run-${process.pid}-${label}`;
  const hostAddress = `10.213.${n}.1`;
  const address = `10.213.${n}.2`;
  const hostLink = `lkh${process.pid % 10000}x${nextNetwork}`;
  const innerLink = `lkc${process.pid % 10000}x${nextNetwork}`;
  await rm(root, { recursive: true, force: true });
  const started = Date.now();
  await must('cp', ['-a', pristine, root]);
  await options.customize?.(root);
  progress(`copied the pristine root in ${((Date.now() - started) / 1000).toFixed(1)} s; booting`);

  let output = '';
  const child: ChildProcess = spawn(
    'systemd-nspawn',
    [
      '-D',
      root,
      '-b',
      '--register=no',
      '--keep-unit',
      '--private-network',
      `--machine=${label}`,
      '--console=passive',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let initPid: number | undefined;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // systemd powers off on nspawn's SIGTERM; SysV init ignores the signal nspawn passes on (SIGRTMIN+3),
      // and a SIGKILL to a PID namespace's init ends every process in it.
      if (init === 'systemd' || initPid === undefined) child.kill('SIGTERM');
      else {
        try {
          process.kill(initPid, 'SIGKILL');
        } catch {
          child.kill('SIGTERM');
        }
      }
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    await runCommand('ip', ['link', 'del', hostLink], { timeoutMs: 10_000 }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };
  const cleanup = registerCleanup(`systemd-nspawn ${label}`, stop);

  // Two shared cores, often busy with other suites: a boot can take well over its usual few seconds.
  const deadline = Date.now() + 120_000;
  while (initPid === undefined) {
    if (child.exitCode !== null) throw new Error(`systemd-nspawn exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`the container did not start:\n${output}`);
    initPid = child.pid === undefined ? undefined : containerInit(child.pid);
    if (initPid === undefined) await sleep(100);
  }
  const pid = initPid;

  const exec: NspawnHost['exec'] = (args, options = {}) =>
    runCommand(
      'nsenter',
      [
        '-t',
        String(pid),
        '-a',
        '--',
        'env',
        '-i',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/root',
        'LANG=C.UTF-8',
        ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
        ...args,
      ],
      {
        timeoutMs: options.timeoutMs ?? 60_000,
        ...(options.input === undefined ? {} : { input: options.input }),
      },
    );
  const mustInside: NspawnHost['must'] = async (args, options) => {
    const result = await exec(args, options);
    if (result.code !== 0) {
      throw new Error(
        `inside the container: ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result.stdout;
  };

  for (;;) {
    if (init === 'systemd') {
      const state = (await exec(['systemctl', 'is-system-running'])).stdout.trim();
      if (state === 'running' || state === 'degraded') break;
      if (Date.now() > deadline)
        throw new Error(`the container's systemd is ${state || '(no answer)'} after two minutes:\n${output}`);
    } else {
      const done = await exec(['sh', '-c', RC_DONE[init]]);
      if (done.code === 0) break;
      if (Date.now() > deadline)
        throw new Error(`the container's ${init} is not up after two minutes:\n${done.stderr}\n${output}`);
    }
    await sleep(250);
  }
  progress(`booted in ${((Date.now() - started) / 1000).toFixed(1)} s (init pid ${pid})`);

  // The veth pair: the only link between this host and the container, with addresses of our own.
  await must('ip', ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', innerLink]);
  await must('ip', ['link', 'set', innerLink, 'netns', String(pid)]);
  await must('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostLink]);
  await must('ip', ['link', 'set', hostLink, 'up']);
  // This host's `ip`, in the container's network namespace only (the container has no iproute2).
  const inNetns = ['-t', String(pid), '-n', 'ip'];
  await must('nsenter', [...inNetns, 'addr', 'add', `${address}/30`, 'dev', innerLink]);
  await must('nsenter', [...inNetns, 'link', 'set', innerLink, 'up']);

  return {
    initPid: pid,
    root,
    hostAddress,
    address,
    exec,
    must: mustInside,
    console: () => output,
    async stop() {
      cleanup.release();
      await stop();
    },
  };
}

/** Reads a file of the container (through its root directory). */
export async function readHostFile(host: NspawnHost, path: string): Promise<string> {
  return readFile(join(host.root, path), 'utf8');
}
