/**
 * Process helpers over /proc (Linux only, like the rest of the harness): find the processes a daemon forked
 * (sshd's per-connection children call setsid(), so they are not in its process group) or that run as a
 * user, and kill them by pid — never by name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface ProcStat {
  pid: number;
  ppid: number;
  uid: number;
}

function readProcStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may contain spaces; ppid is the 2nd field after it.
    const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uidLine = /^Uid:\s+(\d+)/m.exec(status);
    return { pid, ppid: Number(afterComm[1]), uid: Number(uidLine?.[1] ?? -1) };
  } catch {
    return undefined; // gone meanwhile
  }
}

function allProcesses(): ProcStat[] {
  const result: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat) result.push(stat);
  }
  return result;
}

/** All descendants of `pid` (children, grandchildren, …), parents before children. */
export function descendantPids(pid: number): number[] {
  const processes = allProcesses();
  const result: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const children = processes.filter((p) => frontier.includes(p.ppid)).map((p) => p.pid);
    result.push(...children);
    frontier = children;
  }
  return result;
}

/** Pids of the processes whose real uid is `uid`. */
export function pidsOfUid(uid: number): number[] {
  return allProcesses()
    .filter((p) => p.uid === uid)
    .map((p) => p.pid);
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sends `signal` to each pid, ignoring the ones that are already gone. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // ESRCH: already gone.
    }
  }
}

/** Polls until none of `pids` is alive or `timeoutMs` passes; true when they are all gone. */
export async function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!pids.some(isAlive)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
}

/** SIGTERM, a grace period, then SIGKILL for whatever is left. Resolves when all are gone. */
export async function terminate(pids: readonly number[], graceMs = 3000): Promise<void> {
  signalAll(pids, 'SIGTERM');
  if (await waitUntilGone(pids, graceMs)) return;
  signalAll(pids, 'SIGKILL');
  if (!(await waitUntilGone(pids, 5000))) {
    throw new Error(`processes ${pids.filter(isAlive).join(', ')} survived SIGKILL`);
  }
}
