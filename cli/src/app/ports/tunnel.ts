import type { Duplex } from 'node:stream';

/** The access server's tunnel (docs/tunnels.md), as the person's client uses it. */
export interface TunnelDialer {
  /**
   * One stream to the target through its agent's tunnel; rejects with the server's refusal.
   * `virtualNetwork` (a name or id) picks among targets of one hostname in several networks.
   */
  open(
    accessToken: string,
    target: string,
    port: number | undefined,
    virtualNetwork?: string,
  ): Promise<Duplex>;
}
