/**
 * The one place errors become HTTP responses: every error, whatever threw it, leaves as Cloudflare's
 * failure envelope with the status of shared's ERROR_CODES table. Routing failures are in the table too
 * (`route_not_found` 404, `method_not_allowed` 405, with Cloudflare's 7003 / 7001 numbers).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, LatchkeyError, errorItemFor, failureEnvelope } from '@latchkey/shared';
import type { ApiErrorItem } from '@latchkey/shared';

export function installErrorHandling(app: FastifyInstance): void {
  /** Route patterns by method, to tell 405 (path exists, other method) from 404. */
  const patterns: { method: string; pattern: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const source = route.url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    for (const method of methods) patterns.push({ method, pattern: new RegExp(`^${source}/?$`) });
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = [...new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method))];
    if (allowed.length > 0) {
      const error = new LatchkeyError(
        'method_not_allowed',
        `Method ${request.method} not allowed for ${path}; allowed: ${allowed.join(', ')}`,
      );
      return reply
        .code(ERROR_CODES.method_not_allowed)
        .header('allow', allowed.join(', '))
        .send(failureEnvelope([errorItemFor(error)]));
    }
    const error = new LatchkeyError('route_not_found', 'No route for the URI');
    return reply.code(ERROR_CODES.route_not_found).send(failureEnvelope([errorItemFor(error)]));
  });

  app.setErrorHandler(
    (error: FastifyError | LatchkeyError | Error, request: FastifyRequest, reply: FastifyReply) => {
      if (error instanceof LatchkeyError) {
        const status = ERROR_CODES[error.code];
        if (status >= 500) request.log.error({ err: error }, 'request failed');
        return reply.code(status).send(failureEnvelope([errorItemFor(error)]));
      }
      const status = (error as FastifyError).statusCode;
      if (status !== undefined && status >= 400 && status < 500) {
        // Fastify's own client errors: bad JSON, unsupported media type, body too large, …
        const item: ApiErrorItem = { code: 1001, message: error.message, latchkey_code: 'invalid_argument' };
        return reply.code(status).send(failureEnvelope([item]));
      }
      request.log.error({ err: error }, 'unexpected error');
      return reply.code(500).send(
        failureEnvelope([
          {
            code: 1000,
            message: 'internal server error; the server log has the details',
            latchkey_code: 'internal',
          },
        ]),
      );
    },
  );
}
