/**
 * The TunnelStreams port over the server's WebSocket endpoints (docs/tunnels.md): `GET /v1/tunnel/connect`
 * upgraded to a WebSocket whose binary messages are one SSH connection's bytes (ssh2 takes it as its
 * socket). Which targets it reaches is in the person's target list (`tunnel: true`). A refusal arrives
 * before the upgrade as the error envelope and becomes a LatchkeyError with the server's code and words
 * through shared's `upgradeRefusalError`, as in the CLI's dialer (cli/src/adapters/http/tunnel-websocket.ts);
 * packages do not share adapters.
 */
import type { Duplex } from 'node:stream';
import { LatchkeyError, upgradeRefusalError } from '@latchkey/shared';
import { STREAM_SUBPROTOCOL } from '@latchkey/shared/tunnel/tunnel-protocol';
import { WebSocket, createWebSocketStream } from 'ws';
import type { TunnelStreams } from '../../app/ports/tunnel.js';

const TIMEOUT_MS = 20_000;

export class WebSocketTunnelStreams implements TunnelStreams {
  private readonly base: string;

  constructor(serverUrl: string) {
    this.base = serverUrl.replace(/\/+$/, '');
  }

  open(accessToken: string, targetId: string, port: number): Promise<Duplex> {
    const query = new URLSearchParams({ target: targetId, port: String(port) });
    const url = `${this.base.replace(/^http/, 'ws')}/v1/tunnel/connect?${query.toString()}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, STREAM_SUBPROTOCOL, {
        headers: { authorization: `Bearer ${accessToken}` },
        perMessageDeflate: false,
        handshakeTimeout: TIMEOUT_MS,
      });
      let refused = false;
      ws.once('unexpected-response', (_request, response) => {
        refused = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          reject(upgradeRefusalError(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          ws.terminate();
        });
      });
      ws.on('error', (error) => {
        if (!refused) reject(new LatchkeyError('unavailable', `cannot reach ${this.base}: ${error.message}`));
      });
      ws.once('open', () => resolve(createWebSocketStream(ws)));
    });
  }
}
