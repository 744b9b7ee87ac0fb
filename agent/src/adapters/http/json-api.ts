/**
 * One JSON request to a Cloudflare-shaped API: the bearer token, Cloudflare's envelope unwrapped, and
 * failures as LatchkeyError — `unavailable` when the server cannot be reached or times out (the daemon
 * retries those), otherwise the code json-envelope.ts reads from the answer (shared's one status → code
 * reading) and the server's message.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { envelopeResult } from './json-envelope.js';

export interface JsonAnswer {
  readonly result: unknown;
  readonly status: number;
  /** The HTTP Date header. */
  readonly date: string | null;
  readonly sentAt: number;
  readonly receivedAt: number;
}

export interface JsonRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly token?: string;
  readonly body?: unknown;
  /** Sent as is (application/octet-stream) instead of a JSON body. */
  readonly rawBody?: Uint8Array;
  /**
   * Sent as a stream (application/octet-stream, Content-Length `length`) instead of a JSON body: read
   * piece by piece as the socket takes them, never joined. When its read fails, the request is cut and
   * requestJson rejects with that error as it is (not `unavailable`: the server is not at fault).
   */
  readonly streamBody?: StreamedBody;
  /** Further request headers (e.g. Content-Digest). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export interface StreamedBody {
  readonly length: number;
  read(): AsyncIterable<Uint8Array>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export async function requestJson(request: JsonRequest): Promise<JsonAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  const body =
    request.rawBody !== undefined
      ? Buffer.from(request.rawBody.buffer, request.rawBody.byteOffset, request.rawBody.byteLength)
      : request.body === undefined
        ? undefined
        : Buffer.from(JSON.stringify(request.body));
  if (body !== undefined) {
    headers['content-type'] = request.rawBody !== undefined ? 'application/octet-stream' : 'application/json';
    headers['content-length'] = String(body.length);
  } else if (request.streamBody !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    headers['content-length'] = String(request.streamBody.length);
  }
  const sentAt = Date.now();
  let response: RawResponse;
  try {
    response = await send(request, headers, body ?? request.streamBody);
  } catch (error) {
    if (error instanceof BodyReadFailure) throw error.cause;
    throw new LatchkeyError('unavailable', `cannot reach ${new URL(request.url).origin}: ${causeOf(error)}`, {
      cause: error,
    });
  }
  const receivedAt = Date.now();
  const result = envelopeResult(request, response);
  return { result, status: response.status, date: response.date, sentAt, receivedAt };
}

interface RawResponse {
  readonly status: number;
  readonly date: string | null;
  readonly text: string;
}

/** A streamed body's own read failed: not the server's fault, so not `unavailable`. */
class BodyReadFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('the request body could not be read');
  }
}

/**
 * node:http(s) rather than fetch: the agent is a long-lived daemon on every target, and loading fetch
 * (undici) alone costs it about 10 MB of resident memory.
 */
function send(
  request: JsonRequest,
  headers: Record<string, string>,
  body: Buffer | StreamedBody | undefined,
): Promise<RawResponse> {
  const url = new URL(request.url);
  const client = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = client(
      url,
      { method: request.method, headers, timeout: request.timeoutMs ?? DEFAULT_TIMEOUT_MS },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          answered = true;
          resolve({
            status: incoming.statusCode ?? 0,
            date: typeof incoming.headers.date === 'string' ? incoming.headers.date : null,
            text: Buffer.concat(chunks).toString('utf8'),
          });
          // The server answered before taking the whole body (a refusal, e.g. 413): send no more of it.
          if (!outgoing.writableFinished) outgoing.destroy();
        });
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(new Error(`no answer within ${request.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)),
    );
    outgoing.on('error', reject);
    if (body === undefined || Buffer.isBuffer(body)) {
      outgoing.end(body);
      return;
    }
    void writeStreamed(outgoing, body, () => answered).catch((error: unknown) => {
      reject(new BodyReadFailure(error));
      outgoing.destroy();
    });
  });
}

/**
 * Writes a streamed body as the socket takes it (waits for 'drain'), then ends the request. Stops early
 * once the request is destroyed (an answer came, or the connection failed: send() reports that). Rejects
 * only when the body's own read fails.
 */
async function writeStreamed(
  outgoing: ClientRequest,
  body: StreamedBody,
  answered: () => boolean,
): Promise<void> {
  let sent = 0;
  for await (const piece of body.read()) {
    if (outgoing.destroyed || answered()) return;
    sent += piece.length;
    if (!outgoing.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          outgoing.off('drain', done);
          outgoing.off('close', done);
          resolve();
        };
        outgoing.on('drain', done);
        outgoing.on('close', done);
      });
    }
  }
  if (sent !== body.length) {
    throw new Error(`the body gave ${sent} bytes where ${body.length} were announced`);
  }
  if (!outgoing.destroyed) outgoing.end();
}

function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) return cause.message;
    return error.message;
  }
  return String(error);
}
