import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generateKeyWithSshKeygen, runCommand, type TempDir } from '../../../../harness/index.js';

export const SSHD = '/usr/sbin/sshd';

/**
 * Lays a host's sshd files out under `root` and asks the real sshd about them. Absolute /etc/ssh and
 * /usr/etc/ssh paths in the files (Include, HostKey, TrustedUserCAKeys…) and relative Include paths are
 * rewritten into `root`, so the configuration reads only the test's own files.
 */
export interface SshdVerdict {
  readonly code: number | null;
  readonly stderr: string;
  /** `sshd -T` output as keyword → values (only when -t passed). */
  readonly effective: Map<string, string[]>;
}

export interface SshdCheckKit {
  readonly hostKeyPath: string;
  readonly caPublicKey: string;
}

export async function makeSshdCheckKit(dir: TempDir): Promise<SshdCheckKit> {
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = await generateKeyWithSshKeygen(dir.file('host_key'));
  const ca = await generateKeyWithSshKeygen(dir.file('ca_key'), 'ed25519', 'test-ca');
  return { hostKeyPath: hostKey.privateKeyPath, caPublicKey: ca.publicKey };
}

export function rewriteIntoRoot(text: string, root: string): string {
  return text
    .replace(/(^|[\s"'=])((?:\/usr)?\/etc\/ssh\/)/gm, `$1${root}$2`)
    .replace(/^([ \t]*include(?:[ \t]*=[ \t]*|[ \t]+))(["']?)(?![/"'\s])/gim, `$1$2${root}/etc/ssh/`);
}

export async function checkWithRealSshd(
  kit: SshdCheckKit,
  root: string,
  files: ReadonlyMap<string, string>,
  mainPath: string,
): Promise<SshdVerdict> {
  for (const [path, text] of files) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, rewriteIntoRoot(text, root));
  }
  await mkdir(join(root, 'etc/ssh'), { recursive: true });
  await writeFile(join(root, 'etc/ssh/ca.pub'), `${kit.caPublicKey}\n`);
  const args = ['-f', join(root, mainPath), '-h', kit.hostKeyPath];
  const test = await runCommand(SSHD, ['-t', ...args]);
  const effective = new Map<string, string[]>();
  if (test.code === 0) {
    const dump = await runCommand(SSHD, ['-T', ...args]);
    if (dump.code !== 0) return { code: dump.code, stderr: dump.stderr, effective };
    for (const line of dump.stdout.split('\n')) {
      const [keyword, ...rest] = line.split(' ');
      if (keyword) effective.set(keyword, [...(effective.get(keyword) ?? []), rest.join(' ')]);
    }
  }
  return { code: test.code, stderr: test.stderr, effective };
}
