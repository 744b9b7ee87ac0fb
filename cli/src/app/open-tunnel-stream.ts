import type { Duplex } from 'node:stream';
import type { TunnelDialer } from './ports/tunnel.js';
import { withAccessToken } from './signed-in-session.js';
import type { SessionDeps } from './signed-in-session.js';

export interface ProxyDeps extends SessionDeps {
  tunnel: TunnelDialer;
}

/**
 * `latchkey proxy TARGET [PORT]` (an ssh ProxyCommand): one stream to the target through the access
 * server's tunnel, with the stored sign-in (refreshed when its access token expired). Never starts a
 * sign-in: when there is none, or it ended, it fails at once saying to run `latchkey login`.
 */
export function openTunnelStream(
  deps: ProxyDeps,
  request: { target: string; port?: number; virtualNetwork?: string },
): Promise<Duplex> {
  return withAccessToken(deps, (token) =>
    deps.tunnel.open(token, request.target, request.port, request.virtualNetwork),
  );
}
