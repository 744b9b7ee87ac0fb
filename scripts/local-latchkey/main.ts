/**
 * The README's first command (scripts/up.sh runs this): a complete local Latchkey on the embedded
 * defaults, then instructions. In order:
 *
 * 1. the access server (SQLite, built-in accounts) on 127.0.0.1:8443, data in .latchkey-dev/server;
 * 2. through its admin API: the SSH CA, an auditor key pair with session logging on, the demo person (a
 *    built-in account), the app and policy that let that person in as the demo UNIX user;
 * 3. the local target: a private sshd on 127.0.0.1:2222 and a real latchkey-agent, enrolled with a join
 *    token, that registers the target, makes that sshd trust the CA, and keeps its recordings until the
 *    server has them;
 * 4. the VS Code extension's .vsix, built when missing.
 *
 * Ctrl-C (or SIGTERM) stops every process it started, newest first; nothing is left running. Each
 * process logs to .latchkey-dev/logs/. A second start reuses the data and changes nothing that is right.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { AdminApi } from './admin-api.js';
import { Children, type Child } from './children.js';
import { renderInstructions } from './instructions.js';
import { ensureDemoUnixUser, prepareSshd, sshdArguments, sshdTrustsCa } from './local-target.js';
import { recorderCommand, stageRecorder } from './recorder-runtime.js';
import { demoPassword, ensureApp, ensureAuditorKey, ensureCa, joinToken } from './seed.js';
import { localPaths, readSettings, serverUrl } from './settings.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const node = process.execPath;
const SERVER_BIN = resolve(root, 'server/bin/latchkey-server.js');
const AGENT_BIN = resolve(root, 'agent/bin/latchkey-agent.js');

const settings = readSettings(root, process.env);
const paths = localPaths(settings);
const logsDir = resolve(settings.devDir, 'logs');
const auditorTokenFile = resolve(paths.auditorDir, 'api-token');
const fromSource = { ...process.env, LATCHKEY_FROM_SOURCE: '1' };

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
  for (const dir of [settings.devDir, paths.serverData, paths.auditorDir, logsDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  // The runtime dir holds what the demo user's sessions run and read: traversable, not listable by others.
  await mkdir(settings.runtimeDir, { recursive: true, mode: 0o711 });
  await chmod(settings.runtimeDir, 0o711);

  step('staging the session recorder');
  await stageRecorder(root, paths);
  step(`preparing the UNIX user ${settings.demoUnixUser} and the private sshd`);
  await ensureDemoUnixUser(settings.demoUnixUser);
  await prepareSshd(settings, paths);

  step('starting the access server');
  const server = children.start(
    'latchkey-server',
    node,
    [
      SERVER_BIN,
      'start',
      '--data-dir',
      paths.serverData,
      '--listen',
      `${settings.serverListen.host}:${settings.serverListen.port}`,
      // Also the agent's own report (below); this covers certificates issued before its first heartbeat.
      '--recorder-command',
      recorderCommand(paths),
    ],
    resolve(logsDir, 'server.log'),
    { env: fromSource },
  );
  await server.waitFor(/^LISTENING \S+$/m, 60_000);
  const api = new AdminApi(serverUrl(settings), (await readFile(paths.adminToken, 'utf8')).trim());

  step('setting up the CA, session logging, the demo person, the app and its policy');
  await ensureCa(api);
  await ensureAuditorKey(api, paths);
  const password = await demoPassword(paths);
  await ensureDemoPerson(password);
  await ensureApp(api, settings);
  await ensureAuditorToken();

  step('starting the local target: sshd, and the agent that manages it');
  const sshd = children.start('sshd', '/usr/sbin/sshd', sshdArguments(paths), resolve(logsDir, 'sshd.log'));
  await sshd.waitFor(/Server listening on/, 20_000);
  await enrollAgent(api);
  const agent = children.start(
    'latchkey-agent',
    node,
    [AGENT_BIN, 'run', ...agentLocation(), '--interval', '30', '--recorder-command', recorderCommand(paths)],
    resolve(logsDir, 'agent.log'),
    { env: fromSource },
  );
  await waitForTrust(agent);

  const vsixPath = await findOrBuildVsix();
  console.log(renderInstructions({ settings, demoPassword: password, vsixPath, auditorTokenFile, logsDir }));
}

/**
 * The agent's paths for this target: the private sshd's files, not /etc/ssh; the recorders' socket in
 * the runtime dir (sessions run as the demo user reach it), the spool in the private data dir (it
 * survives a reboot, like /var/lib/latchkey-agent on a real host).
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
    '--record-socket',
    paths.spoolSocket,
    '--spool-dir',
    paths.spoolDir,
  ];
}

async function ensureDemoPerson(password: string): Promise<void> {
  const serverArgs = ['--data-dir', paths.serverData];
  const listed = await run(node, [SERVER_BIN, 'user', 'list', ...serverArgs], { env: fromSource });
  const known = listed.stdout.split('\n').some((line) => line.split('\t')[0] === settings.demoEmail);
  const action = known ? 'reset' : 'add';
  await new Promise<void>((done, fail) => {
    const child = execFile(
      node,
      [SERVER_BIN, 'user', action, settings.demoEmail, ...serverArgs],
      { env: fromSource },
      (error, _out, stderr) =>
        error === null
          ? done()
          : fail(new Error(`latchkey-server user ${action}: ${stderr || error.message}`)),
    );
    child.stdin!.end(`${password}\n`);
  });
}

/** An API token that can only read session logs, for the auditor's commands. */
async function ensureAuditorToken(): Promise<void> {
  if (existsSync(auditorTokenFile)) return;
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
    { env: fromSource },
  );
  await writeFile(auditorTokenFile, `${created.stdout.trim()}\n`, { mode: 0o600 });
}

/** Enrols once; a second start finds the agent's credential in its state directory. */
async function enrollAgent(api: AdminApi): Promise<void> {
  if (existsSync(resolve(paths.agentState, 'enrolment.json'))) return;
  await run(
    node,
    [
      AGENT_BIN,
      'enroll',
      '--server',
      api.url,
      '--token',
      await joinToken(api),
      '--state-dir',
      paths.agentState,
      '--hostname',
      settings.targetHostname,
      '--interface',
      'lo',
    ],
    { env: fromSource },
  );
}

async function waitForTrust(agent: Child): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await sshdTrustsCa(paths))) {
    if (Date.now() > deadline) {
      throw new Error(
        `the agent did not make sshd trust the CA within 60 s; its log (${agent.logFile}) ends:\n${agent.output().slice(-2000)}`,
      );
    }
    await new Promise((done) => setTimeout(done, 250));
  }
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
