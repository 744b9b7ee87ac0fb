/**
 * The TunnelStreams port over the server's WebSocket endpoints (docs/tunnels.md): `GET /v1/tunnel/connect`
 * upgraded to a WebSocket whose binary messages are one SSH connection's bytes (ssh2 takes it as its
 * socket), and `GET /v1/tunnel/targets`. A refusal arrives before the upgrade as the error envelope and
 * becomes a LatchkeyError with the server's code and words. The CLI's dialer
 * (cli/src/adapters/http/tunnel-websocket.ts) speaks the same protocol; packages do not share adapters.
 */
import type { Duplex } from 'node:stream';
import { ERROR_CODES, LatchkeyError, readEnvelopeAnswer } from '@latchkey/shared';
import type { ErrorCode } from '@latchkey/shared';
import { STREAM_SUBPROTOCOL } from '@latchkey/shared/tunnel/tunnel-protocol';
import { WebSocket, createWebSocketStream } from 'ws';
import type { TunnelStreams } from '../../app/ports/tunnel.js';

const TIMEOUT_MS = 20_000;

export class WebSocketTunnelStreams implements TunnelStreams {
  private readonly base: string;

  constructor(serverUrl: string) {
    this.base = serverUrl.replace(/\/+$/, '');
  }

  async tunnelledTargetIds(accessToken: string): Promise<Set<string>> {
    const response = await fetch(`${this.base}/v1/tunnel/targets`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status === 404) return new Set(); // a server without tunnels
    const read = readEnvelopeAnswer<{ target_id: string }[]>(response.status, await response.json());
    if (!read.ok)
      throw new LatchkeyError(read.code, read.message || `the tunnel list answered ${response.status}`);
    return new Set(read.result.map((entry) => entry.target_id));
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
          reject(refusal(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
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

/**
 * The server's refusal of a stream, with the server's words: the code its envelope names when it is one
 * of ours, else the status's (401 `unauthenticated`, so the session refreshes and asks again).
 */
function refusal(status: number, body: string): LatchkeyError {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined; // not the envelope
  }
  const read = readEnvelopeAnswer(status, json);
  const named = read.ok ? undefined : read.latchkeyCode;
  const code =
    status !== 401 && named !== undefined && Object.hasOwn(ERROR_CODES, named)
      ? (named as ErrorCode)
      : read.ok
        ? 'unavailable'
        : read.code;
  const message = !read.ok && read.message !== '' ? read.message : `the server answered HTTP ${status}`;
  return new LatchkeyError(code, message);
}
