/**
 * latchkey-agent: the wiring. The only place that reads the command line and the environment; each
 * command validates its settings once (parseAgentConfig) and runs a use-case over the real adapters.
 *
 *   enroll --server URL --token T   trade a join token for the agent's credential (kept in the state dir)
 *   run                             the daemon: register, trust the CA, heartbeat, repair drift, retry
 *   apply                           one cycle of the daemon, then exit (0: sshd trusts the CA)
 *   uninstall                       put sshd's files back as they were before Latchkey
 *   status                          what the state directory says (enrolment without its secret, last cycle)
 *   break-glass [--for 30m] [--end] let sessions in under strict recording while logs cannot be kept
 *
 * Exit codes: 0 success, 1 failure, 2 invalid settings, 69 the server cannot be reached (EX_UNAVAILABLE).
 */
import { Command, Option } from 'commander';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { ApplyLockFile } from './adapters/fs/apply-lock.js';
import { removeRecorderLeftovers } from './adapters/fs/recorder-leftovers.js';
import { nodeSshdHost } from './adapters/node-sshd-host.js';
import { readOsFacts } from './adapters/os/os-facts.js';
import { NodeHostInfo } from './adapters/os/node-host-info.js';
import { AgentServerClient } from './adapters/http/agent-server-client.js';
import { CloudflareApiClient } from './adapters/http/cloudflare-api-client.js';
import { AgentStateFiles } from './adapters/state/agent-state-files.js';
import { ChokidarFileWatcher } from './adapters/watch/chokidar-file-watcher.js';
import { NodeRecordingStateFiles } from './adapters/state/recording-state-files.js';
import { AgentDaemon } from './app/agent/agent-daemon.js';
import type { SessionLogServer } from './app/ports/agent-server.js';
import { endBreakGlass, startBreakGlass } from './app/recording/break-glass-command.js';
import { RecordingSettingsSync } from './app/recording/sync-recording-settings.js';
import { SpooledLogUploader } from './app/recording/upload-spooled-logs.js';
import { parseBreakGlassDuration } from './domain/recording/break-glass.js';
import { SpoolStore } from './spool/spool-store.js';
import { SshFront } from './front/ssh-front.js';
import { ConnectorDialer } from './adapters/tunnel/connector-dialer.js';
import { TunnelClient } from './adapters/tunnel/tunnel-client.js';
import { parseConnectorRoute } from './domain/tunnel/connector-routes.js';
import {
  generateInnerKey,
  loadOrCreateFrontKeys,
  readFrontHostCertificate,
  writeFrontHostCertificate,
  type FrontKeys,
} from './front/front-keys.js';
import type { FrontHostCertificateStore } from './app/ports/front-host-certificate.js';
import { SshdEndpointReader } from './adapters/ssh/sshd-endpoint-reader.js';
import { followSessionControl } from './app/front/follow-session-control.js';
import type { FrontSessionReport } from './app/ports/front-sessions.js';
import type { FrontTrust } from './domain/front/login-certificate.js';
import type { OsFacts } from './domain/sshd/distro.js';
import { parseRecordingSettings } from './domain/recording/recording-settings.js';
import { DEFAULT_MAIN_PATH } from './app/sshd-host.js';
import { parseSshPublicKey } from '@latchkey/shared/ssh/parse-public-key';
import type { AgentDaemonDeps, LatchkeyConnection } from './app/agent/agent-daemon.js';
import { AGENT_VERSION } from './app/agent/agent-version.js';
import { enrollAgent } from './app/agent/enroll-agent.js';
import type { Enrolment } from './app/ports/agent-state.js';
import type { SshdChangeLock } from './app/ports/sshd-change-lock.js';
import { uninstallCaTrust } from './app/uninstall-ca-trust.js';
import { parseAgentConfig, parseServerUrl } from './domain/agent/agent-config.js';
import type { AgentConfig, RawAgentOptions } from './domain/agent/agent-config.js';

const EXIT_FAILURE = 1;
const EXIT_INVALID = 2;
const EXIT_UNAVAILABLE = 69;

const log = (line: string) => process.stderr.write(`latchkey-agent: ${line}\n`);

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function stateDirOption(command: Command): Command {
  return command.option('--state-dir <dir>', 'where the credential and backups are kept', undefined);
}

function sshdOptions(command: Command): Command {
  return stateDirOption(command)
    .option('--sshd-config <path>', "sshd's main config file (default /etc/ssh/sshd_config)")
    .option('--ssh-dir <dir>', 'where relative Include paths point (default /etc/ssh)')
    .option('--ca-path <path>', 'the TrustedUserCAKeys file (default /etc/ssh/ca.pub)')
    .option('--drop-in-dir <dir>', "sshd's drop-in directory (default <ssh-dir>/sshd_config.d)")
    .option('--sshd-pid-file <path>', "sshd's PidFile, for hosts without a service manager");
}

function agentOptions(command: Command): Command {
  return (
    sshdOptions(command)
      .option('--interval <seconds>', 'pause between cycles when all is well (default 60)')
      .option('--hostname <name>', "the target's name (default: this host's name)")
      .option('--interface <name>', 'an interface whose addresses count (repeatable)', collect)
      .option('--vnet <name>', 'the virtual network (default: the account default)')
      .option('--cloudflare-account-id <id>', 'drive this Cloudflare account instead of an access server')
      .addOption(
        new Option('--api-token <token>', 'the Cloudflare API token (Cloudflare mode)').env(
          'LATCHKEY_AGENT_API_TOKEN',
        ),
      )
      .option('--api-base <url>', 'the Cloudflare API base (default https://api.cloudflare.com/client/v4)')
      .option(
        '--recording-mode <mode>',
        'strict: refuse sessions whose log cannot be kept (default best-effort)',
      )
      .option('--spool-dir <dir>', 'where session logs wait for upload (default <state-dir>/spool)')
      .option(
        '--auditor-public-key <base64>',
        "Cloudflare mode: record sessions, sealed to this auditors' key",
      )
      .option(
        '--front-listen <address>',
        "where the SSH front listens for people's certificate logins: PORT, HOST:PORT or [IPV6]:PORT (default 0.0.0.0:3022)",
      )
      // Flags of agents before the front, which units written for them may still pass: accepted, and
      // warned about (warnLegacyFlags), so that an upgrade switches the host over instead of failing.
      .addOption(new Option('--record-socket <path>').hideHelp())
      .addOption(new Option('--recorder-command <command>').hideHelp())
  );
}

/** Says which flags of an agent before the front were given and no longer do anything. */
function warnLegacyFlags(config: AgentConfig): void {
  if (config.legacy.ignoredFlags.length === 0) return;
  log(
    `${config.legacy.ignoredFlags.join(', ')}: flags of agents before the SSH front, whose force-command ` +
      'recorder is gone; they change nothing (every login goes through the front; --record-socket only ' +
      "says where that recorder's leftovers are). Remove them from the unit.",
  );
}

/** What buildDaemon made that `run` needs too (filled in by buildDaemon), and what `run` made first. */
interface DaemonWiring {
  logServer?: SessionLogServer;
  /** The host's facts, when the caller read them already. */
  facts?: OsFacts;
  /** The front as it runs (its bound port), or as `apply` reports it (the configured port). */
  front?: { port: number; keys: FrontKeys };
  frontSessions?: () => readonly FrontSessionReport[];
  frontHostCertificate?: FrontHostCertificateStore;
  /** The Latchkey server and the credential, for the tunnel (absent in Cloudflare mode). */
  tunnel?: { server: string; token: () => string | undefined };
  /** The ranges it dials as a connector (`--route`), reported in the heartbeat. */
  connectorRoutes?: readonly string[];
}

/** `sshdLock`: the daemon waits up to a minute for another process's change to sshd; null: no lock. */
async function buildDaemon(
  config: AgentConfig,
  sshdLock: SshdChangeLock | null = new ApplyLockFile(config.stateDir, { waitMs: 60_000 }),
  wiring: DaemonWiring = {},
): Promise<AgentDaemon> {
  const sshdHost = nodeSshdHost();
  const facts = wiring.facts ?? (await readOsFacts(sshdHost.files, sshdHost.commands));
  wiring.facts = facts;
  if (config.front !== undefined && wiring.front === undefined) {
    wiring.front = { port: config.front.port, keys: await loadOrCreateFrontKeys(config.stateDir) };
  }
  const state = new AgentStateFiles(sshdHost.files, config.stateDir);
  const host = new NodeHostInfo(sshdHost.files, sshdHost.commands, facts.sshdPath);
  let latchkey: LatchkeyConnection | undefined;
  let controlPlane: CloudflareApiClient;
  let register = {
    ...(config.hostname === undefined ? {} : { hostname: config.hostname }),
    ...(config.interfaces === undefined ? {} : { interfaces: config.interfaces }),
    ...(config.virtualNetwork === undefined ? {} : { virtualNetwork: config.virtualNetwork }),
  };
  if (config.cloudflare !== undefined) {
    const { apiToken } = config.cloudflare;
    controlPlane = new CloudflareApiClient({
      apiBase: config.cloudflare.apiBase,
      accountId: config.cloudflare.accountId,
      token: () => apiToken,
    });
  } else {
    const enrolment = await state.readEnrolment();
    if (enrolment === undefined) {
      throw new LatchkeyError(
        'invalid_config',
        `this host is not enrolled (no ${config.stateDir}/enrolment.json): run latchkey-agent enroll --server URL --token T` +
          (config.stateDir === '/var/lib/latchkey-agent' ? '' : ` --state-dir ${config.stateDir}`) +
          ', or give --cloudflare-account-id and --api-token',
        { pointer: '--state-dir' },
      );
    }
    let token = enrolment.apiToken;
    const client = new AgentServerClient(enrolment.server, () => token);
    wiring.logServer = client;
    wiring.tunnel = { server: enrolment.server, token: () => token };
    const connection: LatchkeyConnection = {
      server: client,
      enrolment,
      onRenewed: (next: Enrolment) => {
        token = next.apiToken;
      },
    };
    latchkey = connection;
    controlPlane = new CloudflareApiClient({
      apiBase: `${enrolment.server}/v1/agents/client/v4`,
      accountId: enrolment.accountId,
      token: () => token,
    });
    // What was said at enrolment, unless the command line says otherwise now.
    register = {
      ...(enrolment.hostname === undefined ? {} : { hostname: enrolment.hostname }),
      ...(enrolment.interfaces === undefined ? {} : { interfaces: enrolment.interfaces }),
      ...(enrolment.virtualNetwork === undefined ? {} : { virtualNetwork: enrolment.virtualNetwork }),
      ...register,
    };
  }
  const deps: AgentDaemonDeps = {
    sshd: { host: sshdHost, facts, paths: config.sshd },
    controlPlane,
    host,
    state,
    watcher: new ChokidarFileWatcher(),
    ...(latchkey === undefined ? {} : { latchkey }),
    recording: new RecordingSettingsSync(
      {
        ...(wiring.logServer === undefined ? {} : { server: wiring.logServer }),
        files: new NodeRecordingStateFiles(config.stateDir),
        now: () => new Date(),
        log,
      },
      {
        mode: config.recording.mode,
        ...(config.recording.localAuditorKey === undefined
          ? {}
          : { localAuditorKey: config.recording.localAuditorKey }),
      },
    ),
    now: () => new Date(),
    random: Math.random,
    sleep: abortableSleep,
    log,
    ...(sshdLock === null ? {} : { sshdLock }),
    ...(config.front === undefined
      ? {}
      : { removeRecorderLeftovers: () => removeRecorderLeftovers(config.legacy.recordSocket) }),
    ...(wiring.frontSessions === undefined ? {} : { frontSessions: wiring.frontSessions }),
    ...(wiring.frontHostCertificate === undefined
      ? {}
      : { frontHostCertificate: wiring.frontHostCertificate }),
  };
  return new AgentDaemon(deps, {
    version: AGENT_VERSION,
    register,
    createCa: config.cloudflare !== undefined,
    intervalMs: config.intervalMs,
    recording: { mode: config.recording.mode },
    ...(wiring.connectorRoutes === undefined ? {} : { connectorRoutes: wiring.connectorRoutes }),
    ...(wiring.front === undefined
      ? {}
      : {
          front: {
            port: wiring.front.port,
            hostKey: wiring.front.keys.hostPublicKeyLine,
            hostCaPublicKey: wiring.front.keys.hostCaPublicKeyLine,
          },
        }),
  });
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function exitCodeOf(error: unknown): number {
  if (error instanceof LatchkeyError) {
    if (error.code === 'invalid_config' || error.code === 'invalid_argument') return EXIT_INVALID;
    if (error.code === 'unavailable') return EXIT_UNAVAILABLE;
  }
  return EXIT_FAILURE;
}

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  log(message);
  process.exit(exitCodeOf(error));
}

const program = new Command('latchkey-agent')
  .description('The Latchkey target agent: registration, CA trust for sshd, drift repair, session recording.')
  .version(AGENT_VERSION)
  .showHelpAfterError();
program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
program.exitOverride((error) => {
  process.exit(error.exitCode === 0 ? 0 : EXIT_INVALID);
});

stateDirOption(
  program
    .command('enroll')
    .description(
      "get the agent's own credential: re-enrol with the current one if this host is enrolled with this " +
        'server, else trade the join token for a new one',
    )
    .requiredOption('--server <url>', 'the access server, e.g. https://access.example.com')
    .addOption(
      new Option('--token <join-token>', 'the join token').env('LATCHKEY_JOIN_TOKEN').makeOptionMandatory(),
    )
    .option('--vnet <name>', 'register in this virtual network (default: the account default)')
    .option('--hostname <name>', "the target's name (default: this host's name)")
    .option('--interface <name>', 'an interface whose addresses count (repeatable)', collect),
).action(async (options: RawAgentOptions & { server: string; token: string }) => {
  try {
    const config = parseAgentConfig({ ...options });
    const serverUrl = parseServerUrl(options.server);
    const sshdHost = nodeSshdHost();
    const { enrolment, outcome } = await enrollAgent(
      {
        server: new AgentServerClient(serverUrl, () => undefined),
        state: new AgentStateFiles(sshdHost.files, config.stateDir),
        host: new NodeHostInfo(sshdHost.files, sshdHost.commands),
        now: () => new Date(),
      },
      {
        serverUrl,
        joinToken: options.token,
        version: AGENT_VERSION,
        ...(config.hostname === undefined ? {} : { hostname: config.hostname }),
        ...(config.virtualNetwork === undefined ? {} : { virtualNetwork: config.virtualNetwork }),
        ...(config.interfaces === undefined ? {} : { interfaces: config.interfaces }),
      },
    );
    for (const warning of outcome.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (outcome.kind === 'enrolled_anew') {
      process.stderr.write(
        `warning: the server refused this host's credential as agent ${outcome.previousAgentId} ` +
          `(${outcome.refusal}), so the join token made a new agent; the old one stays listed until an admin ` +
          'removes it (latchkey admin agents remove)\n',
      );
    }
    const how = outcome.kind === 'reenrolled' ? 're-enrolled (with its current credential)' : 'enrolled';
    process.stdout.write(
      `${how} as agent ${enrolment.agentId}; the credential is in ${config.stateDir}/enrolment.json\n`,
    );
  } catch (error) {
    fail(error);
  }
});

/**
 * The spool the front writes logs into, and the uploader of what it keeps. A spool that cannot start (no
 * rights, a full disk) is logged and leaves the rest of the daemon running: sessions then follow the mode.
 */
async function startRecording(config: AgentConfig) {
  let uploader: SpooledLogUploader | undefined;
  let store: SpoolStore | undefined;
  try {
    // The front writes logs itself: no socket that local users could reach.
    store = new SpoolStore(config.recording.spoolDir);
    await store.init();
    log(`session logs in ${config.recording.spoolDir}`);
  } catch (error) {
    log(`cannot start the recording spool: ${error instanceof Error ? error.message : String(error)}`);
  }
  let started: ((signal: AbortSignal) => Promise<void>) | undefined;
  return {
    store,
    /** Starts uploading once the daemon knows the server; logs wait in the spool until then. */
    upload(logServer: SessionLogServer | undefined): void {
      if (store === undefined || logServer === undefined) return;
      uploader = new SpooledLogUploader({
        spool: store,
        server: logServer,
        now: () => new Date(),
        random: Math.random,
        sleep: abortableSleep,
        log,
      });
      const running = uploader;
      started = (signal) => running.run(signal);
    },
    nudge: () => uploader?.nudge(),
    run: (signal: AbortSignal) => started?.(signal) ?? Promise.resolve(),
  };
}

/**
 * The SSH front (DESIGN.md flow 6): its keys, the sshd it logs in to, the recording, and the long poll
 * that ends sessions when the server says so. `daemon` is read at each login (trust and target).
 */
async function startFront(
  config: AgentConfig,
  facts: OsFacts,
  spool: SpoolStore | undefined,
  onLogFinished: () => void,
  daemon: () => AgentDaemon | undefined,
) {
  const settings = config.front!;
  const keys = await loadOrCreateFrontKeys(config.stateDir);
  const hostCertificate = await readFrontHostCertificate(config.stateDir);
  const inner = generateInnerKey();
  const sshdHost = nodeSshdHost();
  const sshd = new SshdEndpointReader(
    sshdHost.commands,
    facts.sshdPath ?? '/usr/sbin/sshd',
    config.sshd.mainPath ?? DEFAULT_MAIN_PATH,
    log,
  );
  const recordingFiles = new NodeRecordingStateFiles(config.stateDir);
  let trustCache: { text: string; trust: FrontTrust } | undefined;
  const front = await SshFront.start(
    {
      host: settings.host,
      port: settings.port,
      hostKeyOpenSsh: keys.hostKeyOpenSsh,
      ...(hostCertificate === undefined ? {} : { hostCertificate }),
      identity: {
        hostCa: keys.hostCa,
        key: inner.key,
        keyOpenSsh: inner.keyOpenSsh,
        publicKey: inner.key.publicKey,
      },
    },
    {
      trust: () => {
        const current = daemon()?.trust();
        if (current === undefined) return undefined;
        const text = `${current.targetId}\n${current.accountCaKeys.join('\n')}`;
        if (trustCache?.text !== text) {
          const accountCaKeys = current.accountCaKeys.flatMap((line) => {
            try {
              return [parseSshPublicKey(line)];
            } catch {
              return [];
            }
          });
          trustCache = { text, trust: { targetId: current.targetId, accountCaKeys } };
        }
        return trustCache.trust;
      },
      targetHostname: () => daemon()?.trust()?.hostname,
      sshd,
      recording: {
        spool,
        readSettings: async () => {
          const text = await recordingFiles.readSettings();
          return text === undefined ? undefined : parseRecordingSettings(text, recordingFiles.settingsPath);
        },
        now: () => new Date(),
        onLogFinished,
      },
      now: () => new Date(),
      log,
    },
  );
  log(`ssh front listening on ${settings.host}:${front.port}`);
  let following: ((signal: AbortSignal) => Promise<void>) | undefined;
  // What the heartbeat reports is what the front presents (not merely what is stored).
  const hostCertificateStore: FrontHostCertificateStore = {
    current: () => front.hostCertificate,
    async replace(certificateLine) {
      front.presentHostCertificate(certificateLine);
      await writeFrontHostCertificate(config.stateDir, certificateLine);
    },
  };
  return {
    front,
    keys,
    hostCertificate: hostCertificateStore,
    follow(server: AgentServerClient): void {
      following = (signal) =>
        followSessionControl({ server, front, random: Math.random, sleep: abortableSleep, log }, signal);
    },
    run: (signal: AbortSignal) => following?.(signal) ?? Promise.resolve(),
  };
}

agentOptions(
  program
    .command('run')
    .description('the daemon: register, trust the CA, heartbeat, repair drift, spool and upload session logs')
    .option(
      '--no-tunnel',
      "do not hold the tunnel to the access server (people then reach the front's port directly)",
    )
    .option(
      '--route <cidr>',
      'a private range this host may dial for people, as a connector (repeat; docs/tunnels.md "Connectors")',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--tunnel-links <n>',
      'where there are several access servers, hold tunnels to this many of them at once: 1 or 2 (default 2)',
    ),
).action(async (options: RawAgentOptions & { tunnel?: boolean; route?: string[]; tunnelLinks?: string }) => {
  let daemon: AgentDaemon;
  let tunnel: TunnelClient | undefined;
  let recording: Awaited<ReturnType<typeof startRecording>>;
  let front: Awaited<ReturnType<typeof startFront>> | undefined;
  try {
    const config = parseAgentConfig(options);
    warnLegacyFlags(config);
    const routes = (options.route ?? []).map(parseConnectorRoute);
    if (options.tunnelLinks !== undefined && options.tunnelLinks !== '1' && options.tunnelLinks !== '2') {
      throw new LatchkeyError('invalid_argument', `--tunnel-links ${options.tunnelLinks}: give 1 or 2`);
    }
    const tunnelLinks = options.tunnelLinks === '1' ? 1 : 2;
    const wiring: DaemonWiring =
      routes.length === 0
        ? {}
        : { connectorRoutes: routes.map((route) => `${route.network}/${route.prefix}`) };
    recording = await startRecording(config);
    if (config.front !== undefined) {
      const sshdHost = nodeSshdHost();
      wiring.facts = await readOsFacts(sshdHost.files, sshdHost.commands);
      front = await startFront(config, wiring.facts, recording.store, recording.nudge, () => daemon);
      wiring.front = { port: front.front.port, keys: front.keys };
      wiring.frontSessions = () => front!.front.sessions();
      wiring.frontHostCertificate = front.hostCertificate;
    }
    daemon = await buildDaemon(config, undefined, wiring);
    await daemon.restoreState();
    recording.upload(wiring.logServer);
    if (front !== undefined && wiring.logServer instanceof AgentServerClient) {
      front.follow(wiring.logServer);
    }
    const fronted = front;
    if (fronted !== undefined && wiring.tunnel !== undefined && options.tunnel !== false) {
      // Streams from the server end at the front, in-process (docs/tunnels.md).
      tunnel = new TunnelClient({
        server: wiring.tunnel.server,
        token: wiring.tunnel.token,
        accept: (stream, remote, person) => fronted.front.acceptStream(stream, remote, person),
        ...(routes.length === 0 ? {} : { connector: new ConnectorDialer(routes) }),
        log,
        random: Math.random,
        links: tunnelLinks,
      });
      if (routes.length > 0) {
        log(
          `tunnel: a connector for ${routes.map((route) => `${route.network}/${route.prefix}`).join(', ')}`,
        );
      }
    } else if (routes.length > 0) {
      throw new LatchkeyError(
        'invalid_argument',
        '--route needs the tunnel and the SSH front (no --no-tunnel)',
      );
    }
  } catch (error) {
    fail(error);
  }
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      stop.abort();
    });
  }
  await Promise.all([
    daemon.run(stop.signal),
    recording.run(stop.signal),
    front?.run(stop.signal),
    tunnel?.run(stop.signal),
  ]);
  await front?.front.close();
  process.exit(0);
});

agentOptions(program.command('apply').description('one cycle, then exit (0 when sshd trusts the CA)')).action(
  async (options: RawAgentOptions) => {
    try {
      const config = parseAgentConfig(options);
      warnLegacyFlags(config);
      const daemon = await buildDaemon(config, null);
      // The whole cycle under the lock (not only the change): one `apply` at a time, and none while
      // the daemon changes sshd; a person is waiting, so it fails at once instead of queueing.
      const { ok, status } = await new ApplyLockFile(config.stateDir).withLock(() => daemon.cycle());
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      process.exit(ok ? 0 : status.serverReachable ? EXIT_FAILURE : EXIT_UNAVAILABLE);
    } catch (error) {
      fail(error);
    }
  },
);

sshdOptions(
  program.command('uninstall').description("put sshd's files back as they were before Latchkey"),
).action(async (options: RawAgentOptions) => {
  try {
    const config = parseAgentConfig(options);
    const host = nodeSshdHost();
    const facts = await readOsFacts(host.files, host.commands);
    const result = await new ApplyLockFile(config.stateDir).withLock(() =>
      uninstallCaTrust({ host, facts, paths: config.sshd }),
    );
    for (const line of result.journal) log(line);
    if (result.status === 'rolled_back') {
      log(`uninstall failed at ${result.failure.stage}: ${result.failure.message}; nothing was changed`);
      process.exit(EXIT_FAILURE);
    }
    process.stdout.write(
      result.status === 'applied' ? "sshd's files are restored\n" : 'nothing to restore\n',
    );
  } catch (error) {
    fail(error);
  }
});

stateDirOption(
  program.command('status').description('the enrolment (without its secret) and the last cycle'),
).action(async (options: RawAgentOptions) => {
  try {
    const config = parseAgentConfig(options);
    const state = new AgentStateFiles(nodeSshdHost().files, config.stateDir);
    const enrolment = await state.readEnrolment();
    const { apiToken: _secret, ...shown } = enrolment ?? { apiToken: '' };
    void _secret;
    const status = {
      enrolled: enrolment !== undefined,
      ...(enrolment === undefined ? {} : { enrolment: shown }),
      registration: (await state.readRegistration()) ?? null,
      last_cycle: (await state.readStatus()) ?? null,
    };
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  } catch (error) {
    fail(error);
  }
});

stateDirOption(
  program
    .command('break-glass')
    .description('let sessions in under strict recording while their logs cannot be kept (root only)')
    .option('--for <duration>', 'how long, e.g. 30m or 2h (default 30m, at most 24h)')
    .option('--reason <text>', 'why, kept with it and shown to the users it lets in')
    .option('--end', 'end the break-glass now'),
).action(async (options: RawAgentOptions & { for?: string; reason?: string; end?: boolean }) => {
  try {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new LatchkeyError('permission_denied', 'break-glass is for root: run it with sudo');
    }
    const config = parseAgentConfig({
      ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
    });
    const deps = { files: new NodeRecordingStateFiles(config.stateDir), now: () => new Date(), log };
    if (options.end === true) {
      await endBreakGlass(deps);
      process.stdout.write('break-glass ended\n');
    } else {
      const breakGlass = await startBreakGlass(deps, parseBreakGlassDuration(options.for), options.reason);
      process.stdout.write(`break-glass until ${breakGlass.until}\n`);
    }
  } catch (error) {
    fail(error);
  }
});

await program.parseAsync(process.argv);
