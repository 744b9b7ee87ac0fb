/**
 * The latchkey-server executable: wiring only. Reads the command line and environment once (through
 * parseServerConfig), opens the store, and starts the HTTP server, or issues an API token.
 *
 *   latchkey-server start [--data-dir DIR] [--listen HOST:PORT] [--database-url URL]
 *                         [--tls-cert FILE --tls-key FILE] [--allow-insecure-http] [--ca-key-file FILE]
 *                         [--public-url URL] [--identity-providers FILE]
 *                         [--certificate-ttl 5m] [--max-certificate-ttl 1h] [--agent-package FILE]
 *                         [--max-log-size 4GiB] [--trusted-proxy CIDR]…
 *                         [--peer-url URL] [--tunnel-url URL] [--allow-insecure-peers]
 *   latchkey-server token create --permission "Zero Trust: Read" … [--expires 30d|ISO] [--name NAME]
 *   latchkey-server token list [--json]
 *   latchkey-server token revoke TOKEN_ID
 *   latchkey-server token rotate-admin   (a new DATA_DIR/admin.token; the token it held is revoked)
 *   latchkey-server join-token create [--name NAME] [--uses N] [--expires 24h|ISO]
 *   latchkey-server user add EMAIL [--group G]…     (the password is read from stdin, or prompted for)
 *   latchkey-server user disable|enable|reset|signout EMAIL
 *   latchkey-server user link EMAIL --issuer URL --subject SUB [--provider ID]
 *   latchkey-server user list
 *
 * Exit codes: 0 success, 2 a bad setting (the message names it), 1 anything else.
 */
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { LATCHKEY_VERSION, LIMITS, LatchkeyError, isLatchkeyError } from '@latchkey/shared';
import { createJoinToken } from './app/agents/join-tokens.js';
import { issueApiToken, listApiTokens, revokeApiToken, rotateAdminToken } from './app/api-tokens.js';
import { bootstrap } from './app/bootstrap.js';
import type { Store } from './app/ports/store.js';
import type { Services } from './app/services.js';
import { composeOfflineServices, composeServer } from './compose.js';
import { loadOrCreateKeyFile } from './adapters/crypto/key-file-protector.js';
import { openStore, redactDatabaseUrl } from './adapters/db/open-store.js';
import { discoverUpstreamProviders } from './adapters/oidc/openid-client-provider.js';
import { readIdentityProvidersFile } from './adapters/oidc/read-identity-providers-file.js';
import { readPassword } from './adapters/terminal/read-password.js';
import { addUser, listUsers, resetUserPassword, setUserDisabled } from './app/sign-in/built-in-users.js';
import { signOutEverywhere } from './app/sign-in/sign-in-sessions.js';
import { linkUpstreamIdentity } from './app/sign-in/upstream-identities.js';
import { presentApiToken } from './domain/api-representation.js';
import { ALL_PERMISSIONS, parsePermission } from './domain/permissions.js';
import { DEFAULT_LISTEN, parseServerConfig } from './domain/server-config.js';
import type { ServerConfig, ServerOptions } from './domain/server-config.js';
import { parseTokenExpiry } from './domain/token-expiry.js';

const VERSION = LATCHKEY_VERSION;

function facts() {
  return {
    env: process.env,
    homeDir: homedir(),
    isRoot: process.getuid?.() === 0,
    cwd: process.cwd(),
  };
}

function openConfiguredStore(config: ServerConfig): Promise<Store> {
  return config.database.kind === 'sqlite'
    ? openStore({ sqlitePath: config.database.path })
    : openStore({ databaseUrl: config.database.url, databaseUrlSetting: '--database-url' });
}

async function readSettingFile(path: string, setting: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new LatchkeyError(
      'invalid_config',
      `${setting}: cannot read ${path}: ${(error as Error).message}`,
      {
        pointer: setting,
        cause: error,
      },
    );
  }
}

async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new LatchkeyError(
      'invalid_config',
      `--data-dir: cannot create ${dataDir}: ${(error as Error).message}`,
      { pointer: '--data-dir', cause: error },
    );
  }
}

/** Writes `content` to `path` with mode 0600, atomically (temp file + rename). */
async function writeSecretFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

async function start(options: ServerOptions): Promise<void> {
  const config = parseServerConfig(options, facts());
  await prepareDataDir(config.dataDir);
  const https =
    config.tls === undefined
      ? undefined
      : {
          cert: await readSettingFile(config.tls.certFile, '--tls-cert'),
          key: await readSettingFile(config.tls.keyFile, '--tls-key'),
        };
  const caKeys = await loadOrCreateKeyFile(config.caKeyFile);
  const providerSettings =
    config.identityProvidersFile === undefined
      ? []
      : await readIdentityProvidersFile(config.identityProvidersFile);
  const store = await openConfiguredStore(config);
  const discoveryFailures: string[] = [];
  const providers = await discoverUpstreamProviders(providerSettings, {
    onDiscoveryFailure: (provider, error) => discoveryFailures.push(`${provider.id}: ${error.message}`),
  });
  // Built once; listen() then sets the public URL from the bound port and freezes the settings (compose.ts).
  let composed: Awaited<ReturnType<typeof composeServer>>;
  try {
    composed = await composeServer(config, {
      store,
      caKeys,
      version: VERSION,
      logger: { level: process.env.LATCHKEY_LOG_LEVEL ?? 'info' },
      ...(https === undefined ? {} : { https }),
      identityProviders: new Map(providers.map((provider) => [provider.id, provider])),
      maxLogSizeBytes: config.maxLogSizeBytes,
      trustedProxies: config.trustedProxies,
      tunnelPeering: {
        ...(config.peerUrl === undefined ? {} : { peerUrl: config.peerUrl }),
        ...(config.tunnelUrl === undefined ? {} : { tunnelUrl: config.tunnelUrl }),
        ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
        ...(config.allowInsecurePeers === true ? { allowInsecurePeers: true } : {}),
      },
      signIn: {
        certificateTtlSeconds: config.certificateTtlSeconds,
        maxCertificateTtlSeconds: config.maxCertificateTtlSeconds,
        ...(config.recorderCommand === undefined ? {} : { recorderCommand: config.recorderCommand }),
      },
      agentDownloads: {
        // From the checkout: server/src/main.ts and the bundle server/dist/main.js are both two levels down.
        packagePath:
          config.agentPackage ??
          fileURLToPath(new URL('../../dist/latchkey-agent-linux-x64.tar.gz', import.meta.url)),
        installScriptPath: fileURLToPath(new URL('../../scripts/install-agent.sh', import.meta.url)),
      },
    });
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  const { app, services } = composed;
  const log = app.log;
  for (const failure of discoveryFailures) {
    log.warn(`identity provider ${failure}; sign-ins with it will retry discovery`);
  }
  const { account, adminToken } = await bootstrap(services);
  if (adminToken !== undefined) {
    await writeSecretFile(config.adminTokenFile, `${adminToken.secret}\n`);
    log.info(
      `first start: an admin API token with every permission is in ${config.adminTokenFile} (mode 0600)`,
    );
  }
  const database =
    config.database.kind === 'sqlite'
      ? `SQLite ${config.database.path}`
      : `PostgreSQL ${redactDatabaseUrl(config.database.url)}`;
  log.info(`account ${account.id}; database ${database}; CA encryption key ${config.caKeyFile}`);
  if (config.trustedProxies.text.length > 0) {
    log.info(`X-Forwarded-For is read from the trusted proxies ${config.trustedProxies.text.join(', ')}`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    await app.close().catch(() => {});
    await store.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  let url: string;
  try {
    url = await composed.listen();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  const note = config.listenIsDefault
    ? ` (the default ${DEFAULT_LISTEN}; change it with --listen HOST:PORT)`
    : '';
  log.info(`latchkey-server ${VERSION} listening on ${url}${note}`);
  // One stable line for scripts and tests to wait for.
  process.stdout.write(`LISTENING ${url}\n`);
}

async function createToken(
  options: ServerOptions & { permission: string[]; expires?: string; name?: string },
) {
  const config = parseServerConfig(options, facts());
  if (options.permission.length === 0) {
    throw new LatchkeyError(
      'invalid_config',
      `--permission is required (repeat it for several); known permissions: ${ALL_PERMISSIONS.map((p) => `"${p}"`).join(', ')}`,
      { pointer: '--permission' },
    );
  }
  const permissions = options.permission.map((text) => {
    try {
      return parsePermission(text);
    } catch (error) {
      throw new LatchkeyError('invalid_config', `--permission: ${(error as Error).message}`, {
        pointer: '--permission',
      });
    }
  });
  const now = new Date();
  const expiresAt = options.expires === undefined ? undefined : parseTokenExpiry(options.expires, now);
  const store = await openConfiguredStore(config);
  try {
    const accounts = await store.accounts.list();
    const account = accounts[0];
    if (account === undefined) {
      throw new LatchkeyError(
        'invalid_config',
        `no account in the database yet: run \`latchkey-server start\` once first`,
      );
    }
    const services = await composeOfflineServices({
      store,
      caKeys: await loadOrCreateKeyFile(config.caKeyFile),
    });
    const issued = await store.transaction((tx) =>
      issueApiToken(services, tx, account.id, {
        name: options.name ?? `token created ${now.toISOString()}`,
        permissions,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      }),
    );
    process.stderr.write(
      `API token ${issued.record.id} (${issued.record.name}) for account ${account.id}: ${permissions.join(', ')}` +
        `${expiresAt === undefined ? '' : `, expires ${expiresAt.toISOString()}`}. The secret is printed once:\n`,
    );
    process.stdout.write(`${issued.secret}\n`);
  } finally {
    await store.close();
  }
}

/** Opens the configured store for an offline admin command on the default account. */
async function withOfflineServices<T>(
  options: ServerOptions,
  run: (services: Services, accountId: string) => Promise<T>,
): Promise<T> {
  const config = parseServerConfig(options, facts());
  const store = await openConfiguredStore(config);
  try {
    const account = (await store.accounts.list())[0];
    if (account === undefined) {
      throw new LatchkeyError(
        'invalid_config',
        'no account in the database yet: run `latchkey-server start` once first',
      );
    }
    const services = await composeOfflineServices({
      store,
      caKeys: await loadOrCreateKeyFile(config.caKeyFile),
    });
    return await run(services, account.id);
  } finally {
    await store.close();
  }
}

const CLI_ACTOR = 'server:cli';
const cliCaller = (accountId: string) => ({
  accountId,
  tokenId: CLI_ACTOR,
  permissions: [],
  actor: CLI_ACTOR,
});

/** `token list`: the account's API tokens, never a secret; `--json` for scripts. */
async function listTokensCommand(options: ServerOptions & { json?: boolean }): Promise<void> {
  await withOfflineServices(options, async (services, accountId) => {
    const now = services.clock();
    const tokens = (await listApiTokens(services, cliCaller(accountId))).map((t) => presentApiToken(t, now));
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
      return;
    }
    for (const token of tokens) {
      const until = token.expires_at === undefined ? '' : ` until ${token.expires_at}`;
      process.stdout.write(
        `${token.id}\t${token.status}\t${token.name}\t${token.permissions.join(', ')}${until}\n`,
      );
    }
  });
}

/** `token revoke ID`: its next request gets 401 on every server process. */
async function revokeTokenCommand(id: string, options: ServerOptions): Promise<void> {
  await withOfflineServices(options, async (services, accountId) => {
    const token = await revokeApiToken(services, cliCaller(accountId), id.trim().toLowerCase());
    process.stdout.write(
      `revoked API token ${token.id} (${token.name}) at ${token.revokedAt?.toISOString()}\n`,
    );
  });
}

/**
 * `token rotate-admin`: a new admin token (every permission) written to DATA_DIR/admin.token (0600,
 * atomically); the token the file held is revoked in the same transaction.
 */
async function rotateAdminTokenCommand(options: ServerOptions): Promise<void> {
  const config = parseServerConfig(options, facts());
  const previous = await readFile(config.adminTokenFile, 'utf8').catch(() => undefined);
  await withOfflineServices(options, async (services, accountId) => {
    const { issued, revoked } = await rotateAdminToken(services, accountId, previous);
    await writeSecretFile(config.adminTokenFile, `${issued.secret}\n`);
    process.stderr.write(
      `a new admin API token ${issued.record.id} is in ${config.adminTokenFile} (mode 0600); ` +
        (revoked === undefined
          ? 'the file held no active token of this account, so none was revoked\n'
          : `the token it held (${revoked.id}) is revoked\n`),
    );
  });
}

/**
 * `join-token create`: a join token for enrolling hosts, without the API (the admin on the server's host).
 * The same rules as `POST …/latchkey/join_tokens` (LIMITS.joinToken): 1 to 100,000 uses, a life of 1
 * minute to 366 days.
 */
async function createJoinTokenCommand(
  options: ServerOptions & { name?: string; uses?: string; expires?: string },
): Promise<void> {
  const now = new Date();
  const limits = LIMITS.joinToken;
  const uses = options.uses === undefined ? limits.defaultUses : Number(options.uses);
  if (!Number.isInteger(uses) || uses < limits.minUses || uses > limits.maxUses) {
    throw new LatchkeyError(
      'invalid_argument',
      `--uses must be a whole number from ${limits.minUses} to ${limits.maxUses}, not ${options.uses}`,
    );
  }
  const expiresAt = parseTokenExpiry(options.expires ?? '24h', now);
  const ttlSeconds = Math.round((expiresAt.getTime() - now.getTime()) / 1000);
  if (ttlSeconds < limits.minLifetimeSeconds || ttlSeconds > limits.maxLifetimeSeconds) {
    throw new LatchkeyError('invalid_argument', '--expires must be between 1 minute and 366 days from now');
  }
  await withOfflineServices(options, async (services, accountId) => {
    const { record, secret } = await createJoinToken(
      services,
      { accountId, tokenId: CLI_ACTOR, permissions: [], actor: CLI_ACTOR },
      {
        name: options.name ?? `join token created ${now.toISOString()}`,
        max_uses: uses,
        expires_in_seconds: ttlSeconds,
      },
    );
    process.stderr.write(
      `join token ${record.id} (${record.name}): ${record.maxUses} use(s), expires ${record.expiresAt.toISOString()}. ` +
        'The secret is printed once; on each host run:\n' +
        `  curl -fsSL https://YOUR-SERVER/install.sh | sudo bash -s -- --token ${secret}\n`,
    );
    process.stdout.write(`${secret}\n`);
  });
}

async function userCommand(
  action: 'add' | 'disable' | 'enable' | 'reset' | 'signout' | 'list',
  email: string | undefined,
  options: ServerOptions & { group?: string[] },
): Promise<void> {
  // Ask for the password before opening the database: a prompt must not hold a connection.
  const password =
    action === 'add' || action === 'reset' ? await readPassword(`password for ${email ?? ''}`) : undefined;
  await withOfflineServices(options, async (services, accountId) => {
    const say = (text: string) => process.stdout.write(`${text}\n`);
    if (action === 'list') {
      for (const user of await listUsers(services, accountId)) {
        const state = user.disabledAt === undefined ? 'enabled' : `disabled ${user.disabledAt.toISOString()}`;
        say(`${user.email}\t${user.groups.join(',') || '-'}\t${state}`);
      }
      return;
    }
    const target = email ?? '';
    if (action === 'add') {
      const user = await addUser(
        services,
        accountId,
        { email: target, password: password ?? '', groups: options.group ?? [] },
        CLI_ACTOR,
      );
      say(`added ${user.email}${user.groups.length === 0 ? '' : ` (groups: ${user.groups.join(', ')})`}`);
    } else if (action === 'reset') {
      const user = await resetUserPassword(services, accountId, target, password ?? '', CLI_ACTOR);
      say(`reset the password of ${user.email}: every sign-in of it has ended`);
    } else if (action === 'signout') {
      const done = await signOutEverywhere(services, accountId, target, CLI_ACTOR);
      say(
        `signed ${done.email} out everywhere: ${done.signInSessions.length} sign-in(s) revoked, ` +
          'SSH sessions ending on every target',
      );
    } else {
      const user = await setUserDisabled(services, accountId, target, action === 'disable', CLI_ACTOR);
      say(`${action}d ${user.email}${action === 'disable' ? ': its sign-ins stop working now' : ''}`);
    }
  });
}

function withServerOptions(command: Command): Command {
  return command
    .option(
      '--data-dir <dir>',
      'data directory (default ~/.local/share/latchkey-server, or /var/lib/latchkey-server as root)',
    )
    .option('--database-url <url>', 'PostgreSQL URL (default: SQLite in DATA_DIR/latchkey.db)')
    .option(
      '--ca-key-file <file>',
      'the key that encrypts CA private keys at rest (default DATA_DIR/ca-encryption.key)',
    );
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('latchkey-server')
    .description('The Latchkey access server')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();

  withServerOptions(program.command('start').description('run the access server'))
    .option('--listen <host:port>', `address to listen on (default ${DEFAULT_LISTEN})`)
    .option('--tls-cert <file>', 'TLS certificate (PEM) for HTTPS')
    .option('--tls-key <file>', 'TLS private key (PEM) for HTTPS')
    .addOption(
      new Option('--allow-insecure-http', 'allow plain HTTP on a non-loopback address (behind a TLS proxy)'),
    )
    .option('--public-url <url>', 'the URL people reach the server at (default: from --listen)')
    .option('--identity-providers <file>', 'upstream OIDC providers (JSON), see docs/sign-in.md')
    .option('--certificate-ttl <duration>', 'certificate lifetime (default 5m)')
    .option('--max-certificate-ttl <duration>', 'the longest lifetime a client may ask for (default 1h)')
    .option(
      '--max-log-size <size>',
      'the largest session log an agent may upload: the disk one session may take (default 4GiB)',
    )
    .option(
      '--trusted-proxy <cidr>',
      'a proxy in front of the server whose X-Forwarded-For names the client (repeat for several)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option(
      '--peer-url <url>',
      'where other servers reach this one to forward tunnel streams (default: from --listen)',
    )
    .option(
      '--tunnel-url <url>',
      'what agents dial for a second link to this server (default: --peer-url, --public-url, or --listen unless a wildcard)',
    )
    .addOption(
      new Option(
        '--allow-insecure-peers',
        'allow the server-to-server tunnel hop over plain http to a non-loopback peer URL (a private network)',
      ),
    )
    .option(
      '--recorder-command <command>',
      "recorded sessions' force-command on targets without an agent (default: latchkey-agent record)",
    )
    .option(
      '--agent-package <file>',
      'the agent package served to targets at /downloads/ (default: dist/ of the checkout, npm run package:agent)',
    )
    .action(async (options: ServerOptions) => start(options));

  const token = program.command('token').description('API tokens');
  withServerOptions(token.command('create').description('issue an API token and print its secret'))
    .option(
      '--permission <name>',
      'a permission, e.g. "Zero Trust: Read" (repeat for several)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--expires <when>', 'a duration (30d, 12h, 90m, 2w) or an ISO date-time')
    .option('--name <name>', 'a name for the token')
    .action(async (options: ServerOptions & { permission: string[]; expires?: string; name?: string }) =>
      createToken(options),
    );
  withServerOptions(token.command('list').description("list the account's API tokens (never a secret)"))
    .option('--json', 'print JSON')
    .action(async (options: ServerOptions & { json?: boolean }) => listTokensCommand(options));
  withServerOptions(
    token.command('revoke <token_id>').description('revoke an API token: refused from its next request on'),
  ).action(async (id: string, options: ServerOptions) => revokeTokenCommand(id, options));
  withServerOptions(
    token
      .command('rotate-admin')
      .description('write a new admin token to DATA_DIR/admin.token and revoke the one it held'),
  ).action(async (options: ServerOptions) => rotateAdminTokenCommand(options));

  const joinToken = program
    .command('join-token')
    .description('join tokens: permission for hosts to enrol as agents');
  withServerOptions(joinToken.command('create').description('make a join token and print its secret'))
    .option('--name <name>', 'what the token is for')
    .option('--uses <n>', 'how many hosts may enrol with it (default 1)')
    .option('--expires <when>', 'a duration (24h, 7d) or an ISO date-time (default 24h)')
    .action(async (options: ServerOptions & { name?: string; uses?: string; expires?: string }) =>
      createJoinTokenCommand(options),
    );

  const user = program.command('user').description('built-in accounts (the embedded identity provider)');
  withServerOptions(
    user.command('add <email>').description('add a user; the password comes from stdin or a prompt'),
  )
    .option(
      '--group <name>',
      'a group (repeat for several)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .action(async (email: string, options: ServerOptions & { group: string[] }) =>
      userCommand('add', email, options),
    );
  for (const action of ['disable', 'enable', 'reset', 'signout'] as const) {
    const what = {
      disable: 'disable a user: every sign-in of theirs ends at once',
      enable: 'enable a disabled user (their earlier sign-ins stay ended)',
      reset: 'set a new password (from stdin or a prompt); every sign-in of theirs ends',
      signout: 'sign a person out everywhere (any identity provider): sign-ins, refresh tokens, SSH sessions',
    }[action];
    withServerOptions(user.command(`${action} <email>`).description(what)).action(
      async (email: string, options: ServerOptions) => userCommand(action, email, options),
    );
  }
  withServerOptions(user.command('list').description('list users')).action(async (options: ServerOptions) =>
    userCommand('list', undefined, options),
  );
  withServerOptions(
    user
      .command('link <email>')
      .description(
        'let an upstream sign-in (issuer, subject) be the person with this email, although another has it',
      ),
  )
    .requiredOption('--issuer <url>', "the identity provider's issuer (the refused sign-in names it)")
    .requiredOption('--subject <sub>', "the person's subject at that provider (the refusal names it)")
    .option('--provider <id>', "the provider's id in the identity providers file")
    .action(
      async (
        email: string,
        options: ServerOptions & { issuer: string; subject: string; provider?: string },
      ) =>
        withOfflineServices(options, async (services, accountId) => {
          const linked = await linkUpstreamIdentity(
            services,
            accountId,
            {
              email,
              issuer: options.issuer,
              subject: options.subject,
              ...(options.provider === undefined ? {} : { providerId: options.provider }),
            },
            CLI_ACTOR,
          );
          process.stdout.write(
            `linked ${linked.subject} at ${linked.issuer} to ${linked.email}: it signs in as that person\n`,
          );
        }),
    );

  try {
    await program.parseAsync(argv);
  } catch (error) {
    const commanderCode = (error as { code?: string }).code;
    if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
      const exitCode = (error as { exitCode?: number }).exitCode ?? 2;
      process.exit(
        commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version'
          ? 0
          : exitCode === 1
            ? 2
            : exitCode,
      );
    }
    if (isLatchkeyError(error, 'invalid_config')) {
      process.stderr.write(`latchkey-server: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`latchkey-server: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

await main(process.argv);
