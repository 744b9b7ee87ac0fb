/**
 * Throw-away UNIX accounts for logins through a test sshd. Each gets a unique name (`lk-<random>`), a home
 * made by `useradd -m`, /bin/bash, and no password but an unlocked account (`usermod -p '*'`): with
 * `UsePAM no`, sshd refuses every method for a locked account ("User … not allowed because account is
 * locked"). Removal kills the user's processes (by uid, via /proc) and runs `userdel -r`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { registerCleanup } from './cleanup.js';
import type { CleanupHandle } from './cleanup.js';
import { pidsOfUid, signalAll, terminate } from './processes.js';
import { runCommand, runCommandOrThrow } from './run-command.js';
import { writePrivateFile } from './temp-dir.js';

export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

const cleanupHandles = new Map<string, CleanupHandle>();

/** `lk-` and 8 hex digits: unique, valid for useradd, short enough for every tool that prints it. */
export function randomTestUserName(): string {
  return `lk-${randomBytes(4).toString('hex')}`;
}

/** Creates the account (retrying while another process holds the /etc/passwd lock). */
export async function createTestUser(name: string = randomTestUserName()): Promise<TestUser> {
  await retryWhileLocked(
    () => runCommand('useradd', ['-m', '-U', '-s', '/bin/bash', name]),
    `useradd ${name}`,
  );
  cleanupHandles.set(
    name,
    registerCleanup(
      `test user ${name}`,
      () => removeTestUser(name),
      () => {
        spawnSync('userdel', ['-r', '-f', name], { stdio: 'ignore' });
      },
    ),
  );
  await retryWhileLocked(() => runCommand('usermod', ['-p', '*', name]), `usermod -p '*' ${name}`);
  const { stdout } = await runCommandOrThrow('getent', ['passwd', name]);
  const fields = stdout.trim().split(':');
  return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? `/home/${name}` };
}

/** Kills the user's processes and deletes the account and its home; a missing user is not an error. */
export async function removeTestUser(user: TestUser | string): Promise<void> {
  const name = typeof user === 'string' ? user : user.name;
  cleanupHandles.get(name)?.release();
  cleanupHandles.delete(name);
  const passwd = await runCommand('getent', ['passwd', name]);
  if (passwd.code !== 0) return; // already gone
  const uid = Number(passwd.stdout.split(':')[2]);
  await terminate(pidsOfUid(uid), 1000);
  const result = await retryWhileLocked(() => runCommand('userdel', ['-r', name]), `userdel -r ${name}`, [
    0,
    12, // 12: home or mail spool could not be removed entirely (the mail spool usually never existed)
  ]);
  if (result.code === 12) signalAll(pidsOfUid(uid), 'SIGKILL');
}

/** Writes `~/.ssh/authorized_keys` (0600 in a 0700 dir, owned by the user, as StrictModes wants). */
export async function writeAuthorizedKeys(user: TestUser, lines: readonly string[]): Promise<string> {
  const sshDir = path.join(user.home, '.ssh');
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  const file = await writePrivateFile(path.join(sshDir, 'authorized_keys'), lines.join('\n') + '\n');
  await chown(sshDir, user.uid, user.gid);
  await chown(file, user.uid, user.gid);
  return file;
}

/** Exit code 10 of the shadow tools: the passwd/group files are locked by another process. */
async function retryWhileLocked(
  run: () => ReturnType<typeof runCommand>,
  what: string,
  okCodes: readonly number[] = [0],
): ReturnType<typeof runCommand> {
  for (let attempt = 1; ; attempt++) {
    const result = await run();
    if (result.code !== null && okCodes.includes(result.code)) return result;
    if (result.code !== 10 || attempt >= 20) {
      throw new Error(`${what} failed (exit ${result.code ?? result.signal}): ${result.stderr.trim()}`);
    }
    await sleep(100 * attempt);
  }
}
