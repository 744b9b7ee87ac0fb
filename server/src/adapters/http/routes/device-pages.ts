/**
 * The device sign-in pages (RFC 8628 §3.3): the person opens the verification URI, signs in with a
 * built-in account or an upstream OIDC provider, and approves or denies the code. Plain HTML forms.
 * Password sign-ins are rate-limited per address and account and locked out per account after repeated
 * failures: 429 with Retry-After (app/sign-in/sign-in-throttle.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { LatchkeyError, httpStatusFor } from '@latchkey/shared';
import {
  beginUpstreamLogin,
  completeUpstreamLogin,
  decideAfterUpstreamLogin,
  decideWithPassword,
  findPendingAuthorization,
} from '../../../app/sign-in/device-authorization.js';
import type { Services } from '../../../app/services.js';
import { clientAddressOf } from '../request-address.js';
import { DEVICE_FLOW_CLIENTS } from '../../../domain/sign-in-settings.js';
import {
  renderConfirmPage,
  renderDonePage,
  renderErrorPage,
  renderSignInPage,
} from '../device-pages/render-device-pages.js';

type Form = Record<string, unknown>;
const text = (form: unknown, name: string): string => {
  const value = (form as Form | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

function html(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    )
    .send(body);
}

function statusOf(error: unknown): number {
  return error instanceof LatchkeyError ? httpStatusFor(error.code) : 500;
}

export function devicePageRoutes(app: FastifyInstance, services: Services): void {
  const hidden = { schema: { hide: true } };
  const providers = () => [...services.identityProviders.values()].map(({ id, name }) => ({ id, name }));

  const signInPage = async (
    reply: FastifyReply,
    status: number,
    userCode: string,
    extra: { email?: string; error?: string } = {},
  ) => {
    let clientDescription: string | undefined;
    let error = extra.error;
    if (userCode !== '') {
      try {
        const authorization = await findPendingAuthorization(services, userCode);
        clientDescription = DEVICE_FLOW_CLIENTS[authorization.clientId];
      } catch (problem) {
        if (!(problem instanceof LatchkeyError)) throw problem;
        error ??= problem.message;
        if (status === 200) status = statusOf(problem);
      }
    }
    return html(
      reply,
      status,
      renderSignInPage({
        userCode,
        providers: providers(),
        ...(clientDescription === undefined ? {} : { clientDescription }),
        ...(extra.email === undefined ? {} : { email: extra.email }),
        ...(error === undefined ? {} : { error }),
      }),
    );
  };

  app.get('/device', hidden, async (request, reply) => {
    return signInPage(reply, 200, text(request.query, 'user_code'));
  });

  app.post('/device/password', hidden, async (request, reply) => {
    const userCode = text(request.body, 'user_code');
    const email = text(request.body, 'email');
    try {
      const address = clientAddressOf(services, request);
      const outcome = await decideWithPassword(services, {
        userCode,
        email,
        password: text(request.body, 'password'),
        approve: text(request.body, 'decision') !== 'deny',
        ...(address === undefined ? {} : { address }),
      });
      if (!outcome.ok && 'throttled' in outcome) {
        // Too many attempts (rate limit or the account's lockout): 429, and when to come back.
        reply.header('retry-after', String(outcome.throttled.retryAfterSeconds));
        return signInPage(reply, 429, userCode, { email, error: outcome.message });
      }
      if (!outcome.ok) return signInPage(reply, 401, userCode, { email, error: outcome.message });
      return html(
        reply,
        200,
        renderDonePage({ approved: text(request.body, 'decision') !== 'deny', email: outcome.email }),
      );
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
      return signInPage(reply, statusOf(error), userCode, { email, error: error.message });
    }
  });

  app.post('/device/oidc/start', hidden, async (request, reply) => {
    const userCode = text(request.body, 'user_code');
    try {
      const url = await beginUpstreamLogin(services, {
        userCode,
        providerId: text(request.body, 'provider'),
      });
      return reply.code(303).header('location', url).header('cache-control', 'no-store').send();
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
      return signInPage(reply, statusOf(error), userCode, { error: error.message });
    }
  });

  app.get('/device/oidc/callback', hidden, async (request, reply) => {
    try {
      const completed = await completeUpstreamLogin(
        services,
        new URL(request.url, services.signIn.publicUrl),
      );
      return html(
        reply,
        200,
        renderConfirmPage({
          ...completed,
          clientDescription: DEVICE_FLOW_CLIENTS[completed.clientId] ?? completed.clientId,
        }),
      );
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
      return html(reply, statusOf(error), renderErrorPage(error.message));
    }
  });

  app.post('/device/oidc/decide', hidden, async (request, reply) => {
    const approve = text(request.body, 'decision') !== 'deny';
    try {
      const { email } = await decideAfterUpstreamLogin(services, {
        confirmation: text(request.body, 'confirmation'),
        approve,
      });
      return html(reply, 200, renderDonePage({ approved: approve, email }));
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
      return html(reply, statusOf(error), renderErrorPage(error.message));
    }
  });
}
