/**
 * One agent-managed target on this machine for the front benchmarks, everything real, wired as
 * test/e2e/front/front-fixture.ts does: the latchkey-server executable (SQLite in a temp dir), a built-in
 * person with a policy for one UNIX user, a session-log key (recording on), a private sshd (the test
 * harness's), and `latchkey-agent run --front-listen 127.0.0.1:0` enrolled with a join token, managing that
 * sshd. The front's host key comes from GET /v1/me/targets, certificates from POST /v1/me/certificates.
 *
 * The baseline is the same sshd reached straight, with a plain key in the user's authorized_keys
 * ("unrecorded ssh straight to sshd"). Both sides get the same OpenSSH client options.
 *
 * The agent runs as it ships by default (`packaged`: scripts/package-agent.mjs's tarball, its own Node 24,
 * the wrapper's flags and malloc settings, ssh2's crypto binding built for that Node); `bundle` is an esbuild bundle on this
 * Node (with ssh2's native binding, as a host with build tools would have); `source` runs the TypeScript
 * through tsx as the e2e tests do; `rebuilt` is the package's Node, flags and malloc settings running a
 * bundle built here the way scripts/package-agent.mjs builds it (one file), optionally from patched
 * sources (BENCH_AGENT_PATCH=FILE.json: a list of SourcePatch) and with other Node flags
 * (BENCH_AGENT_NODE_FLAGS, instead of the wrapper's), and without the package's ssh2 crypto binding
 * (BENCH_AGENT_SSH2_BINDING=0: what the binding saves): how a change to the front is measured before it
 * is made. BENCH_AGENT_NODE_OPTIONS is the agent's NODE_OPTIONS (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`: the profile is written when the bench stops the agent).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { encodeAuditorKey, generateHpkeKeyPair } from '@latchkey/shared';
import {
  createTestUser,
  findFreePort,
  generateKeyWithSshKeygen,
  registerCleanup,
  removeTestUser,
  runCommand,
  startSshd,
  writeAuthorizedKeys,
  type RunningSshd,
  type TestUser,
} from '../../test/harness/index.js';
import { getJson, postJson, signInBuiltIn } from '../../test/server/sign-in/sign-in-client.js';
import {
  api,
  runServerCommand,
  startServerProcess,
  type Json,
  type ServerProcess,
} from '../../test/e2e/server/server-process.js';

export type AgentKind = 'packaged' | 'rebuilt' | 'bundle' | 'source';

/**
 * A change to the agent's sources for an experiment (`rebuilt` only): in `file` (relative to the checkout),
 * `find` (exact text, which must occur) becomes `replace`. The checkout is not touched: the bundle is built
 * from patched text in memory.
 */
export interface SourcePatch {
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

export const PERSON = { email: 'bench@corp.example', password: 'bench@corp.example long password' };
export const HOSTNAME = 'bench-1';

const ROOT = new URL('../..', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FrontWorld {
  readonly base: string;
  /** The server process now (restartServer replaces it, on the same port and data). */
  readonly server: ServerProcess;
  readonly user: TestUser;
  readonly sshd: RunningSshd;
  readonly agentKind: AgentKind;
  /** The agent daemon's pid (the wrapper execs the packaged Node, so it is the daemon itself). */
  readonly agentPid: number;
  agentOutput(): string;
  /** How the agent ended, or undefined while it runs. */
  agentExit(): string | undefined;
  readonly frontPort: number;
  readonly targetId: string;
  readonly spoolDir: string;
  readonly stateDir: string;
  /** The account's SSH CA (what an sshd without an agent trusts). */
  readonly accountCaPublicKey: string;
  /** OpenSSH options (no port, no destination) for the front: the person's key and a fresh certificate. */
  frontOptions(): Promise<string[]>;
  /** OpenSSH options (no port, no destination) for sshd straight: the plain key. */
  directOptions(): string[];
  /** The person's access token (for latchkey CLI homes and API calls). */
  accessToken(): Promise<string>;
  admin(method: string, route: string, body?: unknown): Promise<Json>;
  /** Turns session recording on or off (the account's session-log key) and waits until the agent follows. */
  setRecording(on: boolean): Promise<void>;
  /** Waits until the spool holds no logs (the agent uploaded them all), so a run does not pay for the last. */
  spoolSettled(timeoutMs?: number): Promise<void>;
  /**
   * Ends the server (SIGKILL, a crash, or SIGTERM, an orderly stop that tells agents to move) and starts
   * it again on the same port and data directory; resolves with when it went and when it listened again
   * (performance.now()).
   */
  restartServer(how: 'kill' | 'stop'): Promise<{ gone: number; listening: number }>;
  stop(): Promise<void>;
}

/** The OpenSSH options both sides share: no config, no agent, pinned host key, no multiplexing. */
function commonOptions(knownHostsFile: string): string[] {
  return [
    ...['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none'],
    ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHostsFile}`],
    ...['-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'UpdateHostKeys=no'],
    ...['-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-o', 'LogLevel=ERROR'],
  ];
}

async function agentCommand(kind: AgentKind, base: string): Promise<string[]> {
  if (kind === 'source') return [process.execPath, `${ROOT}agent/bin/latchkey-agent.js`];
  if (kind === 'rebuilt') {
    const [packaged] = await agentCommand('packaged', base);
    const packageDir = path.dirname(path.dirname(packaged!));
    const bundle = path.join(packageDir, 'lib', 'bench-main.mjs');
    const patches: SourcePatch[] =
      process.env.BENCH_AGENT_PATCH === undefined
        ? []
        : JSON.parse(await readFile(process.env.BENCH_AGENT_PATCH, 'utf8'));
    const lazyModulesPath = '../../scripts/esbuild-lazy-modules.mjs';
    const { lazyModules } = (await import(lazyModulesPath)) as {
      lazyModules: (modules: Record<string, 'default' | string[]>) => Plugin;
    };
    const applied = new Set<SourcePatch>();
    await build({
      entryPoints: [`${ROOT}agent/src/main.ts`],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      conditions: ['latchkey-source'],
      external: ['node-pty', 'systeminformation', 'cpu-features', '*.node'],
      // BENCH_AGENT_MINIFY=0 keeps the names (for CPU profiles).
      minify: process.env.BENCH_AGENT_MINIFY !== '0',
      banner: {
        js: "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url); const __filename = import.meta.filename; const __dirname = import.meta.dirname;",
      },
      plugins: [
        lazyModules({ sshpk: 'default' }),
        {
          name: 'bench-source-patches',
          setup(pluginBuild) {
            // agent/src, and ssh2's own files (to measure a change to patches/ssh2+1.17.0.patch)
            pluginBuild.onLoad(
              { filter: /\/(agent\/src\/.*\.ts|node_modules\/ssh2\/lib\/.*\.js)$/ },
              async (args) => {
                const mine = patches.filter((patch) => path.resolve(ROOT, patch.file) === args.path);
                if (mine.length === 0) return undefined;
                let text = await readFile(args.path, 'utf8');
                for (const patch of mine) {
                  if (!text.includes(patch.find))
                    throw new Error(`${patch.file}: no ${JSON.stringify(patch.find)}`);
                  text = text.replace(patch.find, patch.replace);
                  applied.add(patch);
                }
                return { contents: text, loader: args.path.endsWith('.js') ? 'js' : 'ts' };
              },
            );
          },
        },
      ],
      logLevel: 'error',
    });
    if (applied.size !== patches.length) throw new Error('a source patch was not applied');
    const node = path.join(packageDir, 'node', 'bin', 'node');
    if (process.env.BENCH_AGENT_SSH2_BINDING === '0') {
      // The package's ssh2 crypto binding, where the bundled ssh2 looks for it
      // (`require('./crypto/build/Release/sshcrypto.node')`, relative to the bundle): gone for this run.
      await rm(path.join(packageDir, 'lib', 'crypto'), { recursive: true, force: true });
    }
    const flags = (process.env.BENCH_AGENT_NODE_FLAGS ?? '--max-semi-space-size=1')
      .split(/\s+/)
      .filter((f) => f !== '');
    return [node, ...flags, bundle];
  }
  if (kind === 'bundle') {
    process.env.NODE_PATH = `${ROOT}node_modules`;
    const bundle = path.join(base, 'latchkey-agent.mjs');
    await build({
      entryPoints: [`${ROOT}agent/src/main.ts`],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      conditions: ['latchkey-source'],
      // Native and optional parts resolved from node_modules at run time, as on a host with build tools.
      external: ['systeminformation', 'ssh2', 'cpu-features', 'node-pty'],
      banner: {
        js: "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    // ESM resolution ignores NODE_PATH: the bundle sits where it finds the checkout's node_modules.
    const placed = `${ROOT}node_modules/.cache/latchkey-bench-agent-${process.pid}.mjs`;
    await mkdir(path.dirname(placed), { recursive: true });
    await writeFile(placed, await readFile(bundle));
    registerCleanup('bench agent bundle', () => rm(placed, { force: true }));
    return [process.execPath, '--max-semi-space-size=1', placed];
  }
  // BENCH_AGENT_TARBALL: an agent package already built (for `rebuilt`, only its Node and ssh2's
  // binding are used), e.g. while the tree does not package.
  const tarball = process.env.BENCH_AGENT_TARBALL ?? `${ROOT}dist/latchkey-agent-linux-x64.tar.gz`;
  if (process.env.BENCH_AGENT_TARBALL === undefined) {
    const built = await runCommand(process.execPath, [`${ROOT}scripts/package-agent.mjs`, '--quiet'], {
      timeoutMs: 900_000,
    });
    if (built.code !== 0) throw new Error(`packaging the agent failed: ${built.stderr}`);
  }
  const unpacked = await runCommand('tar', ['-xzf', tarball, '-C', base]);
  if (unpacked.code !== 0) throw new Error(unpacked.stderr);
  return [path.join(base, 'latchkey-agent/bin/latchkey-agent')];
}

/** `agentArgs`: more `latchkey-agent run` options (e.g. a connector's `--route`). */
export async function startFrontWorld(
  options: { agent?: AgentKind; log?: (line: string) => void; agentArgs?: string[] } = {},
) {
  const log = options.log ?? ((line: string) => console.log(line));
  const agentKind = options.agent ?? 'packaged';
  const base = await mkdtemp(path.join(tmpdir(), 'latchkey-front-bench-'));
  const baseCleanup = registerCleanup(`front bench dir ${base}`, () =>
    rm(base, { recursive: true, force: true }),
  );
  await chmod(base, 0o755);
  const clientDir = path.join(base, 'client');
  await mkdir(clientDir, { mode: 0o700 });

  log(`agent: ${agentKind}; building/starting…`);
  const command = await agentCommand(agentKind, base);

  const port = await findFreePort('127.0.0.1');
  const serverDir = path.join(base, 'server');
  const serverArgs = ['--data-dir', serverDir, '--listen', `127.0.0.1:${port}`];
  let server = await startServerProcess(serverArgs);
  const adminToken = (await readFile(path.join(serverDir, 'admin.token'), 'utf8')).trim();
  const accounts = await api(server, 'GET', '/client/v4/accounts', adminToken);
  const accountBase = `/client/v4/accounts/${accounts.body.result[0].id}`;
  const admin = async (method: string, route: string, body?: unknown): Promise<Json> => {
    const answer = await api(server, method, `${accountBase}${route}`, adminToken, body);
    if (answer.status >= 300) throw new Error(`${method} ${route}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  };
  const added = await runServerCommand(
    ['user', 'add', PERSON.email, '--data-dir', serverDir],
    30_000,
    `${PERSON.password}\n`,
  );
  if (added.code !== 0) throw new Error(added.stderr);
  const accountCa = (await admin('POST', '/access/gateway_ca')).public_key as string;
  const auditor = generateHpkeKeyPair();
  const auditorKey = encodeAuditorKey(auditor.publicKey);
  await admin('PUT', '/gateway/audit_ssh_settings', { public_key: auditorKey });

  const user = await createTestUser();
  await writeFile(path.join(user.home, '.bashrc'), "PS1='[lk-prompt] '\n");
  await chown(path.join(user.home, '.bashrc'), user.uid, user.gid);
  await admin('POST', '/access/apps', {
    name: `${HOSTNAME} over ssh`,
    type: 'infrastructure',
    target_criteria: [{ target_attributes: { hostname: [HOSTNAME] }, port: 22, protocol: 'SSH' }],
    policies: [
      {
        name: PERSON.email,
        decision: 'allow',
        include: [{ email: { email: PERSON.email } }],
        connection_rules: { ssh: { usernames: [user.name] } },
      },
    ],
  });

  const sshd = await startSshd({
    logLevel: 'INFO',
    settings: { MaxStartups: '400:30:1000', MaxSessions: 400 },
  });
  const stateDir = path.join(base, 'state');
  const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: HOSTNAME })).token;
  // The wrapper's malloc settings for `run` (the packaged wrapper sets them itself).
  const env = {
    ...process.env,
    LATCHKEY_FROM_SOURCE: '1',
    ...(agentKind === 'rebuilt' ? { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '65536' } : {}),
  };
  const enrolled = await runCommand(
    command[0]!,
    [
      ...command.slice(1),
      ...['enroll', '--server', server.url, '--token', joinToken, '--state-dir', stateDir],
      ...['--hostname', HOSTNAME, '--interface', 'lo'],
    ],
    { env, timeoutMs: 60_000 },
  );
  if (enrolled.code !== 0) throw new Error(`enrol: ${enrolled.stderr}`);
  const agentNodeOptions = process.env.BENCH_AGENT_NODE_OPTIONS;
  const agent: ChildProcess = spawn(
    command[0]!,
    [
      ...command.slice(1),
      'run',
      ...['--state-dir', stateDir, '--sshd-config', sshd.configPath, '--ssh-dir', sshd.dir],
      ...['--ca-path', `${sshd.dir}/ca.pub`, '--sshd-pid-file', `${sshd.dir}/sshd.pid`],
      ...['--interval', '2', '--front-listen', '127.0.0.1:0'],
      ...(options.agentArgs ?? []),
    ],
    {
      env: { ...env, ...(agentNodeOptions === undefined ? {} : { NODE_OPTIONS: agentNodeOptions }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  agent.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  agent.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // BENCH_AGENT_OUTPUT=FILE: the agent's output (e.g. with BENCH_AGENT_NODE_OPTIONS=--trace-gc) kept there.
  const outputFile = process.env.BENCH_AGENT_OUTPUT;
  if (outputFile !== undefined) {
    const copy = createWriteStream(outputFile);
    agent.stdout!.pipe(copy);
    agent.stderr!.pipe(copy);
  }
  const agentExited = new Promise<void>((resolve) => agent.on('close', () => resolve()));
  const stopAgent = async () => {
    if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGTERM');
    const timer = setTimeout(() => agent.kill('SIGKILL'), 10_000);
    await agentExited;
    clearTimeout(timer);
  };
  const agentCleanup = registerCleanup('bench agent', stopAgent);
  const waitForOutput = async (pattern: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (Date.now() > deadline || agent.exitCode !== null) {
        throw new Error(`no ${pattern} from the agent within ${timeoutMs} ms; it said:\n${output}`);
      }
      await sleep(50);
    }
  };
  await waitForOutput(/sshd now trusts the CA/, 60_000);
  await waitForOutput(/session recording is on/, 60_000);
  const frontPort = Number(/ssh front listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
  const targets = (await admin('GET', `/infrastructure/targets?hostname=${HOSTNAME}`)) as Json[];
  if (targets.length !== 1) throw new Error(`${HOSTNAME} is not registered:\n${output}`);
  const targetId = targets[0].id as string;

  let token: { value: string; at: number } | undefined;
  const accessToken = async () => {
    if (token === undefined || Date.now() - token.at > 5 * 60_000) {
      token = {
        value: (await signInBuiltIn(server.url, PERSON.email, PERSON.password)).access_token,
        at: Date.now(),
      };
    }
    return token.value;
  };
  let frontHostKey: string | undefined;
  for (const deadline = Date.now() + 60_000; frontHostKey === undefined;) {
    const answer = await getJson(server.url, '/v1/me/targets', await accessToken());
    const entry = (answer.body.result as Json[]).find((t) => t.hostname === HOSTNAME);
    if (entry?.front !== undefined) {
      if (entry.port !== frontPort) throw new Error(`listed port ${entry.port}, front ${frontPort}`);
      frontHostKey = entry.front.host_key as string;
    } else if (Date.now() > deadline) throw new Error(`the front is not in the target list:\n${output}`);
    else await sleep(200);
  }

  const frontKnownHosts = path.join(clientDir, 'known_hosts-front');
  await writeFile(frontKnownHosts, `[127.0.0.1]:${frontPort} ${frontHostKey}\n`);
  const directKnownHosts = path.join(clientDir, 'known_hosts-direct');
  await writeFile(directKnownHosts, `${sshd.knownHostsLine()}\n`);
  const frontKey = path.join(clientDir, 'id_front');
  await generateKeyWithSshKeygen(frontKey);
  const plainKey = await generateKeyWithSshKeygen(path.join(clientDir, 'id_plain'), 'ed25519');
  await writeAuthorizedKeys(user, [plainKey.publicKey]);

  let certificate: { file: string; at: number } | undefined;
  let serial = 0;
  const certificateFile = async () => {
    // Certificates last 5 minutes by default: a fresh one every 2.
    if (certificate === undefined || Date.now() - certificate.at > 2 * 60_000) {
      const issued = await postJson(server.url, '/v1/me/certificates', await accessToken(), {
        target_id: targetId,
        username: user.name,
        public_key: (await readFile(`${frontKey}.pub`, 'utf8')).trim(),
      });
      if (issued.status !== 200) throw new Error(JSON.stringify(issued.body));
      const file = path.join(clientDir, `cert-${++serial}-cert.pub`);
      await writeFile(file, `${issued.body.result.certificate}\n`);
      certificate = { file, at: Date.now() };
    }
    return certificate.file;
  };

  const spoolDir = path.join(stateDir, 'spool');
  const recordingFile = path.join(stateDir, 'recording.json');
  const world: FrontWorld = {
    base,
    get server() {
      return server;
    },
    user,
    sshd,
    agentKind,
    agentPid: agent.pid!,
    agentOutput: () => output,
    agentExit: () =>
      agent.exitCode !== null
        ? `exit code ${agent.exitCode}`
        : agent.signalCode !== null
          ? `signal ${agent.signalCode}`
          : undefined,
    frontPort,
    targetId,
    spoolDir,
    stateDir,
    accountCaPublicKey: accountCa,
    async frontOptions() {
      return [
        ...commonOptions(frontKnownHosts),
        ...['-o', `IdentityFile=${frontKey}`, '-o', `CertificateFile=${await certificateFile()}`],
      ];
    },
    directOptions() {
      return [...commonOptions(directKnownHosts), '-o', `IdentityFile=${plainKey.privateKeyPath}`];
    },
    accessToken,
    admin,
    async setRecording(on) {
      await admin('PUT', '/gateway/audit_ssh_settings', { public_key: on ? auditorKey : '' });
      const deadline = Date.now() + 30_000;
      for (;;) {
        const text = await readFile(recordingFile, 'utf8').catch(() => '');
        if (text.includes(auditorKey) === on) return;
        if (Date.now() > deadline)
          throw new Error(`the agent did not turn recording ${on ? 'on' : 'off'}: ${text}`);
        await sleep(100);
      }
    },
    async spoolSettled(timeoutMs = 60_000) {
      const { readdir } = await import('node:fs/promises');
      const deadline = Date.now() + timeoutMs;
      while ((await readdir(spoolDir).catch(() => [])).length > 0) {
        if (Date.now() > deadline) throw new Error(`the spool still holds logs after ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    async restartServer(how) {
      if (how === 'kill') await server.kill();
      else await server.stop();
      const gone = performance.now();
      server = await startServerProcess(serverArgs);
      return { gone, listening: performance.now() };
    },
    async stop() {
      await stopAgent();
      agentCleanup.release();
      await sshd.stop();
      await server.stop();
      await removeTestUser(user);
      await rm(base, { recursive: true, force: true });
      baseCleanup.release();
    },
  };
  return world;
}

// --- measuring helpers shared by the front benchmarks ---

const CLOCK_TICKS = 100;

/** utime + stime of a process, in seconds. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** VmRSS and VmHWM of a process, in MB. */
export async function processMemoryMb(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Busy and total jiffies of the whole machine (/proc/stat's first line). */
export async function machineJiffies(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = values[3]! + values[4]!;
  return { busy: total - idle, total };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function loadAverage(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
}
