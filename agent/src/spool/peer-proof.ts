/**
 * Which UNIX user a recorder runs as, proven rather than claimed. Node cannot read a unix socket's peer
 * credentials (SO_PEERCRED), so the recorder creates an empty file with a random name in the spool's
 * proof directory and names it in its HELLO; the file's owner is the recorder's real uid, which no other
 * user can fake: the directory is root's, sticky and 1733 (anyone may create, nobody but root may list,
 * rename or delete others' files), and the file must be a regular file with one link (no symlink or hard
 * link to someone else's file). The spool removes the proof once read.
 */
import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { PEER_PROOF_NAME } from '../domain/recording/spool-protocol.js';

/** Makes the directory; proofs older than a day (recorders that never reached a spool) are removed. */
export async function preparePeerProofDir(dir: string, now = Date.now()): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o1733 });
  await chmod(dir, 0o1733);
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const status = await lstat(path).catch(() => undefined);
    if (status !== undefined && now - status.mtimeMs > 24 * 3600 * 1000) await rm(path, { force: true });
  }
}

/** The proven UNIX user name (or `#<uid>` when the uid has no name); throws permission_denied on a bad proof. */
export async function provenUnixUser(dir: string, proof: string): Promise<string> {
  if (!PEER_PROOF_NAME.test(proof)) throw bad('its name is not 32 hex digits');
  const path = join(dir, proof);
  let uid: number;
  try {
    const status = await lstat(path);
    if (!status.isFile() || status.nlink !== 1) throw bad('it is not a plain file');
    uid = status.uid;
  } catch (error) {
    if (error instanceof LatchkeyError) throw error;
    throw bad('there is no such file');
  } finally {
    await rm(path, { force: true }).catch(() => undefined);
  }
  return (await userName(uid)) ?? `#${uid}`;
}

/** /etc/passwd, then NSS (`getent passwd`, for directory users). */
async function userName(uid: number): Promise<string | undefined> {
  const fromLines = (text: string) =>
    text
      .split('\n')
      .map((line) => line.split(':'))
      .find(([name, , id]) => name && id === String(uid))?.[0];
  const local = await readFile('/etc/passwd', 'utf8').then(fromLines, () => undefined);
  if (local !== undefined) return local;
  return new Promise((resolve) => {
    execFile('getent', ['passwd', String(uid)], { timeout: 2000 }, (error, stdout) =>
      resolve(error ? undefined : fromLines(stdout)),
    );
  });
}

function bad(why: string): LatchkeyError {
  return new LatchkeyError('permission_denied', `the recorder's uid proof is not valid: ${why}`);
}
