import type { Duplex } from 'node:stream';

/**
 * The access server's tunnel (docs/tunnels.md) as the extension uses it: a target the person's list marks
 * `tunnel: true` is reached through the server, so a target in a private network works from anywhere the
 * server does. The CLI has the same port (cli/src/app/ports/tunnel.ts).
 */
export interface TunnelStreams {
  /** One stream (an SSH connection's bytes) to the target through its agent; rejects with the server's refusal. */
  open(accessToken: string, targetId: string, port: number): Promise<Duplex>;
}
