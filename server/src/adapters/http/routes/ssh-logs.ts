/**
 * Session logs over HTTP (contract: shared/src/api/ssh-logs.ts).
 *
 * JSON routes (declared like every API route, Cloudflare's envelope):
 * - `GET /v1/agents/recording` (Latchkey: Agent): the auditors' public key, '' when logging is off;
 * - `GET …/accounts/{account_id}/ssh_logs` (Access: SSH Auditing: Read): the index, newest first, paged;
 * - `GET …/accounts/{account_id}/ssh_logs/{log_id}` (same): one log's index.
 *
 * Binary routes (in their own encapsulated context, so only they parse application/octet-stream):
 * - `PUT /v1/agents/ssh_logs/{log_id}` (Latchkey: Agent): the body is the log file, at most
 *   `--max-log-size` bytes (413 payload_too_large beyond); headers Latchkey-Log-Metadata and
 *   Content-Digest; answers `{ result: SshLog }` in the envelope. The body is passed to the use case
 *   unread and written to the store as it arrives (never held whole);
 * - `GET …/accounts/{account_id}/ssh_logs/{log_id}/file` (Access: SSH Auditing: Read): the stored bytes as
 *   application/octet-stream with Content-Length, Content-Digest and Content-Disposition, streamed piece
 *   by piece from the store.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import {
  AccountParams,
  AgentRecordingSettingsSchema,
  FailureEnvelopeSchema,
  LatchkeyError,
  SSH_LOG_METADATA_HEADER,
  SshLogId,
  SshLogListQuerySchema,
  SshLogSchema,
  SuccessEnvelopeSchema,
  checkAgainstSchema,
  resultInfo,
  successEnvelope,
} from '@latchkey/shared';
import type { Caller } from '../../../app/caller.js';
import type { Services } from '../../../app/services.js';
import { agentRecordingSettings } from '../../../app/ssh-logs/agent-recording-settings.js';
import { downloadSshLog, getSshLog, listSshLogs } from '../../../app/ssh-logs/auditor-ssh-logs.js';
import { uploadSshLog } from '../../../app/ssh-logs/upload-ssh-log.js';
import { presentSshLog } from '../../../domain/api-representation.js';
import { AGENT_PERMISSION, PERMISSIONS, type Permission } from '../../../domain/permissions.js';
import { authorizeRequest, type DeclaredRoute } from '../route.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

const tags = ['Session logs'];
const logs = `${ACCOUNT_PREFIX}/ssh_logs`;
const LogParams = Type.Object({ account_id: Type.String({ minLength: 1 }), log_id: SshLogId });

export function sshLogRoutes({ route, services }: RouteContext): void {
  route({
    method: 'GET',
    url: '/v1/agents/recording',
    access: AGENT_PERMISSION,
    summary: "What the agent records with: the auditors' public key ('' when command logging is off)",
    tags,
    result: AgentRecordingSettingsSchema,
    handle: async ({ caller }) => ({ result: await agentRecordingSettings(services, caller) }),
  });
  route({
    method: 'GET',
    url: logs,
    access: PERMISSIONS.sshAuditingRead,
    summary: 'List session logs, newest session first',
    description:
      'Filters are ANDed; user_email is compared case-insensitively; since/until bound the session start ' +
      '(since inclusive, until exclusive).',
    tags,
    params: AccountParams,
    querystring: SshLogListQuerySchema,
    result: Type.Array(SshLogSchema),
    paged: true,
    handle: async ({ caller, query }) => {
      const page = await listSshLogs(services, caller, query);
      return {
        result: page.items.map(presentSshLog),
        resultInfo: resultInfo(page.page, page.perPage, page.items.length, page.totalCount),
      };
    },
  });
  route({
    method: 'GET',
    url: `${logs}/:log_id`,
    access: PERMISSIONS.sshAuditingRead,
    summary: "One session log's index",
    tags,
    params: LogParams,
    result: SshLogSchema,
    handle: async ({ caller, params }) => ({
      result: presentSshLog(await getSshLog(services, caller, params.log_id)),
    }),
  });
}

export interface SshLogFileRouteOptions {
  /** The largest upload accepted, in bytes (--max-log-size). */
  maxLogSizeBytes: number;
}

/** Register inside `app.register(...)`: the octet-stream parser stays in that context. */
export function sshLogFileRoutes(
  app: FastifyInstance,
  services: Services,
  declared: DeclaredRoute[],
  options: SshLogFileRouteOptions,
): void {
  // The body is handed to the handler as the stream it is: the use case writes it to the store as it
  // arrives. Only a Content-Length over the limit is refused here, before anything is read.
  app.addContentTypeParser('application/octet-stream', (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (declared > options.maxLogSizeBytes) {
      done(tooLarge(`is ${declared} bytes`, options.maxLogSizeBytes));
      return;
    }
    done(null, { stream: payload } satisfies UploadBody);
  });

  const upload = {
    method: 'PUT' as const,
    url: '/v1/agents/ssh_logs/:log_id',
    access: AGENT_PERMISSION as Permission,
  };
  declared.push(upload);
  app.route({
    ...upload,
    schema: {
      summary: 'Upload a session log (the agent)',
      description:
        'The body is the sealed log file. Same id and SHA-256 again: 200 with the stored log, nothing ' +
        'changes. A log stored incomplete is replaced. A complete log with another SHA-256, or a log of ' +
        `another agent: 409. Larger than the server's --max-log-size: 413. A session the server did not ` +
        "issue for this agent's target, or a claimed person, target or UNIX user other than the one issued: " +
        '403 naming the mismatch (the index takes those from what the server issued).',
      tags,
      security: [{ bearerAuth: [] }],
      params: Type.Object({ log_id: SshLogId }),
      headers: Type.Object({
        [SSH_LOG_METADATA_HEADER]: Type.String({
          description: 'base64url of the JSON of SshLogUploadMetadata (the index fields).',
        }),
        'content-digest': Type.String({
          description: 'RFC 9530: sha-256=:<base64 of the SHA-256 of the body>:',
        }),
      }),
      consumes: ['application/octet-stream'],
      body: Type.Unsafe<UploadBody>({ type: 'string', format: 'binary', description: 'The log file.' }),
      response: envelopeResponses(SshLogSchema),
    },
    validatorCompiler: passBodyThrough,
    onRequest: [authorizeRequest(services, AGENT_PERMISSION, `${upload.method} ${upload.url}`)],
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const body = request.body as UploadBody | undefined;
      if (body === undefined || (body as Partial<UploadBody>).stream === undefined) {
        throw new LatchkeyError(
          'invalid_argument',
          'the body must be the session log file, sent as Content-Type: application/octet-stream',
        );
      }
      const { log } = await uploadSshLog(services, request.caller as Caller, {
        logId: (request.params as { log_id: string }).log_id,
        metadataHeader: headerText(request, SSH_LOG_METADATA_HEADER),
        contentDigest: headerText(request, 'content-digest'),
        body: limitedBody(body.stream, options.maxLogSizeBytes, Number(request.headers['content-length'])),
      });
      return reply.code(200).send(successEnvelope(presentSshLog(log)));
    },
  });

  const download = {
    method: 'GET' as const,
    url: `${logs}/:log_id/file`,
    access: PERMISSIONS.sshAuditingRead as Permission,
  };
  declared.push(download);
  app.route({
    ...download,
    schema: {
      summary: 'Download a session log file (sealed; decrypt it with the auditor key)',
      description:
        'application/octet-stream with Content-Digest (sha-256) and Content-Disposition. Each download is an ' +
        'ssh_log.download audit event.',
      tags,
      security: [{ bearerAuth: [] }],
      params: LogParams,
      response: {
        200: {
          description: 'The log file, as the agent uploaded it.',
          headers: {
            'content-digest': { type: 'string', description: 'sha-256=:<base64>: of the file' },
            'content-disposition': { type: 'string', description: 'attachment; filename="<log id>.log"' },
          },
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        '4xx': FailureEnvelopeSchema,
        '5xx': FailureEnvelopeSchema,
      },
    },
    // A HEAD would count as a download in the audit trail without sending one.
    exposeHeadRoute: false,
    onRequest: [authorizeRequest(services, download.access, `${download.method} ${download.url}`)],
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const { log_id: logId } = request.params as { log_id: string };
      const { log, content } = await downloadSshLog(services, request.caller as Caller, logId);
      return reply
        .code(200)
        .header('content-type', 'application/octet-stream')
        .header('content-length', String(log.sizeBytes))
        .header('content-digest', `sha-256=:${Buffer.from(log.sha256, 'hex').toString('base64')}:`)
        .header('content-disposition', `attachment; filename="${log.id}.log"`)
        .send(Readable.from(content, { objectMode: false }));
    },
  });
}

function envelopeResponses(result: TSchema) {
  return { 200: SuccessEnvelopeSchema(result), '4xx': FailureEnvelopeSchema, '5xx': FailureEnvelopeSchema };
}

/** Params are checked like every route's; the body is the parsed LogBody; headers are read by the use-case. */
function passBodyThrough({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  return (data: unknown) => {
    if (httpPart !== 'params') return { value: data };
    try {
      const typed = schema as TSchema;
      return { value: checkAgainstSchema(typed, Value.Convert(typed, data), { part: 'params' }) };
    } catch (error) {
      return { error: error as Error };
    }
  };
}

function headerText(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** What the octet-stream parser hands over: the request body, unread. */
interface UploadBody {
  readonly stream: NodeJS.ReadableStream;
}

/**
 * The upload's pieces as they arrive (the stream's own flow control: the next piece is read when the
 * store has taken the last one), refusing more than `limit` bytes as soon as the count passes it, and a
 * body that ends short of its Content-Length or breaks off (the agent went away): `invalid_argument`.
 */
async function* limitedBody(
  payload: NodeJS.ReadableStream,
  limit: number,
  declaredLength: number,
): AsyncGenerator<Uint8Array> {
  let size = 0;
  let ended = false;
  // Not destroyed when the reading stops early (a refusal): the answer must still reach the agent over
  // this connection; what it still sends is read and dropped until it sees the answer and stops.
  const readable = payload as Readable;
  try {
    for await (const chunk of readable.iterator({ destroyOnReturn: false }) as AsyncIterable<
      Buffer | string
    >) {
      const piece = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += piece.length;
      if (size > limit) throw tooLarge(`is more than ${limit} bytes`, limit);
      yield piece;
    }
    ended = true;
  } catch (error) {
    if (error instanceof LatchkeyError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new LatchkeyError('invalid_argument', `the upload was cut off: ${message}`, { cause: error });
  } finally {
    if (!ended && !readable.destroyed) readable.resume();
  }
  if (!Number.isNaN(declaredLength) && declaredLength !== size) {
    throw new LatchkeyError(
      'invalid_argument',
      `the upload was cut off: the body has ${size} bytes but Content-Length says ${declaredLength}`,
    );
  }
}

function tooLarge(what: string, limit: number): LatchkeyError {
  return new LatchkeyError(
    'payload_too_large',
    `the session log ${what}; this server accepts at most ${limit} bytes (${formatMiB(limit)}, its --max-log-size)`,
  );
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 100) / 100} MiB`;
}
