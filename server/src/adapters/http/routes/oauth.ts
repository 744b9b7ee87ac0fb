/**
 * The OAuth 2.0 endpoints of sign-in: the device authorization grant (RFC 8628), refresh (RFC 6749 §6)
 * and revocation (RFC 7009). They speak OAuth, not Cloudflare's envelope: form-encoded requests, JSON
 * answers, failures as `{error, error_description}` with the status the RFCs give, never cached.
 *
 * Rate limits (issue 13): `/oauth/device_authorization` per source address, `/oauth/token` per source
 * address and per grant (device code or refresh token); over the limit the answer is 429
 * `{error: "too_many_requests"}` with Retry-After.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LatchkeyError } from '@latchkey/shared';
import {
  beginDeviceAuthorization,
  checkClientId,
  pollDeviceAuthorization,
} from '../../../app/sign-in/device-authorization.js';
import { refreshSession, revokeSession } from '../../../app/sign-in/sign-in-sessions.js';
import type { TokenPair } from '../../../app/sign-in/sign-in-sessions.js';
import type { Services } from '../../../app/services.js';
import { throttled, type Throttled } from '../../../app/sign-in/sign-in-throttle.js';
import type { RateLimit } from '../../../domain/sign-in-limits.js';
import { hashSecret } from '../../../domain/sign-in-secrets.js';
import { clientAddressOf } from '../request-address.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

type Form = Record<string, string | string[] | undefined>;

function field(form: unknown, name: string): string | undefined {
  const value = (form as Form | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error, error_description: description });
}

function tokenResponse(reply: FastifyReply, tokens: TokenPair) {
  return reply.code(200).header('cache-control', 'no-store').send({
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
  });
}

function tooMany(reply: FastifyReply, refusal: Throttled) {
  return reply
    .code(429)
    .header('retry-after', String(refusal.retryAfterSeconds))
    .header('cache-control', 'no-store')
    .send({ error: 'too_many_requests', error_description: refusal.message });
}

const POLL_DESCRIPTIONS = {
  authorization_pending: 'the person has not approved the code yet',
  slow_down: 'polling too fast: wait longer between polls',
  access_denied: 'the person denied the sign-in',
  expired_token: 'the device code has expired: start again',
} as const;

/** Registered inside a plugin that parses form bodies (see build-app.ts). */
export function oauthRoutes(
  app: FastifyInstance,
  services: Services,
  accountId: () => Promise<string>,
): void {
  const hidden = { schema: { hide: true } };
  /** A refusal when the bucket `key` is empty, else undefined. */
  const limit = (key: string, rate: RateLimit, why: string): Throttled | undefined => {
    const taken = services.rateLimiter.take(key, rate);
    return taken.allowed ? undefined : throttled(taken.retryAfterSeconds, why);
  };
  const fromAddress = (request: FastifyRequest, name: string, rate: RateLimit) => {
    const address = clientAddressOf(services, request);
    return address === undefined
      ? undefined
      : limit(`${name}:address:${address}`, rate, 'too many requests from your address');
  };

  app.post('/oauth/device_authorization', hidden, async (request, reply) => {
    const refusal = fromAddress(request, 'device', services.signInLimits.deviceStartPerAddress);
    if (refusal !== undefined) return tooMany(reply, refusal);
    const clientId = field(request.body, 'client_id');
    try {
      checkClientId(clientId);
    } catch (error) {
      return oauthError(reply, 400, 'invalid_client', (error as Error).message);
    }
    const started = await beginDeviceAuthorization(services, await accountId(), clientId as string);
    return reply.code(200).header('cache-control', 'no-store').send({
      device_code: started.deviceCode,
      user_code: started.userCode,
      verification_uri: started.verificationUri,
      verification_uri_complete: started.verificationUriComplete,
      expires_in: started.expiresIn,
      interval: started.interval,
    });
  });

  app.post('/oauth/token', hidden, async (request, reply) => {
    const refusal = fromAddress(request, 'token', services.signInLimits.tokenPerAddress);
    if (refusal !== undefined) return tooMany(reply, refusal);
    const grant = field(request.body, 'device_code') ?? field(request.body, 'refresh_token');
    if (grant !== undefined) {
      const perGrant = limit(
        `token:grant:${hashSecret(grant)}`,
        services.signInLimits.tokenPerGrant,
        'too many requests with this grant',
      );
      if (perGrant !== undefined) return tooMany(reply, perGrant);
    }
    const grantType = field(request.body, 'grant_type');
    if (grantType === DEVICE_CODE_GRANT) {
      const deviceCode = field(request.body, 'device_code');
      const clientId = field(request.body, 'client_id');
      if (deviceCode === undefined || clientId === undefined) {
        return oauthError(reply, 400, 'invalid_request', 'device_code and client_id are required');
      }
      try {
        const poll = await pollDeviceAuthorization(services, deviceCode, clientId);
        if (poll.status === 'approved') return tokenResponse(reply, poll.tokens);
        return oauthError(reply, 400, poll.status, POLL_DESCRIPTIONS[poll.status]);
      } catch (error) {
        if (error instanceof LatchkeyError && error.code !== 'internal') {
          return oauthError(reply, 400, 'invalid_grant', error.message);
        }
        throw error;
      }
    }
    if (grantType === 'refresh_token') {
      const refreshToken = field(request.body, 'refresh_token');
      if (refreshToken === undefined)
        return oauthError(reply, 400, 'invalid_request', 'refresh_token is required');
      try {
        return tokenResponse(reply, await refreshSession(services, refreshToken));
      } catch (error) {
        if (error instanceof LatchkeyError && error.code === 'unauthenticated') {
          return oauthError(reply, 400, 'invalid_grant', error.message);
        }
        throw error;
      }
    }
    return oauthError(
      reply,
      400,
      'unsupported_grant_type',
      `grant_type must be ${DEVICE_CODE_GRANT} or refresh_token`,
    );
  });

  app.post('/oauth/revoke', hidden, async (request, reply) => {
    const token = field(request.body, 'token');
    if (token === undefined) return oauthError(reply, 400, 'invalid_request', 'token is required');
    await revokeSession(services, token);
    return reply.code(200).header('cache-control', 'no-store').send({});
  });
}
