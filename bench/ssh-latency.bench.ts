/**
 * `latchkey ssh` latency (issues 4 and 19): the time from starting `latchkey ssh TARGET -- echo ready` until
 * the remote command's output arrives (the remote shell is running: what a prompt waits for) and until the
 * process has exited, against a plain key-based `ssh user@127.0.0.1 echo ready` straight to the same sshd
 * (target: at most 1.3×).
 *
 * The target is agent-managed (bench/support/front-world.ts: a real latchkey-server process, a real sshd,
 * `latchkey-agent run` as it ships, with its SSH front): `latchkey ssh` connects to the agent's front, which
 * logs in to sshd over loopback and records the session. Measured side by side in one run, each round
 * running every command once in turn (so load from other work hits them alike):
 *  - ssh, key in authorized_keys, straight to sshd (OpenSSH's default kex: sntrup761x25519): the baseline;
 *  - the same with `-o KexAlgorithms=curve25519-sha256`, what the front's ssh2 can offer;
 *  - ssh with a certificate file through the front (the front's share without the CLI);
 *  - `latchkey ssh` to the fronted target;
 *  - `latchkey ssh` to a target without an agent (a second sshd trusting the account CA: Cloudflare's
 *    model), unless --no-unfronted;
 *  - `latchkey whoami` (Node start-up and one authenticated request).
 *
 * latchkey's extra work per connection: Node start-up, its one-key agent's socket, a fresh Ed25519 key pair,
 * POST /v1/me/certificates over real HTTP on 127.0.0.1 (and GET /v1/me/targets when its 5-minute target
 * list is missing: the warm-up runs fill it, as a person's first connection would). The CLI runs as
 * `npm run build` ships it (scripts/build.mjs: one CommonJS bundle run through V8's code cache), built into
 * a temp dir. The person's ssh runs with the CLI home's environment (no ~/.ssh/config); the plain ssh gets
 * the same (no -F: /etc/ssh/ssh_config applies to both).
 *
 *   node --conditions=latchkey-source --import tsx bench/ssh-latency.bench.ts [--runs 30]
 *        [--agent packaged|bundle|source] [--no-unfronted]
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  generateKeyWithSshKeygen,
  runCleanups,
  runCommand,
  startSshd,
  writeAuthorizedKeys,
  type RunningSshd,
} from '../test/harness/index.js';
import { loginWithDeviceFlow, makeCliHome } from '../test/e2e/cli/latchkey-cli.js';
import {
  HOSTNAME,
  PERSON,
  loadAverage,
  median,
  percentile,
  startFrontWorld,
  type AgentKind,
  type FrontWorld,
} from './support/front-world.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    agent: { type: 'string', default: 'packaged' },
    'no-unfronted': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const WARM_UP = 3;
const UNFRONTED = 'plain-1';

interface Timing {
  /** Until the remote command's first output: the remote shell is running (what "a prompt" needs). */
  toOutput: number;
  /** Until the local process has exited (also its own tear-down). */
  toExit: number;
}

/** Runs `file args`, whose remote command prints "ready"; times the first output and the exit. */
function timed(file: string, args: string[], env: NodeJS.ProcessEnv, expect = 'ready\n'): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let toOutput: number | undefined;
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      toOutput ??= since();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const toExit = since();
      if (code !== 0 || (expect !== '' && stdout !== expect) || toOutput === undefined) {
        reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${stdout}${stderr}`));
      } else resolve({ toOutput, toExit });
    });
  });
}

let world: FrontWorld | undefined;
let plainSshd: RunningSshd | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: cleaning up`);
    void (async () => {
      await plainSshd?.stop().catch(() => undefined);
      await world?.stop().catch(() => undefined);
      await runCleanups();
      process.exit(130);
    })();
  });
}
try {
  world = await startFrontWorld({
    agent: values.agent as AgentKind,
    log: (line) => console.log(`  ${line}`),
  });
  const { user, sshd } = world;
  const dir = world.base;

  if (!values['no-unfronted']) {
    // A target without an agent: its sshd trusts the account CA (certificates name only the UNIX user).
    await writeFile(`${dir}/account-ca.pub`, `${world.accountCaPublicKey}\n`);
    plainSshd = await startSshd({
      logLevel: 'VERBOSE',
      settings: { TrustedUserCAKeys: `${dir}/account-ca.pub` },
    });
    const vnet = await world.admin('POST', '/teamnet/virtual_networks', { name: 'no-agent' });
    await world.admin('POST', '/infrastructure/targets', {
      hostname: UNFRONTED,
      ip: { ipv4: { ip_addr: '127.0.0.1', virtual_network_id: vnet.id } },
    });
    await world.admin('POST', '/access/apps', {
      name: `${UNFRONTED} over ssh`,
      type: 'infrastructure',
      target_criteria: [
        { target_attributes: { hostname: [UNFRONTED] }, port: plainSshd.port, protocol: 'SSH' },
      ],
      policies: [
        {
          name: PERSON.email,
          decision: 'allow',
          include: [{ email: { email: PERSON.email } }],
          connection_rules: { ssh: { usernames: [user.name] } },
        },
      ],
    });
  }

  const cli = await makeCliHome(`${dir}/cli`, world.server.url);
  const login = await loginWithDeviceFlow(cli, PERSON);
  if (login.code !== 0) throw new Error(`login failed: ${login.stderr}`);

  // The CLI as `npm run build` ships it (scripts/build.mjs): the CommonJS bundle and the entry that runs
  // it through V8's code cache (written under the CLI home's ~/.cache on the first warm-up run).
  const cliDist = `${dir}/cli-dist`;
  const built = await runCommand(
    process.execPath,
    [new URL('../scripts/build.mjs', import.meta.url).pathname, '--cli-out', cliDist],
    { cwd: new URL('..', import.meta.url).pathname, timeoutMs: 300_000 },
  );
  if (built.code !== 0) throw new Error(`building the CLI failed: ${built.stderr}`);
  const bundle = `${cliDist}/main.js`;
  const env = { ...cli.env, LATCHKEY_FROM_SOURCE: undefined };

  // The baseline: a key in authorized_keys, the same sshd, the client options the original bench used.
  const key = await generateKeyWithSshKeygen(`${dir}/id_baseline`, 'ed25519');
  const authorized = await readFile(`${user.home}/.ssh/authorized_keys`, 'utf8');
  await writeAuthorizedKeys(user, [...authorized.trim().split('\n'), key.publicKey]);
  const knownHosts = `${dir}/known_hosts-baseline`;
  await writeFile(knownHosts, `${HOSTNAME} ${sshd.hostKey}\n`);
  const plainArgs = (extra: string[] = []) => [
    ...['-i', key.privateKeyPath, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHosts}`],
    ...['-o', 'StrictHostKeyChecking=accept-new', '-o', `HostKeyAlias=${HOSTNAME}`, ...extra],
    ...['-p', String(sshd.port), '--', `${user.name}@${sshd.host}`, 'echo', 'ready'],
  ];

  type Command = { name: string; run: () => Promise<Timing> };
  const baselineCommand: Command = {
    name: 'ssh straight to sshd (key)',
    run: () => timed('ssh', plainArgs(), env),
  };
  const whoami: Command = {
    name: 'latchkey whoami (start-up + 1 GET)',
    run: () => timed(process.execPath, [bundle, 'whoami'], env, ''),
  };
  const sshVersion = (await runCommand('ssh', ['-V'])).stderr.trim();

  /** Runs the commands in turn, RUNS rounds after WARM_UP, and prints the table; the first is the baseline. */
  const phase = async (title: string, commands: Command[]) => {
    for (let i = 0; i < WARM_UP; i++) for (const command of commands) await command.run();
    const timings = new Map<string, Timing[]>(commands.map((c) => [c.name, []]));
    const loads: string[] = [await loadAverage()];
    for (let i = 0; i < RUNS; i++) {
      for (const command of commands) timings.get(command.name)!.push(await command.run());
      if (i % 10 === 9) loads.push(await loadAverage());
    }
    console.log(
      `\n${title}: ${RUNS} alternating runs each (after ${WARM_UP} warm-up), agent ${world!.agentKind}, node ${process.version}, ${sshVersion}`,
    );
    console.log(`load average (1 5 15 min) during the runs: ${loads.join(' → ')}`);
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    const baseline = timings.get(commands[0]!.name)!;
    const sameKex = timings.get('the same, kex curve25519-sha256');
    console.log(
      `| command | to output: median (p90) | to exit: median (p90) | ratio to output (medians) | paired median ratio to output |${sameKex === undefined ? '' : ' vs curve25519 ssh (medians) |'}`,
    );
    console.log(`|---|---|---|---|---|${sameKex === undefined ? '' : '---|'}`);
    for (const command of commands) {
      const t = timings.get(command.name)!;
      const out = t.map((x) => x.toOutput);
      const exit = t.map((x) => x.toExit);
      const isWhoami = command === whoami;
      const ratio = (of: Timing[]) => (median(out) / median(of.map((x) => x.toOutput))).toFixed(2);
      const paired = median(out.map((value, i) => value / baseline[i]!.toOutput));
      console.log(
        `| ${command.name} | ${isWhoami ? '–' : `${ms(median(out))} (${ms(percentile(out, 90))})`} | ${ms(median(exit))} (${ms(percentile(exit, 90))}) | ${isWhoami ? '–' : `${ratio(baseline)}×`} | ${isWhoami ? '–' : `${paired.toFixed(2)}×`} |${sameKex === undefined ? '' : ` ${isWhoami ? '–' : `${ratio(sameKex)}×`} |`}`,
      );
    }
  };

  await phase('the fronted target, sessions recorded', [
    baselineCommand,
    {
      name: 'the same, kex curve25519-sha256',
      run: () => timed('ssh', plainArgs(['-o', 'KexAlgorithms=curve25519-sha256']), env),
    },
    {
      name: 'ssh with a certificate to the front',
      run: async () =>
        timed(
          'ssh',
          [
            ...(await world!.frontOptions()),
            '-p',
            String(world!.frontPort),
            `${user.name}@127.0.0.1`,
            'echo',
            'ready',
          ],
          env,
        ),
    },
    {
      name: `latchkey ssh ${HOSTNAME} (fronted)`,
      run: () => timed(process.execPath, [bundle, 'ssh', HOSTNAME, '--', 'echo', 'ready'], env),
    },
    whoami,
  ]);
  if (plainSshd !== undefined) {
    // A target without an agent gets the recorder's force-command while the account records, and no
    // recorder runs here: this phase runs with recording off, as the bench before the front did.
    await world.setRecording(false);
    await phase('a target without an agent (sshd trusts the account CA), recording off', [
      baselineCommand,
      {
        name: `latchkey ssh ${UNFRONTED} (no agent)`,
        run: () => timed(process.execPath, [bundle, 'ssh', UNFRONTED, '--', 'echo', 'ready'], env),
      },
      whoami,
    ]);
  }
  console.log('\ntarget: latchkey ssh to the output within 1.3× of ssh straight to sshd (the first row)');
} catch (error) {
  if (plainSshd !== undefined) console.error(`plain sshd log:\n${plainSshd.logs().slice(-3000)}`);
  throw error;
} finally {
  await plainSshd?.stop();
  await world?.stop();
  await runCleanups();
}
