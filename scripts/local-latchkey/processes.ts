/**
 * The machine's processes as /proc shows them (Linux, like the rest of the local Latchkey): each one's pid,
 * parent and command line, and which process listens on a TCP port. Used to find what an earlier start
 * left running and who holds a port this start needs; processes are only ever stopped by pid.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** When it started (clock ticks since boot): with the pid, it names one process, never a reused pid. */
  readonly startTime: number;
  /** Its command line; a program that retitles itself (sshd) may show it all in one element. */
  readonly argv: readonly string[];
}

export function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces; fields 3 on (state, ppid, …) follow it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const startTime = Number(fields[19]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    // A zombie has no command line any more: it is gone but for its exit status.
    if (argv.length === 0) return undefined;
    return { pid, ppid, startTime, argv };
  } catch {
    return undefined; // gone meanwhile
  }
}

export function readProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => readProcess(Number(name)) ?? []);
}

/** The process listening on this TCP port (any address, IPv4 or IPv6), if /proc tells. */
export function listenerOf(port: number): ProcessInfo | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth field.
      const localPort = parseInt(fields[1]?.split(':')[1] ?? '', 16);
      if (localPort === port && fields[3] === '0A' && fields[9] !== undefined) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode !== undefined && inodes.has(inode)) return readProcess(Number(name));
    }
  }
  return undefined;
}

/**
 * Whether its command line holds `phrase` (words separated by single spaces) as whole words, however the
 * program shows it: as arguments, or within the one title a program that retitles itself shows (sshd:
 * "sshd: /usr/sbin/sshd -D -e -f /path/sshd_config [listener] …"). A path with spaces in it counts too.
 */
export function commandHas(info: ProcessInfo, phrase: string): boolean {
  const line = ` ${info.argv.join(' ')} `;
  return line.includes(` ${phrase} `) || line.includes(`/${phrase} `);
}

/** Whether the very process `info` describes is still there (the same pid, started at the same time). */
export function stillRunning(info: ProcessInfo): boolean {
  return readProcess(info.pid)?.startTime === info.startTime;
}

/** A command line as a person would type it, shortened for a message. */
export function showCommand(info: ProcessInfo): string {
  const text = info.argv.join(' ');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
