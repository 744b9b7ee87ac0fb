/**
 * What an earlier start of this local Latchkey left running. Ctrl-C stops everything, but a start that
 * was killed outright (SIGKILL, a closed terminal, an out-of-memory kill) leaves its server, sshd and agent
 * behind, holding the ports and the data directory. Each of them names a path of this data directory on
 * its command line (the server's `start --data-dir`, sshd's `-f sshd_config`, the agent's `run
 * --state-dir`), which is how they are recognised: another checkout's processes are never touched.
 *
 * If the process that started them (scripts/local-latchkey/main.ts) is still alive, this Latchkey is
 * running: the new start refuses instead of taking it down. Otherwise they are orphans, and are stopped
 * (SIGTERM, then SIGKILL after 5 s), by pid.
 */
import { commandHas, stillRunning, type ProcessInfo } from './processes.js';
import type { LocalPaths } from './settings.js';

export interface Leftover extends ProcessInfo {
  readonly role: 'latchkey-agent' | 'sshd' | 'latchkey-server';
}

export type LeftoverVerdict =
  | { readonly kind: 'none' }
  /** Another start of this Latchkey is alive: its main process. */
  | { readonly kind: 'running'; readonly main: ProcessInfo }
  | { readonly kind: 'orphans'; readonly leftovers: readonly Leftover[] };

const MAIN_SCRIPT = 'scripts/local-latchkey/main.ts';

/** Pure: which of `processes` belong to the Latchkey kept at `paths`, and whether their starter lives. */
export function findLeftovers(
  processes: readonly ProcessInfo[],
  paths: Pick<LocalPaths, 'agentState' | 'sshdConfig' | 'serverData'>,
  self: number,
): LeftoverVerdict {
  // What each of them has on its command line (main.ts starts them so).
  const roles = [
    [['latchkey-agent.js run', `--state-dir ${paths.agentState}`], 'latchkey-agent'],
    [['/usr/sbin/sshd', `-f ${paths.sshdConfig}`], 'sshd'],
    [['latchkey-server.js start', `--data-dir ${paths.serverData}`], 'latchkey-server'],
  ] as const;
  const leftovers: Leftover[] = [];
  for (const info of processes) {
    if (info.pid === self) continue;
    const role = roles.find(([phrases]) => phrases.every((phrase) => commandHas(info, phrase)))?.[1];
    if (role !== undefined) leftovers.push({ ...info, role });
  }
  if (leftovers.length === 0) return { kind: 'none' };
  for (const leftover of leftovers) {
    const parent = processes.find((info) => info.pid === leftover.ppid);
    if (parent !== undefined && parent.pid !== self && parent.argv.some((arg) => arg.endsWith(MAIN_SCRIPT))) {
      return { kind: 'running', main: parent };
    }
  }
  // The agent first (it manages sshd), the server last, as a normal stop does.
  const order = roles.map(([, role]) => role);
  leftovers.sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
  return { kind: 'orphans', leftovers };
}

/**
 * Stops the leftovers by pid, one after the other in the verdict's order (the agent first: the server
 * waits for the agent's open requests when it shuts down): SIGTERM, then SIGKILL if it is still there
 * after `graceMs`.
 */
export async function stopLeftovers(leftovers: readonly Leftover[], graceMs = 5000): Promise<void> {
  for (const leftover of leftovers) {
    for (const [signal, waitMs] of [
      ['SIGTERM', graceMs],
      ['SIGKILL', 5000],
    ] as const) {
      if (!stillRunning(leftover)) break;
      try {
        process.kill(leftover.pid, signal);
      } catch {
        break; // gone already
      }
      const deadline = Date.now() + waitMs;
      while (stillRunning(leftover) && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 50));
      }
    }
    if (stillRunning(leftover)) {
      throw new Error(
        `could not stop ${leftover.role} (pid ${leftover.pid}), which an earlier start left running`,
      );
    }
  }
}
