/**
 * How every API route is declared: method, path, the permission it needs, the TypeBox schemas of its
 * params / query / body / result (which validate the request and produce the OpenAPI document), and a
 * handler that returns the result. The wrapper adds authentication, the account check, the permission
 * check, and Cloudflare's success envelope, so no route can forget them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Static, TSchema } from 'typebox';
import {
  FailureEnvelopeSchema,
  LatchkeyError,
  SuccessEnvelopeSchema,
  successEnvelope,
} from '@latchkey/shared';
import type { ResultInfo } from '@latchkey/shared';
import { authenticate } from '../../app/api-tokens.js';
import type { Caller } from '../../app/caller.js';
import type { Services } from '../../app/services.js';
import { AGENT_PERMISSION, grants } from '../../domain/permissions.js';
import type { Permission } from '../../domain/permissions.js';

/** `null`: any valid API token; `'public'`: no token at all; `'person'`: a sign-in access token. */
export type RouteAccess = Permission | null | 'public' | 'person';

export interface RouteSpec<P extends TSchema, Q extends TSchema, B extends TSchema> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  access: RouteAccess;
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  querystring?: Q;
  body?: B;
  /** The schema of `result` (for OpenAPI). */
  result: TSchema;
  paged?: boolean;
  handle(input: {
    caller: Caller;
    params: Static<P>;
    query: Static<Q>;
    body: Static<B>;
    request: FastifyRequest;
  }): Promise<{ result: unknown; resultInfo?: ResultInfo }>;
}

/** Every declared route, for the permission table of the tests and documentation. */
export interface DeclaredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** Who may call a route, as the OpenAPI description (and so docs/api-reference.md) says it. */
function accessNote(access: RouteAccess): string | undefined {
  if (access === 'public') return undefined;
  if (access === 'person') return 'Caller: a signed-in person (an access token from /oauth/token).';
  if (access === null) return 'Caller: any API token of the account.';
  if (access === AGENT_PERMISSION) return "Caller: an enrolled agent's credential.";
  return `Caller: an API token with the permission "${access}".`;
}

/** The fastify schema of a route: validation of its inputs, and its OpenAPI description. */
export function routeSchema(
  spec: Pick<
    RouteSpec<TSchema, TSchema, TSchema>,
    'summary' | 'description' | 'tags' | 'params' | 'querystring' | 'body' | 'result' | 'paged'
  >,
  access: RouteAccess,
) {
  const description = [spec.description, accessNote(access)]
    .filter((part) => part !== undefined)
    .join('\n\n');
  return {
    summary: spec.summary,
    ...(description === '' ? {} : { description }),
    tags: spec.tags,
    ...(access === 'public' ? {} : { security: [{ bearerAuth: [] }] }),
    ...(spec.params === undefined ? {} : { params: spec.params }),
    ...(spec.querystring === undefined ? {} : { querystring: spec.querystring }),
    ...(spec.body === undefined ? {} : { body: spec.body }),
    response: {
      200: SuccessEnvelopeSchema(spec.result, { paged: spec.paged === true }),
      '4xx': FailureEnvelopeSchema,
      '5xx': FailureEnvelopeSchema,
    },
  };
}

/**
 * The onRequest hook of an API-token route: authenticates the token, checks the URL's account and the
 * permission, and sets `request.caller`. Exported for routes that cannot use defineRoute's JSON envelope
 * (binary bodies, routes/ssh-logs.ts); `what` names the route in the error message.
 */
export function authorizeRequest(services: Services, access: Permission | null, what: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const caller = await authenticate(services, request.headers.authorization);
    const accountId = (request.params as { account_id?: string }).account_id;
    if (accountId !== undefined && accountId.toLowerCase() !== caller.accountId) {
      // The same answer whether or not the account exists: nothing leaks.
      throw new LatchkeyError('permission_denied', `this API token cannot access account ${accountId}`);
    }
    if (access !== null && !grants(caller.permissions, access)) {
      throw new LatchkeyError(
        'permission_denied',
        `this API token lacks the permission "${access}" needed for ${what}`,
      );
    }
    request.caller = caller;
  };
}

/** A route without a query schema takes no query parameters: an unknown one is refused, never ignored. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/**
 * Cloudflare's SDKs retry 408, 409, 429 and 5xx answers unless the answer says `x-should-retry: false`.
 * A client error other than 408 (timeout) and 429 (rate limit) says the same thing when resent (a 409
 * conflict stays a conflict, and a retried create could even make a duplicate), so such answers say so.
 */
export function shouldRetryHeader(statusCode: number): 'false' | undefined {
  return statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429
    ? 'false'
    : undefined;
}

export function defineRoute<P extends TSchema, Q extends TSchema, B extends TSchema>(
  app: FastifyInstance,
  services: Services,
  declared: DeclaredRoute[],
  spec: RouteSpec<P, Q, B> & { access: Exclude<RouteAccess, 'person'> },
): void {
  declared.push({ method: spec.method, url: spec.url, access: spec.access });
  const access = spec.access;
  app.route({
    method: spec.method,
    url: spec.url,
    schema: routeSchema(spec.querystring === undefined ? { ...spec, querystring: NoQuery } : spec, access),
    onSend: async (_request, reply, payload) => {
      if (shouldRetryHeader(reply.statusCode) !== undefined) reply.header('x-should-retry', 'false');
      return payload;
    },
    onRequest: access === 'public' ? [] : [authorizeRequest(services, access, `${spec.method} ${spec.url}`)],
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const { result, resultInfo } = await spec.handle({
        caller: request.caller as Caller,
        params: request.params as Static<P>,
        query: request.query as Static<Q>,
        body: request.body as Static<B>,
        request,
      });
      return reply.code(200).send(successEnvelope(result, resultInfo));
    },
  });
}
