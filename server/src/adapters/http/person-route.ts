/**
 * Routes for signed-in people (`/v1/me…`): like route.ts's API routes (schemas, OpenAPI, Cloudflare's
 * envelope), but authenticated by a sign-in access token, whose session is checked on every request.
 * Authentication runs first (onRequest), before the body is parsed or validated: an unauthenticated
 * request gets 401 whatever its body. The person's address is the client behind trusted proxies.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { successEnvelope } from '@latchkey/shared';
import { authenticatePerson } from '../../app/sign-in/sign-in-sessions.js';
import type { PersonCaller } from '../../app/sign-in/person-caller.js';
import type { Services } from '../../app/services.js';
import { clientAddressOf } from './request-address.js';
import { routeSchema } from './route.js';
import type { DeclaredRoute, RouteSpec } from './route.js';

export interface PersonRouteSpec<P extends TSchema, Q extends TSchema, B extends TSchema> extends Omit<
  RouteSpec<P, Q, B>,
  'access' | 'handle'
> {
  handle(input: {
    person: PersonCaller;
    params: Static<P>;
    query: Static<Q>;
    body: Static<B>;
    request: FastifyRequest;
  }): Promise<{ result: unknown }>;
}

declare module 'fastify' {
  interface FastifyRequest {
    person?: PersonCaller;
  }
}

export function definePersonRoute<P extends TSchema, Q extends TSchema, B extends TSchema>(
  app: FastifyInstance,
  services: Services,
  declared: DeclaredRoute[],
  spec: PersonRouteSpec<P, Q, B>,
): void {
  declared.push({ method: spec.method, url: spec.url, access: 'person' });
  app.route({
    method: spec.method,
    url: spec.url,
    schema: routeSchema(spec, 'person'),
    onRequest: async (request: FastifyRequest) => {
      request.person = await authenticatePerson(
        services,
        request.headers.authorization,
        clientAddressOf(services, request),
      );
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const { result } = await spec.handle({
        person: request.person as PersonCaller,
        params: request.params as Static<P>,
        query: request.query as Static<Q>,
        body: request.body as Static<B>,
        request,
      });
      return reply.code(200).send(successEnvelope(result));
    },
  });
}
