/**
 * The person's side of the tunnel (docs/tunnels.md): `GET /v1/tunnel/connect` as a WebSocket whose binary
 * messages are one SSH connection's bytes, and `GET /v1/tunnel/targets`, which targets have a tunnel now.
 * A refusal arrives before the upgrade as the error envelope; it becomes a LatchkeyError with the
 * server's code and message (401 is `unauthenticated`, so a stale access token is refreshed and retried).
 */
import { STREAM_SUBPROTOCOL } from '@latchkey/shared/tunnel/tunnel-protocol';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CODES, LatchkeyError } from '@latchkey/shared';
import type { ErrorCode } from '@latchkey/shared';
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

  async tunnelledTargetIds(accessToken: string): Promise<Set<string>> {
    const response = await get(`${this.base}/v1/tunnel/targets`, accessToken);
    if (response.statusCode === 404) return new Set(); // a server without tunnels
    if (response.statusCode !== 200) throw await refusal(response);
    const body = JSON.parse(await text(response)) as { result?: { target_id: string }[] };
    return new Set((body.result ?? []).map((entry) => entry.target_id));
  }
}

function get(url: string, accessToken: string): Promise<IncomingMessage> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      { headers: { authorization: `Bearer ${accessToken}` }, timeout: 20_000 },
      resolve,
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) =>
      reject(new LatchkeyError('unavailable', `cannot reach ${url}: ${error.message}`)),
    );
    request.end();
  });
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
  const body = await text(response).catch(() => '');
  let message = `the server answered HTTP ${response.statusCode}`;
  let code: string | undefined;
  try {
    const parsed = JSON.parse(body) as { errors?: { message?: string; latchkey_code?: string }[] };
    message = parsed.errors?.[0]?.message ?? message;
    code = parsed.errors?.[0]?.latchkey_code;
  } catch {
    // not the envelope
  }
  if (response.statusCode === 401) return new LatchkeyError('unauthenticated', message);
  return new LatchkeyError(
    code !== undefined && Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : 'unavailable',
    message,
  );
}
