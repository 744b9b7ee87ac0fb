import type { TcpEndpoint } from '../../domain/sshd/sshd-listen-endpoints.js';

/** One knock on sshd's door (adapters/net/tcp-sshd-prober.ts). */
export type SshdProbeResult =
  | { readonly answered: true; readonly banner: string }
  | { readonly answered: false; readonly reason: string };

export interface SshdProber {
  /**
   * Connects over TCP and reads the server's identification line; `answered` only when it starts with
   * `SSH-2.0-` (or `SSH-1.99-`), so a port held by something else does not count. Resolves within
   * `timeoutMs`, never rejects.
   */
  probe(endpoint: TcpEndpoint, timeoutMs: number): Promise<SshdProbeResult>;
}
