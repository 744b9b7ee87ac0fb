/**
 * The README's first command (scripts/up.sh runs this): a complete local Latchkey on the embedded
 * defaults, then instructions. In order:
 *
 * 1. what an earlier start of this checkout left running (it was killed outright) is stopped, and the
 *    ports are checked to be free;
 * 2. the access server (SQLite, built-in accounts) on 127.0.0.1:8443, data in .latchkey-dev/server;
 * 3. through its admin API: the SSH CA, an auditor key pair with session logging on, the demo person (a
 *    built-in account), the app and policy that let that person in as the demo UNIX user;
 * 4. the local target: a private sshd on 127.0.0.1:2222 and a real latchkey-agent, enrolled with a join
 *    token (again, when its enrolment is not this server's), that registers the target, makes that sshd
 *    trust only its host-local CA, and runs its SSH front on 127.0.0.1:2022: people's certificate logins
 *    go there, are checked, relayed to sshd and recorded into the agent's spool until the server has them;
 * 5. the VS Code extension's .vsix, built when missing.
 *
 * Everything is kept in the data directory (.latchkey-dev/), so every checkout has its own Latchkey.
 * Ctrl-C (or SIGTERM) stops every process it started, newest first; nothing is left running. Each
 * process logs to .latchkey-dev/logs/. A second start reuses the data and changes nothing that is right.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { AdminApi } from './admin-api.js';
import { ensureAgentEnrolment } from './agent-enrolment.js';
import { Children, type Child } from './children.js';
import { renderInstructions } from './instructions.js';
import { findLeftovers, stopLeftovers } from './leftovers.js';
import { ensureDemoUnixUser, prepareSshd, sshdArguments, sshdTrustsCa } from './local-target.js';
import { ensurePortsFree } from './ports.js';
import { readProcesses, showCommand } from './processes.js';
import { demoPassword, ensureApp, ensureAuditorKey, ensureCa } from './seed.js';
import { localPaths, readSettings, serverUrl, showHostPort } from './settings.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const node = process.execPath;
const SERVER_BIN = resolve(root, 'server/bin/latchkey-server.js');
const AGENT_BIN = resolve(root, 'agent/bin/latchkey-agent.js');

const settings = readSettings(root, process.env);
const paths = localPaths(settings);
// The executables run from their bundles, built at every start (about a second, below): a bundle
// starts in a tenth of the time the sources take through tsx, and it is what ships. The `latchkey`
// commands this prints run cli/dist's bundle too.
const { LATCHKEY_FROM_SOURCE: _fromSource, ...bundled } = process.env;

let shuttingDown = false;
const children = new Children((child, how) => {
  console.error(
    `\n${child.name} stopped unexpectedly (${how}); its log is ${child.logFile}. Stopping Latchkey.`,
  );
  void shutDown(1);
});

async function shutDown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    console.log('\nStopping Latchkey…');
    await children.stopAll();
    console.log('Stopped: nothing is left running.');
  }
  process.exit(code);
}

process.on('SIGINT', () => void shutDown(0));
process.on('SIGTERM', () => void shutDown(0));

function step(what: string): void {
  console.log(`• ${what}`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the local target runs a private sshd that logs people in as another UNIX user, and the agent that manages it: ' +
        'both need root. Run: sudo bash scripts/up.sh',
    );
  }
  await stopWhatWasLeftBehind();
  await ensurePortsFree([
    { what: 'the access server', address: settings.serverListen, variable: 'LATCHKEY_LISTEN' },
    { what: "the agent's SSH front", address: settings.frontListen, variable: 'LATCHKEY_FRONT_LISTEN' },
    { what: "the local target's sshd", address: settings.targetListen, variable: 'LATCHKEY_TARGET_LISTEN' },
  ]);
  step('building the access server, the agent and the CLI (node scripts/build.mjs)');
  await run(node, [resolve(root, 'scripts', 'build.mjs')], { cwd: root });
  for (const dir of [settings.devDir, paths.serverData, paths.auditorDir, paths.logsDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }

  step(`preparing the UNIX user ${settings.demoUnixUser} and the private sshd`);
  await ensureDemoUnixUser(settings.demoUnixUser);
  await prepareSshd(settings, paths);

  step('starting the access server');
  const server = children.start(
    'latchkey-server',
    node,
    [SERVER_BIN, 'start', '--data-dir', paths.serverData, '--listen', showHostPort(settings.serverListen)],
    resolve(paths.logsDir, 'server.log'),
    { env: bundled },
  );
  await server.waitFor(/^LISTENING \S+$/m, 60_000);
  const api = new AdminApi(serverUrl(settings), (await readFile(paths.adminToken, 'utf8')).trim());

  step('setting up the CA, session logging, the demo person, the app and its policy');
  await ensureCa(api);
  await ensureAuditorKey(api, paths);
  const passwordIsNew = !existsSync(paths.demoPassword);
  const password = await demoPassword(paths);
  await ensureDemoPerson(password, passwordIsNew);
  // The web console's demo admin and auditor (/console), with the same password.
  await ensureDemoPerson(password, passwordIsNew, settings.consoleAdminEmail, ['latchkey-admins']);
  await ensureDemoPerson(password, passwordIsNew, settings.consoleAuditorEmail, ['latchkey-auditors']);
  await ensureApp(api, settings);
  await ensureAuditorToken();

  step(
    `starting the local target: sshd on ${showHostPort(settings.targetListen)}, and the agent that manages ` +
      `it, with its SSH front on ${showHostPort(settings.frontListen)}`,
  );
  const sshd = children.start(
    'sshd',
    '/usr/sbin/sshd',
    sshdArguments(paths),
    resolve(paths.logsDir, 'sshd.log'),
  );
  await sshd.waitFor(/Server listening on/, 20_000);
  const enrolment = await ensureAgentEnrolment({
    api,
    stateDir: paths.agentState,
    targetHostname: settings.targetHostname,
    enroll: enrollAgent,
  });
  step(`the agent: ${enrolment.said}`);
  const agent = children.start(
    'latchkey-agent',
    node,
    [AGENT_BIN, 'run', ...agentLocation(), '--interval', '30'],
    resolve(paths.logsDir, 'agent.log'),
    { env: bundled },
  );
  await waitForAgent(agent, api, enrolment.agentId);

  const vsixPath = await findOrBuildVsix();
  console.log(
    renderInstructions({
      settings,
      demoPassword: password,
      vsixPath,
      auditorTokenFile: paths.auditorToken,
      logsDir: paths.logsDir,
    }),
  );
}

/**
 * A start that was killed outright leaves its server, sshd and agent running: stop them (by pid), unless
 * the start that made them is still alive, which means this Latchkey is running already.
 */
async function stopWhatWasLeftBehind(): Promise<void> {
  const verdict = findLeftovers(readProcesses(), paths, process.pid);
  if (verdict.kind === 'none') return;
  if (verdict.kind === 'running') {
    throw new Error(
      `this Latchkey (${settings.devDir}) is running already, started by pid ${verdict.main.pid} ` +
        `(${showCommand(verdict.main)}): stop it with Ctrl-C in its terminal, or kill ${verdict.main.pid}`,
    );
  }
  step(
    `stopping what an earlier start left running: ${verdict.leftovers
      .map((leftover) => `${leftover.role} (pid ${leftover.pid})`)
      .join(', ')}`,
  );
  await stopLeftovers(verdict.leftovers);
}

/**
 * The agent's paths for this target: the private sshd's files, not /etc/ssh; its state (credential, front
 * keys) and spool in the data directory, like /var/lib/latchkey-agent on a real host. Its front listens on
 * the front address: people log in there, and it logs in to the private sshd over loopback.
 */
function agentLocation(): string[] {
  return [
    '--state-dir',
    paths.agentState,
    '--sshd-config',
    paths.sshdConfig,
    '--ssh-dir',
    paths.targetDir,
    '--ca-path',
    paths.caPath,
    '--sshd-pid-file',
    paths.sshdPidFile,
    '--spool-dir',
    paths.spoolDir,
    '--front-listen',
    showHostPort(settings.frontListen),
  ];
}

/**
 * A demo account (the demo person unless `email` says another; `groups` when it is added) with the demo
 * password: `user reset` when the data directory had the password already
 * (the person was made by an earlier start), `user add` when it is new; the other one when that fails
 * (the server's data and the password file went separate ways). One command in the usual case: each
 * is a process that loads the server.
 */
async function ensureDemoPerson(
  password: string,
  passwordIsNew: boolean,
  email = settings.demoEmail,
  groups: readonly string[] = [],
): Promise<void> {
  const attempt = (action: 'add' | 'reset') =>
    new Promise<string | undefined>((done) => {
      const child = execFile(
        node,
        [
          SERVER_BIN,
          'user',
          action,
          email,
          '--data-dir',
          paths.serverData,
          ...(action === 'add' ? groups.flatMap((group) => ['--group', group]) : []),
        ],
        { env: bundled },
        (error, _out, stderr) =>
          done(error === null ? undefined : `latchkey-server user ${action}: ${stderr || error.message}`),
      );
      child.stdin!.end(`${password}\n`);
    });
  const [first, second] = passwordIsNew ? (['add', 'reset'] as const) : (['reset', 'add'] as const);
  const failed = await attempt(first);
  if (failed === undefined) return;
  const failedToo = await attempt(second);
  if (failedToo !== undefined) throw new Error(`${failed.trim()}; ${failedToo.trim()}`);
}

/** An API token that can only read session logs, for the auditor's commands. */
async function ensureAuditorToken(): Promise<void> {
  if (existsSync(paths.auditorToken)) return;
  const created = await run(
    node,
    [
      SERVER_BIN,
      'token',
      'create',
      '--data-dir',
      paths.serverData,
      '--name',
      'local auditor',
      '--permission',
      'Access: SSH Auditing: Read',
    ],
    { env: bundled },
  );
  await writeFile(paths.auditorToken, `${created.stdout.trim()}\n`, { mode: 0o600 });
}

/** `latchkey-agent enroll` with a join token, into the agent's state directory. */
async function enrollAgent(joinToken: string): Promise<void> {
  await run(
    node,
    [
      AGENT_BIN,
      'enroll',
      '--server',
      serverUrl(settings),
      '--token',
      joinToken,
      '--state-dir',
      paths.agentState,
      '--hostname',
      settings.targetHostname,
      '--interface',
      'lo',
    ],
    { env: bundled },
  );
}

/**
 * Ready when sshd trusts the agent's host CA and the server knows the agent's front (its heartbeat reported
 * it): from then on `latchkey targets` lists the front's port and host key, and certificates are bound to
 * the target. A refused credential ends the wait at once with what to do.
 */
async function waitForAgent(agent: Child, api: AdminApi, agentId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  const what = () =>
    `the agent did not make sshd trust its host CA and report its SSH front within 60 s; its log (${agent.logFile}) ends:\n${agent.output().slice(-2000)}`;
  for (;;) {
    if (/invalid API token|API token has been revoked/.test(agent.output())) {
      throw new Error(
        `the access server refuses the agent's credential; remove ${paths.enrolment} and start again. ` +
          `Its log (${agent.logFile}) ends:\n${agent.output().slice(-2000)}`,
      );
    }
    if ((await sshdTrustsCa(paths)) && (await frontReported(api, agentId))) return;
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((done) => setTimeout(done, 250));
  }
}

async function frontReported(api: AdminApi, agentId: string): Promise<boolean> {
  const agents = await api.call<{ id: string; front?: { port: number } }[]>('GET', '/latchkey/agents');
  return agents.some((agent) => agent.id === agentId && agent.front?.port === settings.frontListen.port);
}

/** The extension's .vsix: the newest one built, else built now (about half a minute). */
async function findOrBuildVsix(): Promise<string | undefined> {
  const dist = resolve(root, 'extension', 'dist');
  const existing = existsSync(dist)
    ? (await readdir(dist)).filter((name) => name.endsWith('.vsix')).sort()
    : [];
  if (existing.length > 0) return resolve(dist, existing.at(-1)!);
  step('building the VS Code extension (.vsix)');
  try {
    const built = await run(node, [resolve(root, 'extension', 'build.mjs'), '--package'], { cwd: root });
    const match = /\S+\.vsix/.exec(built.stdout);
    return match === null ? undefined : resolve(root, match[0]);
  } catch (error) {
    console.error(`could not build the extension: ${(error as Error).message}`);
    return undefined;
  }
}

main().catch(async (error: unknown) => {
  console.error(`\nLatchkey could not start: ${error instanceof Error ? error.message : String(error)}`);
  await shutDown(1);
});
