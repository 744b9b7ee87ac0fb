import type * as vscode from 'vscode';
import type { AccessServer } from '../../app/ports/access-server.js';
import type { Clock } from '../../app/ports/environment.js';
import type { HostKeyStore, KeyFactory, SshConnector } from '../../app/ports/ssh.js';
import type { SessionStore } from '../../app/ports/session-store.js';
import { SignedInSession } from '../../app/signed-in-session.js';
import type { TunnelStreams } from '../../app/ports/tunnel.js';
import { FetchAccessServer } from '../http/access-server-client.js';
import { WebSocketTunnelStreams } from '../http/tunnel-websocket.js';
import { generateEphemeralKeyPair } from '../ssh/ed25519-key-pair.js';
import { Ssh2Connector } from '../ssh/ssh2-connector.js';
import { HostKeyFileStore } from './host-key-file-store.js';
import { SecretSessionStore } from './secret-session-store.js';
import type { LatchkeySettings } from './settings.js';

/** The real adapters behind the use-cases, for the server the settings name. */
export interface Services {
  server: AccessServer;
  store: SessionStore;
  clock: Clock;
  session: SignedInSession;
  keys: KeyFactory;
  ssh: SshConnector;
  hostKeys: HostKeyStore;
  /** The server's tunnel: targets whose agent holds one are reached through it. */
  tunnel: TunnelStreams;
  settings: LatchkeySettings;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new Error('aborted'));
        return;
      }
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('aborted'));
      });
    }),
};

/** Services for the configured server URL, rebuilt only when the URL changes (throws when it is unset). */
export function servicesFactory(
  context: vscode.ExtensionContext,
  settings: LatchkeySettings,
): () => Services {
  let cached: Services | undefined;
  const store = new SecretSessionStore(context.secrets);
  const hostKeys = new HostKeyFileStore(context.globalStorageUri);
  const ssh = new Ssh2Connector();
  const keys: KeyFactory = { generate: generateEphemeralKeyPair };
  return () => {
    const url = settings.serverUrl();
    if (cached?.server.url !== url) {
      const server = new FetchAccessServer(url);
      cached = {
        server,
        store,
        clock: systemClock,
        session: new SignedInSession({ server, store, clock: systemClock }),
        keys,
        ssh,
        hostKeys,
        tunnel: new WebSocketTunnelStreams(url),
        settings,
      };
    }
    return cached;
  };
}
