/**
 * OpenSSH 10's client (Debian 13 "trixie" ships 10.0p2), for the front's post-quantum e2e: this machine's
 * own client is bookworm's 9.2, which has no mlkem768x25519-sha256. A minbase trixie root with only
 * openssh-client, made once with debootstrap (prepare-front-e2e.ts, which scripts/test.sh runs; the tests
 * download nothing) and cached under ~/.cache/latchkey/debootstrap/<suite>-<key> as the installer's
 * bookworm root is (../installer/nspawn-host.ts); about 225 MB, a few minutes the first time.
 *
 * Runs its ssh with chroot in a mount namespace of its own (unshare): a directory of the test's is bound
 * at /mnt (identity, certificate, known_hosts) and a tmpfs over /root, so the cached root stays pristine.
 * Same network namespace: the client reaches the front on 127.0.0.1 like any other.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../harness/run-command.js';
import { debianMirror } from '../installer/nspawn-host.js';

const SUITE = 'trixie';
const PACKAGES = ['openssh-client'];
const COMPLETE = '.latchkey-complete';

function rootPath(): { cache: string; root: string; mirror: string } {
  const mirror = debianMirror();
  const key = createHash('sha256')
    .update(`${SUITE} ${mirror} minbase ${PACKAGES.join(',')}`)
    .digest('hex')
    .slice(0, 12);
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'latchkey', 'debootstrap');
  return { cache, root: join(cache, `${SUITE}-${key}`), mirror };
}

/** The prepared root, or an error saying how to prepare it. */
export function openSsh10Root(): string {
  const { root } = rootPath();
  if (!existsSync(join(root, COMPLETE))) {
    throw new Error(
      `OpenSSH 10's client root is not prepared (${root}): run ` +
        '`node --import tsx test/e2e/front/prepare-front-e2e.ts` (scripts/test.sh does, before the tests)',
    );
  }
  return root;
}

/** Makes the root once with debootstrap (from the machine's own Debian mirror); answers its path. */
export async function buildOpenSsh10Root(): Promise<string> {
  const { cache, root, mirror } = rootPath();
  if (existsSync(join(root, COMPLETE))) return root;
  process.stderr.write(`      [front e2e] debootstrap ${SUITE} from ${mirror} into ${root} (once)\n`);
  const building = `${root}.building`;
  await rm(building, { recursive: true, force: true });
  await mkdir(cache, { recursive: true });
  const made = await runCommand(
    'debootstrap',
    ['--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, building, mirror],
    { timeoutMs: 900_000 },
  );
  if (made.code !== 0)
    throw new Error(`debootstrap ${SUITE} failed (${made.code}):\n${made.stdout}\n${made.stderr}`);
  await writeFile(join(building, COMPLETE), `${new Date().toISOString()}\n`);
  await rm(root, { recursive: true, force: true });
  await rename(building, root);
  return root;
}

/**
 * Runs the root's /usr/bin/ssh with `args`; `clientDir` (the test's files) is seen inside as /mnt, so
 * paths in `args` must name /mnt/…
 */
export async function runOpenSsh10(
  root: string,
  clientDir: string,
  args: string[],
  timeoutMs = 30_000,
): Promise<CommandResult> {
  const script =
    'set -e; root=$1; dir=$2; shift 2; ' +
    'mount --bind "$dir" "$root/mnt"; mount -t tmpfs tmpfs "$root/root"; exec chroot "$root" /usr/bin/ssh "$@"';
  return runCommand(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', script, 'ssh10', root, clientDir, ...args],
    { timeoutMs },
  );
}
