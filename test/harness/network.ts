/** Loopback ports: find a free one, check whether one is free, wait until something answers on one. */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port the kernel considers free on `host` right now (it may be taken again before you bind it). */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not read the port bound on ${host}`));
      });
    });
  });
}

/** True when nothing listens on host:port (we can bind it ourselves). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** One TCP connect attempt; true when it was accepted. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Retries a TCP connect until it succeeds; rejects after `timeoutMs`. */
export async function waitForTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(host, port))) {
    if (Date.now() >= deadline) throw new Error(`nothing answers on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** `host` as OpenSSH writes it next to a port: IPv6 literals in brackets. */
export function hostForSshConfig(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}
