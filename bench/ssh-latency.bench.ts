/**
 * `latchkey ssh` latency (issue 4): the time from starting `latchkey ssh web-1 -- echo ready` until the
 * remote command's output arrives (the remote shell is running: what a prompt waits for) and until the
 * process has exited, against a plain key-based `ssh user@127.0.0.1 echo ready` to the same sshd, both
 * through the system OpenSSH client with the same options (known host pinned, one identity). latchkey's extra work per
 * connection: Node start-up, its agent's socket, a fresh Ed25519 key pair, POST /v1/me/certificates
 * (policy evaluation, signing, the audit write) over real HTTP on 127.0.0.1, and GET /v1/me/targets when
 * its target list (kept 5 minutes) is missing: the warm-up runs fill it, as a person's first connection
 * would.
 *
 * The CLI runs as `npm run build` ships it (scripts/build.mjs: one CommonJS bundle with every dependency,
 * run through V8's code cache), built into a temp dir, not through tsx. The runs alternate between the
 * commands so that load from other work on the machine hits them alike. latchkey ssh authenticates
 * through its in-process agent, so ssh starts (from the cached target list) while the certificate is
 * being issued.
 *
 *   node --conditions=latchkey-source --import tsx bench/ssh-latency.bench.ts [--runs N]
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  createTempDir,
  createTestUser,
  generateKeyWithSshKeygen,
  removeTestUser,
  runCommand,
  startSshd,
  runCleanups,
  writeAuthorizedKeys,
} from '../test/harness/index.js';
import { startTestServer } from '../test/server/support/test-server.js';
import { loginWithDeviceFlow, makeCliHome } from '../test/e2e/cli/latchkey-cli.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const RUNS = Number(values.runs);
const WARM_UP = 3;
const HOST = 'web-1';
const PERSON = { email: 'bench@example.com', password: 'bench password 1' };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Timing {
  /** Until the remote command's first output: the remote shell is running (what "a prompt" needs). */
  toOutput: number;
  /** Until the local process has exited (also its own tear-down). */
  toExit: number;
}

/** Runs `file args`, whose remote command prints "ready"; times the first output and the exit. */
function timed(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Timing> {
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
      if (code !== 0 || stdout !== 'ready\n' || toOutput === undefined) {
        reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${stdout}${stderr}`));
      } else resolve({ toOutput, toExit });
    });
  });
}

const dir = await createTempDir('bench-ssh-latency');
const server = await startTestServer({ listen: true });
const user = await createTestUser();
try {
  await server.addUser(PERSON.email, PERSON.password);
  const ca = await server.call('POST', `${server.base}/access/gateway_ca`);
  await writeFile(dir.file('ca.pub'), `${ca.body.result.public_key}\n`);
  const sshd = await startSshd({ settings: { TrustedUserCAKeys: dir.file('ca.pub') } });
  await server.call('POST', `${server.base}/infrastructure/targets`, {
    body: { hostname: HOST, ip: { ipv4: { ip_addr: sshd.host } } },
  });
  const app = await server.call('POST', `${server.base}/access/apps`, {
    body: {
      name: 'bench',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: [HOST] }, port: sshd.port, protocol: 'SSH' }],
      policies: [
        {
          name: 'bench',
          decision: 'allow',
          include: [{ email: { email: PERSON.email } }],
          connection_rules: { ssh: { usernames: [user.name] } },
        },
      ],
    },
  });
  if (app.status !== 200) throw new Error(JSON.stringify(app.body));

  const cli = await makeCliHome(dir.file('cli'), server.url);
  const login = await loginWithDeviceFlow(cli, PERSON);
  if (login.code !== 0) throw new Error(`login failed: ${login.stderr}`);

  // The CLI as `npm run build` ships it (scripts/build.mjs): the CommonJS bundle and the entry that runs
  // it through V8's code cache (written under the CLI home's ~/.cache on the first warm-up run).
  const cliDist = dir.file('cli-dist');
  const built = await runCommand(
    process.execPath,
    [new URL('../scripts/build.mjs', import.meta.url).pathname, '--cli-out', cliDist],
    { cwd: new URL('..', import.meta.url).pathname },
  );
  if (built.code !== 0) throw new Error(`building the CLI failed: ${built.stderr}`);
  const bundle = `${cliDist}/main.js`;

  // The baseline: a key in authorized_keys, the same sshd, the same client options.
  const key = await generateKeyWithSshKeygen(dir.file('id_plain'), 'ed25519');
  await writeAuthorizedKeys(user, [key.publicKey]);
  const knownHosts = dir.file('known_hosts');
  await writeFile(knownHosts, `${HOST} ${sshd.hostKey}\n`);
  const plainArgs = [
    '-i',
    key.privateKeyPath,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `HostKeyAlias=${HOST}`,
    '-p',
    String(sshd.port),
    '--',
    `${user.name}@${sshd.host}`,
    'echo',
    'ready',
  ];
  const latchkeyArgs = [bundle, 'ssh', HOST, '--', 'echo', 'ready'];
  const env = { ...cli.env, LATCHKEY_FROM_SOURCE: undefined };
  // Also: Node start-up plus one authenticated request, to show where latchkey's time goes.
  const whoamiArgs = [bundle, 'whoami'];
  const whoamiTimed = async () => {
    const started = process.hrtime.bigint();
    const result = await runCommand(process.execPath, whoamiArgs, { env, timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`whoami exited ${result.code}: ${result.stderr}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };

  for (let i = 0; i < WARM_UP; i++) {
    await timed('ssh', plainArgs, env);
    await timed(process.execPath, latchkeyArgs, env);
  }
  const plain: Timing[] = [];
  const latchkey: Timing[] = [];
  const whoami: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await timed('ssh', plainArgs, env));
    latchkey.push(await timed(process.execPath, latchkeyArgs, env));
    whoami.push(await whoamiTimed());
  }
  const stats = (samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    return { median: percentile(sorted, 50), p90: percentile(sorted, 90) };
  };
  const ms = (value: number) => `${value.toFixed(0).padStart(4)} ms`;
  const sshVersion = (await runCommand('ssh', ['-V'])).stderr;
  console.log(
    `latchkey ssh vs plain ssh to one sshd on 127.0.0.1, ${RUNS} runs each (after ${WARM_UP} warm-up), node ${process.version}${sshVersion === '' ? '' : `, ${sshVersion.trim()}`}; load average ${loadavg()[0]!.toFixed(1)} at the end`,
  );
  console.log(`  ${''.padEnd(36)} to the remote command's output   to exit`);
  const line = (name: string, samples: Timing[]) => {
    const output = stats(samples.map((t) => t.toOutput));
    const exit = stats(samples.map((t) => t.toExit));
    console.log(
      `  ${name.padEnd(36)} median ${ms(output.median)} p90 ${ms(output.p90)}   median ${ms(exit.median)} p90 ${ms(exit.p90)}`,
    );
    return { output, exit };
  };
  const plainStats = line('ssh (key in authorized_keys)', plain);
  const latchkeyStats = line('latchkey ssh (fresh key + cert)', latchkey);
  const whoamiStats = stats(whoami);
  console.log(
    `  ${'latchkey whoami (start-up + 1 GET)'.padEnd(36)} ${''.padEnd(31)}   median ${ms(whoamiStats.median)} p90 ${ms(whoamiStats.p90)}`,
  );
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  console.log(
    `  ratio latchkey/plain (target: within 1.3x): to output median ${ratio(latchkeyStats.output.median, plainStats.output.median)}, ` +
      `p90 ${ratio(latchkeyStats.output.p90, plainStats.output.p90)}; to exit median ${ratio(latchkeyStats.exit.median, plainStats.exit.median)}, ` +
      `p90 ${ratio(latchkeyStats.exit.p90, plainStats.exit.p90)}`,
  );
  await sshd.stop();
} finally {
  await server.close();
  await removeTestUser(user);
  await dir.remove();
  await runCleanups();
}
