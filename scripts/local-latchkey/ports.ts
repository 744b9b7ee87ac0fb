/**
 * The three ports the local Latchkey listens on must be free before anything starts: a port held by
 * another checkout's Latchkey (or anything else) would otherwise surface as a child that "exited before it
 * was ready". The message names the holder and the setting that moves this Latchkey elsewhere.
 */
import { createServer } from 'node:net';
import { listenerOf, showCommand } from './processes.js';
import { showHostPort, type HostPort } from './settings.js';

export interface WantedPort {
  /** What listens there, e.g. "the access server". */
  readonly what: string;
  readonly address: HostPort;
  /** The environment variable that chooses it. */
  readonly variable: string;
}

export async function ensurePortsFree(wanted: readonly WantedPort[]): Promise<void> {
  const problems: string[] = [];
  for (const port of wanted) {
    const error = await tryListen(port.address);
    if (error === undefined) continue;
    const holder = error === 'EADDRINUSE' ? listenerOf(port.address.port) : undefined;
    problems.push(
      `${showHostPort(port.address)} (${port.what}) is ${error === 'EADDRINUSE' ? 'in use' : `not usable: ${error}`}` +
        (holder === undefined ? '' : ` by pid ${holder.pid}: ${showCommand(holder)}`) +
        `; stop that, or set ${port.variable}=127.0.0.1:PORT`,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      `a port the local Latchkey needs is taken (another checkout's scripts/up.sh?):\n  ${problems.join('\n  ')}`,
    );
  }
}

/** undefined when the address could be listened on (and is released again), else the error code. */
function tryListen({ host, port }: HostPort): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
