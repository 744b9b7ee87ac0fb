/**
 * The person's side of the tunnel (docs/tunnels.md): `GET /v1/tunnel/connect` as a WebSocket whose binary
 * messages are one SSH connection's bytes. Which targets the tunnel reaches is in the person's target list
 * (`tunnel: true` in `GET /v1/me/targets`). A refusal arrives before the upgrade as the error envelope;
 * shared's `upgradeRefusalError` reads it (401 is `unauthenticated`, so a stale access token is refreshed
 * and retried), as the extension's dialer does.
 */
import { STREAM_SUBPROTOCOL } from '@latchkey/shared/tunnel/tunnel-protocol';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { LatchkeyError, upgradeRefusalError } from '@latchkey/shared';
import { WebSocket, createWebSocketStream } from 'ws';
import type { TunnelDialer } from '../../app/ports/tunnel.js';

export class WebSocketTunnel implements TunnelDialer {
  private readonly base: string;

  constructor(server: string) {
    this.base = server.replace(/\/+$/, '');
  }

  open(
    accessToken: string,
    target: string,
    port: number | undefined,
    virtualNetwork?: string,
  ): Promise<Duplex> {
    const query = new URLSearchParams({
      target,
      ...(port === undefined ? {} : { port: String(port) }),
      ...(virtualNetwork === undefined ? {} : { virtual_network: virtualNetwork }),
    });
    const url = `${this.base.replace(/^http/, 'ws')}/v1/tunnel/connect?${query.toString()}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, STREAM_SUBPROTOCOL, {
        headers: { authorization: `Bearer ${accessToken}` },
        perMessageDeflate: false,
        handshakeTimeout: 20_000,
      });
      let refused = false;
      ws.once('unexpected-response', (_request, response) => {
        refused = true;
        void refusal(response)
          .then(reject, reject)
          .finally(() => ws.terminate());
      });
      ws.on('error', (error) => {
        if (!refused) reject(new LatchkeyError('unavailable', `cannot reach ${this.base}: ${error.message}`));
      });
      ws.once('open', () => {
        const stream = createWebSocketStream(ws);
        resolve(stream);
      });
    });
  }
}

function text(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

async function refusal(response: IncomingMessage): Promise<LatchkeyError> {
  return upgradeRefusalError(response.statusCode ?? 0, await text(response).catch(() => ''));
}
