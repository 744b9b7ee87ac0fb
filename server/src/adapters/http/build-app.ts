/**
 * The access server's HTTP application (fastify) over services composed by server/src/compose.ts, without
 * listening: tests use it with `inject` and with a real listen; compose.ts listens for main.ts. Every response carries Cloudflare's envelope (see
 * envelope-errors.ts); the OpenAPI document at GET /openapi.json is generated from the same TypeBox
 * schemas that validate the requests.
 */
import swagger from '@fastify/swagger';
import { LATCHKEY_VERSION } from '@latchkey/shared';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { TSchema } from 'typebox';
import type { Services } from '../../app/services.js';
import { DEFAULT_MAX_LOG_SIZE_BYTES } from '../../domain/server-config.js';
import formBody from '@fastify/formbody';
import { definePersonRoute } from './person-route.js';
import type { PersonRouteSpec } from './person-route.js';
import { agentDownloadRoutes } from './routes/agent-downloads.js';
import { devicePageRoutes } from './routes/device-pages.js';
import { meRoutes } from './routes/me.js';
import { oauthRoutes } from './routes/oauth.js';
import { installErrorHandling } from './envelope-errors.js';
import { installRequestValidation } from './request-validation.js';
import { defineRoute } from './route.js';
import type { DeclaredRoute, RouteSpec } from './route.js';
import { accessAppRoutes, accessGroupRoutes, accessPolicyRoutes } from './routes/access.js';
import { accountRoutes } from './routes/accounts.js';
import { agentRoutes } from './routes/agents.js';
import { apiTokenRoutes } from './routes/api-tokens.js';
import { peopleRoutes } from './routes/people.js';
import { auditLogRoutes } from './routes/audit-log.js';
import { sshAuditingRoutes } from './routes/ssh-auditing.js';
import { sshLogFileRoutes, sshLogRoutes } from './routes/ssh-logs.js';
import { sshSessionRoutes } from './routes/ssh-sessions.js';
import { targetRoutes } from './routes/targets.js';
import { installTunnelEndpoints } from './tunnel/tunnel-endpoints.js';
import type { TunnelPeeringSettings } from './tunnel/tunnel-peering.js';
import { installConsole } from './console/console-routes.js';
import type { RouteContext } from './routes/route-context.js';
import { virtualNetworkRoutes } from './routes/virtual-networks.js';
import { tunnelRouteRoutes } from './routes/tunnel-routes.js';

/** The HTTP side of the app; the services come composed (server/src/compose.ts). */
export interface HttpAppOptions {
  /** fastify's logger option (default: off). */
  logger?: FastifyServerOptions['logger'];
  /** TLS key and certificate (PEM) for HTTPS; absent: plain HTTP. */
  https?: { key: string | Buffer; cert: string | Buffer };
  /** The server's version, shown in the OpenAPI document. */
  version?: string;
  /** The largest session log an agent may upload, in bytes (default DEFAULT_MAX_LOG_SIZE_BYTES). */
  maxLogSizeBytes?: number;
  /** The agent package and installer served to targets (routes/agent-downloads.ts); default: none. */
  agentDownloads?: { packagePath?: string; installScriptPath?: string };
  /** Several servers: the URLs peers and agents reach this process at (docs/tunnels.md). */
  tunnelPeering?: TunnelPeeringSettings;
}

export interface LatchkeyApp {
  app: FastifyInstance;
  services: Services;
  /** Every API route and the access it needs (method, path pattern, permission). */
  routes: readonly DeclaredRoute[];
}

export async function buildApp(services: Services, options: HttpAppOptions = {}): Promise<LatchkeyApp> {
  const app = (options.https === undefined
    ? Fastify({ logger: options.logger ?? false, bodyLimit: 8 * 1024 * 1024 })
    : Fastify({
        logger: options.logger ?? false,
        bodyLimit: 8 * 1024 * 1024,
        https: options.https,
      })) as unknown as FastifyInstance;

  installErrorHandling(app);
  installRequestValidation(app);
  // Agents' session-control polls wait up to 25 s: answer them now, so that closing does not wait.
  app.addHook('preClose', async () => services.sessionTerminationFeed.close());
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Latchkey access server API',
        description:
          "Cloudflare-compatible targets, virtual networks, infrastructure apps, policies, groups, SSH CA and session-log key; Latchkey's own sign-in API for people (/v1/me), agents (join tokens, enrolment, heartbeats, session-log upload) and session logs for auditors. The OAuth endpoints (/oauth/device_authorization, /oauth/token, /oauth/revoke) and the device pages (/device) are described in docs/sign-in.md; the agent installer (/install.sh, /downloads/) in docs/agent.md.",
        version: options.version ?? LATCHKEY_VERSION,
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });

  const routes: DeclaredRoute[] = [];
  // The tunnel endpoints (`tunnels`, below) are installed after the routes; a route asks them only when
  // it runs, after the app is ready.
  const context: RouteContext = {
    services,
    tunnelled: (accountId, reachable) => tunnels.tunnelled(accountId, reachable),
    route: <P extends TSchema, Q extends TSchema, B extends TSchema>(spec: RouteSpec<P, Q, B>) =>
      defineRoute(
        app,
        services,
        routes,
        spec as RouteSpec<P, Q, B> & { access: Exclude<RouteSpec<P, Q, B>['access'], 'person'> },
      ),
    personRoute: <P extends TSchema, Q extends TSchema, B extends TSchema>(spec: PersonRouteSpec<P, Q, B>) =>
      definePersonRoute(app, services, routes, spec),
  };
  accountRoutes(context);
  targetRoutes(context);
  virtualNetworkRoutes(context);
  tunnelRouteRoutes(context);
  accessAppRoutes(context);
  accessPolicyRoutes(context);
  accessGroupRoutes(context);
  sshAuditingRoutes(context);
  auditLogRoutes(context);
  meRoutes(context);
  agentRoutes(context);
  sshLogRoutes(context);
  sshSessionRoutes(context);
  apiTokenRoutes(context);
  peopleRoutes(context);
  // Session-log files are application/octet-stream; only their routes parse it.
  await app.register(async (files) =>
    sshLogFileRoutes(files, services, routes, {
      maxLogSizeBytes: options.maxLogSizeBytes ?? DEFAULT_MAX_LOG_SIZE_BYTES,
    }),
  );
  // OAuth and the device pages take form-encoded bodies; only they parse them.
  const defaultAccountId = async () => (await services.store.accounts.ensureDefaultAccount()).account.id;
  await app.register(async (forms) => {
    await forms.register(formBody);
    oauthRoutes(forms, services, defaultAccountId);
    devicePageRoutes(forms, services);
  });

  agentDownloadRoutes(app, { ...options.agentDownloads, publicUrl: () => services.signIn.publicUrl });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Agents' tunnels and people's streams through them (WebSocket upgrades; docs/tunnels.md).
  const tunnels = installTunnelEndpoints(app, services, {
    ...(options.tunnelPeering === undefined ? {} : { peering: options.tunnelPeering }),
  });
  // The web console for admins and auditors (/console; docs/console.md).
  await installConsole(app, services);

  await app.ready();
  return { app, services, routes };
}
