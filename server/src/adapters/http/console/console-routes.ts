/**
 * The web console under /console (docs/console.md): server-rendered pages for admins and auditors, on
 * the same use cases and permissions as the API. Plain fastify routes, hidden from OpenAPI, in their own
 * encapsulated context (they parse form bodies and answer HTML, errors included).
 *
 * Security, on every console answer: a strict CSP (no inline script or style, nothing from another
 * origin, no framing), X-Frame-Options DENY, Referrer-Policy no-referrer, nosniff, no caching of pages.
 * The session cookie is HttpOnly and SameSite=Strict; over TLS it is Secure with the `__Host-` prefix.
 * Every POST carries a CSRF token checked here: before sign-in a double-submit token (a cookie and the
 * form's field), after it the sign-in's own token (app/console/console-sessions.ts). A POST without it is
 * refused with 403 and changes nothing.
 */
import { Readable } from 'node:stream';
import { createHash, timingSafeEqual } from 'node:crypto';
import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LatchkeyError, httpStatusFor } from '@latchkey/shared';
import type { SshLogListQuery, TargetListQuery } from '@latchkey/shared';
import { listAuditEvents } from '../../../app/audit-log.js';
import {
  CONSOLE_SESSION_TTL_MS,
  beginConsoleUpstreamSignIn,
  completeConsoleUpstreamSignIn,
  consoleCallerOf,
  consoleIdentityProviders,
  csrfTokenMatches,
  signInToConsole,
  signOutOfConsole,
} from '../../../app/console/console-sessions.js';
import type { ConsoleCaller } from '../../../app/console/console-sessions.js';
import type { Services } from '../../../app/services.js';
import { downloadSshLog, getSshLog, listSshLogs } from '../../../app/ssh-logs/auditor-ssh-logs.js';
import { endLiveSession, listLiveSessions } from '../../../app/ssh-sessions/live-ssh-sessions.js';
import { listTargets } from '../../../app/targets.js';
import {
  presentAuditEvent,
  presentSshLog,
  presentSshSession,
  presentTarget,
} from '../../../domain/api-representation.js';
import { pagesFor } from '../../../domain/console/console-roles.js';
import { LIVE_SESSION_MAX_AGE_MS } from '../../../domain/live-sessions.js';
import { PERMISSIONS, grants } from '../../../domain/permissions.js';
import type { Permission } from '../../../domain/permissions.js';
import { clientAddressOf } from '../request-address.js';
import { consoleAccessRoutes } from './console-access-routes.js';
import { consoleAdminRoutes } from './console-admin-routes.js';
import { consoleEditRoutes } from './console-edit-routes.js';
import { consolePeopleRoutes } from './console-people-routes.js';
import { CONSOLE_SCRIPTS, consoleScripts } from './console-bundles.js';
import {
  CONSOLE_CSS,
  renderAuditPage,
  renderLogPage,
  renderLogsPage,
  renderNoRolePage,
  renderProblemPage,
  renderSessionsPage,
  renderSignInPage,
  renderSignedInPage,
  renderTargetsPage,
} from './render-console-pages.js';
import type { LogFilter, Paging, TargetRow, Viewer } from './render-console-pages.js';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PER_PAGE = 50;

type Form = Record<string, unknown>;
const field = (source: unknown, name: string): string => {
  const value = (source as Form | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/** Registers the console (one call from build-app.ts). */
export async function installConsole(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(async (scope) => consoleScope(scope, services), { prefix: '/console' });
}

async function consoleScope(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(formBody);
  const hidden = { schema: { hide: true } };

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CONSOLE_CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (reply.getHeader('cache-control') === undefined) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler(async (error, request, reply) => {
    const status = error instanceof LatchkeyError ? httpStatusFor(error.code) : 500;
    if (status === 500) request.log.error(error);
    const viewer = await viewerOf(request).catch(() => undefined);
    return html(
      reply,
      status,
      renderProblemPage(
        status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Something went wrong',
        status === 500
          ? 'The server failed to answer this page; its log says why.'
          : (error as Error).message,
        viewer,
      ),
    );
  });
  app.setNotFoundHandler(async (request, reply) => {
    const viewer = await viewerOf(request).catch(() => undefined);
    return html(reply, 404, renderProblemPage('Not found', 'The console has no such page.', viewer));
  });

  const secure = (request: FastifyRequest) =>
    request.protocol === 'https' || services.signIn.publicUrl.startsWith('https:');
  const sessionCookie = (request: FastifyRequest) =>
    secure(request) ? '__Host-latchkey-console' : 'latchkey-console';
  const csrfCookie = (request: FastifyRequest) =>
    secure(request) ? '__Host-latchkey-csrf' : 'latchkey-csrf';
  const cookieAttributes = (request: FastifyRequest, maxAgeSeconds: number) =>
    `Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure(request) ? '; Secure' : ''}`;

  const callerOf = (request: FastifyRequest): Promise<ConsoleCaller | undefined> =>
    consoleCallerOf(services, cookiesOf(request).get(sessionCookie(request)));
  const viewerFor = (caller: ConsoleCaller): Viewer => ({
    email: caller.email,
    csrfToken: caller.csrfToken,
    pages: pagesFor(caller.permissions),
  });
  const viewerOf = async (request: FastifyRequest): Promise<Viewer | undefined> => {
    const caller = await callerOf(request);
    return caller === undefined ? undefined : viewerFor(caller);
  };

  /** The signed-in caller with `needs`, or undefined once the reply says why not. */
  const allowed = async (
    request: FastifyRequest,
    reply: FastifyReply,
    needs: Permission,
  ): Promise<ConsoleCaller | undefined> => {
    const caller = await callerOf(request);
    if (caller === undefined) {
      await reply.code(303).header('location', '/console/sign-in').send();
      return undefined;
    }
    if (!grants(caller.permissions, needs)) {
      await html(
        reply,
        403,
        renderProblemPage(
          'Not allowed',
          `This page needs the permission "${needs}", which your account's groups do not give.`,
          viewerFor(caller),
        ),
      );
      return undefined;
    }
    return caller;
  };

  /** For a POST: the caller with `needs` and the right CSRF token, or undefined once the reply says why not. */
  const allowedChange = async (
    request: FastifyRequest,
    reply: FastifyReply,
    needs: Permission | null,
  ): Promise<ConsoleCaller | undefined> => {
    const caller = await callerOf(request);
    if (caller === undefined || !csrfTokenMatches(caller, field(request.body, 'csrf'))) {
      await html(reply, 403, renderProblemPage('Not allowed', CSRF_REFUSAL, caller && viewerFor(caller)));
      return undefined;
    }
    if (needs !== null && !grants(caller.permissions, needs)) {
      await html(
        reply,
        403,
        renderProblemPage('Not allowed', `This needs the permission "${needs}".`, viewerFor(caller)),
      );
      return undefined;
    }
    return caller;
  };

  // --- assets -----------------------------------------------------------------------------------------
  // Revalidated on each use (no-cache) with an ETag, so a page load costs a 304, never a stale script.
  const asset = (request: FastifyRequest, reply: FastifyReply, type: string, text: string) => {
    const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
    reply.header('content-type', type).header('cache-control', 'no-cache').header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.send(text);
  };
  app.get('/assets/console.css', hidden, async (request, reply) =>
    asset(request, reply, 'text/css; charset=utf-8', CONSOLE_CSS),
  );
  for (const name of CONSOLE_SCRIPTS) {
    app.get(`/assets/${name}`, hidden, async (request, reply) =>
      asset(request, reply, 'text/javascript; charset=utf-8', (await consoleScripts())[name]),
    );
  }

  // --- sign-in ----------------------------------------------------------------------------------------
  const signInPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { email?: string; error?: string } = {},
  ) => {
    let token = cookiesOf(request).get(csrfCookie(request)) ?? '';
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) {
      token = Buffer.from(services.randomBytes(32)).toString('base64url');
      reply.header('set-cookie', `${csrfCookie(request)}=${token}; ${cookieAttributes(request, 60 * 60)}`);
    }
    return html(
      reply,
      status,
      renderSignInPage({ csrfToken: token, providers: consoleIdentityProviders(services), ...extra }),
    );
  };

  app.get('/sign-in', hidden, async (request, reply) => {
    if ((await callerOf(request)) !== undefined) return reply.code(303).header('location', '/console').send();
    return signInPage(request, reply, 200);
  });

  app.post('/sign-in', hidden, async (request, reply) => {
    const expected = cookiesOf(request).get(csrfCookie(request)) ?? '';
    if (expected === '' || !sameText(expected, field(request.body, 'csrf'))) {
      return html(reply, 403, renderProblemPage('Not allowed', CSRF_REFUSAL));
    }
    const email = field(request.body, 'email');
    const address = clientAddressOf(services, request);
    const outcome = await signInToConsole(services, {
      email,
      password: field(request.body, 'password'),
      ...(address === undefined ? {} : { address }),
    });
    if (!outcome.ok) {
      if (outcome.throttled !== undefined) {
        reply.header('retry-after', String(outcome.throttled.retryAfterSeconds));
        return signInPage(request, reply, 429, { email, error: outcome.message });
      }
      return signInPage(request, reply, 401, { email, error: outcome.message });
    }
    return reply
      .code(303)
      .header(
        'set-cookie',
        `${sessionCookie(request)}=${outcome.cookieValue}; ${cookieAttributes(request, CONSOLE_SESSION_TTL_MS / 1000)}`,
      )
      .header('location', '/console')
      .send();
  });

  // Sign-in through an upstream OIDC provider. Starting one is a GET (a link: a form POST that redirects
  // to another origin breaks `form-action 'self'`); it changes nothing but this browser's pending login,
  // sealed in a SameSite=Lax cookie so that it comes back with the provider's redirect. The callback
  // checks state, PKCE and nonce against it (no login CSRF: another browser's callback does not match).
  const pendingCookie = (request: FastifyRequest) =>
    secure(request) ? '__Host-latchkey-console-oidc' : 'latchkey-console-oidc';
  const pendingAttributes = (request: FastifyRequest, maxAgeSeconds: number) =>
    `Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure(request) ? '; Secure' : ''}`;

  app.get('/oidc/callback', hidden, async (request, reply) => {
    const clear = `${pendingCookie(request)}=; ${pendingAttributes(request, 0)}`;
    let outcome;
    try {
      outcome = await completeConsoleUpstreamSignIn(
        services,
        new URL(request.url, services.signIn.publicUrl),
        cookiesOf(request).get(pendingCookie(request)),
      );
    } catch (error) {
      if (!(error instanceof LatchkeyError) || httpStatusFor(error.code) === 500) throw error;
      reply.header('set-cookie', clear);
      return signInPage(request, reply, httpStatusFor(error.code), { error: error.message });
    }
    // A page, not a redirect: the browser came here from the provider (another site), and a
    // SameSite=Strict cookie set now is sent only with requests this site starts (its refresh).
    return html(
      reply.header('set-cookie', [
        clear,
        `${sessionCookie(request)}=${outcome.cookieValue}; ${cookieAttributes(request, CONSOLE_SESSION_TTL_MS / 1000)}`,
      ]),
      200,
      renderSignedInPage(outcome.email),
    );
  });

  app.get('/oidc/:provider_id', hidden, async (request, reply) => {
    const providerId = (request.params as { provider_id: string }).provider_id;
    const { authorizationUrl, sealedPending } = await beginConsoleUpstreamSignIn(services, providerId);
    return reply
      .code(303)
      .header(
        'set-cookie',
        `${pendingCookie(request)}=${sealedPending}; ${pendingAttributes(request, services.signIn.upstreamLoginTtlSeconds)}`,
      )
      .header('location', authorizationUrl)
      .send();
  });

  app.post('/sign-out', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, null);
    if (caller === undefined) return reply;
    await signOutOfConsole(services, caller);
    return reply
      .code(303)
      .header('set-cookie', `${sessionCookie(request)}=; ${cookieAttributes(request, 0)}`)
      .header('location', '/console/sign-in')
      .send();
  });

  const home = async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = await callerOf(request);
    if (caller === undefined) return reply.code(303).header('location', '/console/sign-in').send();
    const first = pagesFor(caller.permissions)[0];
    if (first === undefined) return html(reply, 200, renderNoRolePage(viewerFor(caller)));
    return reply.code(303).header('location', first.path).send();
  };
  app.get('/', hidden, home);

  // --- targets ----------------------------------------------------------------------------------------
  app.get('/targets', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.zeroTrustRead);
    if (caller === undefined) return reply;
    const hostname = field(request.query, 'hostname').trim();
    const query: TargetListQuery = { page: pageOf(request), per_page: PER_PAGE };
    if (hostname !== '') query.hostname_contains = hostname;
    const targets = await listTargets(services, caller, query);
    const agents = await services.store.agents.listForTargets(
      caller.accountId,
      targets.items.map((target) => target.id),
    );
    const now = services.clock().getTime();
    const rows: TargetRow[] = targets.items.map((target) => {
      const agent = agents
        .filter((candidate) => candidate.targetId === target.id)
        .sort((a, b) => (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0))[0];
      if (agent === undefined) return { target: presentTarget(target) };
      const sshd = agent.heartbeat?.sshdConfig.state;
      return {
        target: presentTarget(target),
        agent: {
          hostname: agent.hostname,
          online:
            agent.lastSeenAt !== undefined && now - agent.lastSeenAt.getTime() <= LIVE_SESSION_MAX_AGE_MS,
          ...(agent.lastSeenAt === undefined ? {} : { lastSeen: agent.lastSeenAt.toISOString() }),
          ...(agent.heartbeat?.front === undefined ? {} : { frontPort: agent.heartbeat.front.port }),
          ...(typeof sshd === 'string' ? { sshd } : {}),
        },
      };
    });
    return html(
      reply,
      200,
      renderTargetsPage(viewerFor(caller), {
        rows,
        filter: hostname === '' ? {} : { hostname },
        paging: pagingOf(targets),
        canEdit: grants(caller.permissions, PERMISSIONS.zeroTrustEdit),
        ...(field(request.query, 'done') === 'saved'
          ? { ok: 'The target is saved (audit event target.update).' }
          : {}),
      }),
    );
  });

  // --- session logs -----------------------------------------------------------------------------------
  app.get('/logs', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.sshAuditingRead);
    if (caller === undefined) return reply;
    const filter: LogFilter = {};
    for (const name of [
      'user_email',
      'username',
      'target_id',
      'session_id',
      'status',
      'since',
      'until',
    ] as const) {
      const value = field(request.query, name).trim();
      if (value !== '') filter[name] = value;
    }
    const problems: string[] = [];
    const query: SshLogListQuery = { page: pageOf(request), per_page: PER_PAGE };
    if (filter.user_email !== undefined) query.user_email = filter.user_email;
    if (filter.username !== undefined) query.username = filter.username;
    if (filter.target_id !== undefined) query.target_id = filter.target_id;
    if (filter.session_id !== undefined) query.session_id = filter.session_id;
    if (filter.status !== undefined) {
      if (filter.status === 'complete' || filter.status === 'incomplete') query.status = filter.status;
      else problems.push('Status is "complete" or "incomplete".');
    }
    for (const bound of ['since', 'until'] as const) {
      const value = filter[bound];
      if (value === undefined) continue;
      const time = Date.parse(value);
      if (Number.isNaN(time)) problems.push(`"${value}" is not a time: write it like 2026-12-01T00:00:00Z.`);
      else query[bound] = new Date(time).toISOString();
    }
    if (problems.length > 0) {
      return html(
        reply,
        400,
        renderLogsPage(viewerFor(caller), {
          logs: [],
          filter,
          paging: { page: 1, totalPages: 0, total: 0 },
          error: problems.join(' '),
        }),
      );
    }
    const logs = await listSshLogs(services, caller, query);
    return html(
      reply,
      200,
      renderLogsPage(viewerFor(caller), {
        logs: logs.items.map(presentSshLog),
        filter,
        paging: pagingOf(logs),
      }),
    );
  });

  app.get('/logs/:log_id', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.sshAuditingRead);
    if (caller === undefined) return reply;
    const log = await getSshLog(services, caller, (request.params as { log_id: string }).log_id);
    return html(reply, 200, renderLogPage(viewerFor(caller), presentSshLog(log)));
  });

  // The sealed bytes: the Download link, and what the log page's script fetches to decrypt in the browser.
  // Each is an `ssh_log.download` audit event naming the person.
  app.get('/logs/:log_id/file', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.sshAuditingRead);
    if (caller === undefined) return reply;
    const { log, content } = await downloadSshLog(
      services,
      caller,
      (request.params as { log_id: string }).log_id,
    );
    return reply
      .code(200)
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(log.sizeBytes))
      .header('content-disposition', `attachment; filename="${log.id}.log"`)
      .send(Readable.from(content, { objectMode: false }));
  });

  // --- audit log --------------------------------------------------------------------------------------
  app.get('/audit', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.auditLogsRead);
    if (caller === undefined) return reply;
    const action = field(request.query, 'action').trim();
    const events = await listAuditEvents(services, caller, {
      page: pageOf(request),
      per_page: PER_PAGE,
      ...(action === '' ? {} : { action }),
    });
    return html(
      reply,
      200,
      renderAuditPage(viewerFor(caller), {
        events: events.items.map(presentAuditEvent),
        filter: action === '' ? {} : { action },
        paging: pagingOf(events),
      }),
    );
  });

  // --- live sessions ----------------------------------------------------------------------------------
  const sessionsPage = async (
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    message: { ok?: string; error?: string },
  ) => {
    const sessions = (await listLiveSessions(services, caller)).map(presentSshSession);
    return html(
      reply,
      status,
      renderSessionsPage(viewerFor(caller), {
        sessions,
        canEnd: grants(caller.permissions, PERMISSIONS.zeroTrustEdit),
        ...message,
      }),
    );
  };

  app.get('/sessions', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.zeroTrustRead);
    if (caller === undefined) return reply;
    const ended = field(request.query, 'ended');
    return sessionsPage(
      reply,
      caller,
      200,
      ended === ''
        ? {}
        : {
            ok: `Session ${ended} is being ended: its agent ends it within seconds (audit event ssh_session.end).`,
          },
    );
  });

  app.post('/sessions/:session_id/end', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const sessionId = (request.params as { session_id: string }).session_id;
    try {
      await endLiveSession(services, caller, sessionId);
    } catch (error) {
      if (!(error instanceof LatchkeyError) || error.code !== 'not_found') throw error;
      return sessionsPage(reply, caller, 404, { error: error.message });
    }
    return reply
      .code(303)
      .header('location', `/console/sessions?${new URLSearchParams({ ended: sessionId }).toString()}`)
      .send();
  });

  // --- admin pages: agents, join tokens (console-admin-routes.ts) --------------------------------------
  const kit = { allowed, allowedChange, viewerFor, html, field };
  consoleAdminRoutes(app, services, kit);
  // --- access pages: apps, policies, access groups (console-access-routes.ts) ----------------------------
  consoleAccessRoutes(app, services, kit);
  // --- editing in place: a target, a virtual network, a tunnel route (console-edit-routes.ts) ------------
  consoleEditRoutes(app, services, kit);
  // --- people: built-in accounts, sign out everywhere (console-people-routes.ts) -------------------------
  consolePeopleRoutes(app, services, kit);
}

const CSRF_REFUSAL =
  'This form did not come from a console page of this sign-in (its CSRF token is missing or wrong), so nothing was changed. Reload the page and try again.';

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').send(body);
}

function pageOf(request: FastifyRequest): number {
  const value = Number(field(request.query, 'page'));
  return Number.isInteger(value) && value >= 1 && value <= 1_000_000 ? value : 1;
}

function pagingOf(page: { page: number; perPage: number; totalCount: number }): Paging {
  return { page: page.page, total: page.totalCount, totalPages: Math.ceil(page.totalCount / page.perPage) };
}

/** The request's cookies by name (the first of a repeated name). */
function cookiesOf(request: FastifyRequest): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return cookies;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
