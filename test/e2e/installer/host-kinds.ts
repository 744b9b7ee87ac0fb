/**
 * The kinds of Debian host the installer's journey runs on (issue 18): each a minbase root made once with
 * debootstrap from the machine's own mirror and cached under ~/.cache/latchkey/debootstrap/<suite>-<key>
 * (the key covers the suite, the mirror, the package list and the commands run in it afterwards), as the
 * Debian 12 root of nspawn-host.ts is. A kind may also change its copy of the root before it boots
 * (`customize`), which needs no download: the sshd.service host is the Debian 12 root so changed.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../harness/run-command.js';
import { debianMirror } from './nspawn-host.js';

export type HostInit = 'systemd' | 'sysvinit' | 'openrc';

export interface HostKind {
  /** Short, for labels and test titles: `debian11-systemd`. */
  readonly name: string;
  readonly suite: string;
  readonly packages: readonly string[];
  /** Shell commands run in the new root (chroot) after debootstrap, at preparation (may download). */
  readonly post?: readonly string[];
  /** What runs as PID 1 when the root is booted with `systemd-nspawn -b`. */
  readonly init: HostInit;
  /** The name of OpenSSH's service on the host. */
  readonly sshService: 'ssh' | 'sshd';
  /** The OpenSSH version the suite ships (`sshd -V` prefix), checked by the test. */
  readonly openssh: string;
  /** Changes a copy of the root before it boots (never the cached root). */
  customize?(root: string): Promise<void>;
}

const SYSTEMD = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'curl', 'ca-certificates'];

/**
 * Debian's ssh.service renamed sshd.service (the RHEL family's name), with nothing left named ssh: the
 * unit file (its `Alias=sshd.service` dropped), its enablement, the alias link, ssh.socket and ssh@.service,
 * and /etc/init.d/ssh (systemd's SysV generator would make an ssh.service of it).
 */
async function renameSshUnit(root: string): Promise<void> {
  const lib = join(root, 'lib/systemd/system');
  const etc = join(root, 'etc/systemd/system');
  const unit = (await readFile(join(lib, 'ssh.service'), 'utf8')).replace(/^Alias=sshd\.service\n/m, '');
  for (const path of [
    join(lib, 'ssh.service'),
    join(lib, 'ssh.socket'),
    join(lib, 'ssh@.service'),
    join(etc, 'sshd.service'),
    join(etc, 'multi-user.target.wants/ssh.service'),
    join(root, 'etc/init.d/ssh'),
  ]) {
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await writeFile(join(lib, 'sshd.service'), unit);
  await symlink('/lib/systemd/system/sshd.service', join(etc, 'multi-user.target.wants/sshd.service'));
}

export const HOST_KINDS: readonly HostKind[] = [
  {
    name: 'debian11-systemd',
    suite: 'bullseye',
    packages: SYSTEMD,
    init: 'systemd',
    sshService: 'ssh',
    openssh: 'OpenSSH_8.4',
  },
  {
    name: 'debian12-systemd',
    suite: 'bookworm',
    packages: SYSTEMD,
    init: 'systemd',
    sshService: 'ssh',
    openssh: 'OpenSSH_9.2',
  },
  {
    name: 'debian13-systemd',
    suite: 'trixie',
    packages: SYSTEMD,
    init: 'systemd',
    sshService: 'ssh',
    openssh: 'OpenSSH_10.',
  },
  {
    name: 'debian12-sysvinit',
    suite: 'bookworm',
    packages: ['sysvinit-core', 'openssh-server', 'curl', 'ca-certificates', 'procps'],
    init: 'sysvinit',
    sshService: 'ssh',
    openssh: 'OpenSSH_9.2',
  },
  {
    name: 'debian12-openrc',
    suite: 'bookworm',
    packages: ['sysvinit-core', 'openssh-server', 'curl', 'ca-certificates', 'procps'],
    // sysvinit-core needs sysv-rc, file-rc or openrc, and debootstrap takes the first: openrc replaces it.
    // (policy-rc.d: nothing is started in the chroot.)
    post: [
      "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d",
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openrc',
      'rm /usr/sbin/policy-rc.d && apt-get clean',
    ],
    init: 'openrc',
    sshService: 'ssh',
    openssh: 'OpenSSH_9.2',
  },
  {
    name: 'debian12-sshd-unit',
    suite: 'bookworm',
    packages: SYSTEMD,
    init: 'systemd',
    sshService: 'sshd',
    openssh: 'OpenSSH_9.2',
    customize: renameSshUnit,
  },
];

export function hostKind(name: string): HostKind {
  const kind = HOST_KINDS.find((candidate) => candidate.name === name);
  if (kind === undefined) throw new Error(`no host kind ${name}`);
  return kind;
}

const COMPLETE = '.latchkey-complete';

/** Where a kind's root is cached (the key covers the suite, the mirror, the packages and `post`). */
export function rootPathOf(kind: Pick<HostKind, 'suite' | 'packages' | 'post'>): {
  cache: string;
  root: string;
  mirror: string;
} {
  const mirror = debianMirror();
  const post = kind.post === undefined ? '' : ` post ${kind.post.join(' ; ')}`;
  const key = createHash('sha256')
    .update(`${kind.suite} ${mirror} minbase ${kind.packages.join(',')}${post}`)
    .digest('hex')
    .slice(0, 12);
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'latchkey', 'debootstrap');
  return { cache, root: join(cache, `${kind.suite}-${key}`), mirror };
}

/** The prepared root of a kind, or an error saying how to prepare it (the tests download nothing). */
export function preparedRoot(kind: HostKind): string {
  const { root } = rootPathOf(kind);
  if (!existsSync(join(root, COMPLETE))) {
    throw new Error(
      `the ${kind.name} root for the installer tests is not prepared (${root}): run ` +
        '`node --import tsx test/e2e/installer/prepare-installer-e2e.ts` (scripts/test.sh does, before the tests)',
    );
  }
  return root;
}

/** Makes a kind's root once (debootstrap, then `post` in a chroot); answers its path and whether it was made now. */
export async function buildRoot(
  kind: HostKind,
  log: (line: string) => void,
): Promise<{ root: string; built: boolean }> {
  const { cache, root, mirror } = rootPathOf(kind);
  if (existsSync(join(root, COMPLETE))) return { root, built: false };
  log(`debootstrap ${kind.suite} (${kind.name}) from ${mirror} into ${root} (once)`);
  const building = `${root}.building`;
  await rm(building, { recursive: true, force: true });
  await mkdir(cache, { recursive: true });
  const made = await runCommand(
    'debootstrap',
    ['--variant=minbase', `--include=${kind.packages.join(',')}`, kind.suite, building, mirror],
    { timeoutMs: 1_200_000 },
  );
  if (made.code !== 0)
    throw new Error(`debootstrap ${kind.suite} failed (${made.code}):\n${made.stdout}\n${made.stderr}`);
  for (const command of kind.post ?? []) {
    const ran = await runCommand('chroot', [building, 'sh', '-c', command], { timeoutMs: 600_000 });
    if (ran.code !== 0)
      throw new Error(`in ${building}: ${command} failed (${ran.code}):\n${ran.stdout}\n${ran.stderr}`);
  }
  await writeFile(join(building, COMPLETE), `${new Date().toISOString()}\n`);
  await rm(root, { recursive: true, force: true });
  await rename(building, root);
  return { root, built: true };
}
