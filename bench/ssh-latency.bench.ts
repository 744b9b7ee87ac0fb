/**
 * `latchkey ssh` latency (issue 4): the time from starting `latchkey ssh web-1 -- true` to its exit,
 * against a plain key-based `ssh user@127.0.0.1 true` to the same sshd, both through the system OpenSSH
 * client with the same options (known host pinned, one identity). latchkey's extra work per
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
import { writeFile } from 'node:fs/promises';
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

async function timed(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  const result = await runCommand(file, args, { env, timeoutMs: 30_000 });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return elapsed;
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
    'true',
  ];
  const latchkeyArgs = [bundle, 'ssh', HOST, '--', 'true'];
  const env = { ...cli.env, LATCHKEY_FROM_SOURCE: undefined };
  // Also: Node start-up plus one authenticated request, to show where latchkey's time goes.
  const whoamiArgs = [bundle, 'whoami'];

  for (let i = 0; i < WARM_UP; i++) {
    await timed('ssh', plainArgs, env);
    await timed(process.execPath, latchkeyArgs, env);
  }
  const plain: number[] = [];
  const latchkey: number[] = [];
  const whoami: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await timed('ssh', plainArgs, env));
    latchkey.push(await timed(process.execPath, latchkeyArgs, env));
    whoami.push(await timed(process.execPath, whoamiArgs, env));
  }
  const row = (name: string, samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    return {
      name,
      median: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      text: `${name.padEnd(34)} median ${percentile(sorted, 50).toFixed(0).padStart(4)} ms   p90 ${percentile(sorted, 90).toFixed(0).padStart(4)} ms`,
    };
  };
  const plainRow = row('ssh (key in authorized_keys)', plain);
  const latchkeyRow = row('latchkey ssh (fresh key + cert)', latchkey);
  const whoamiRow = row('latchkey whoami (start-up + 1 GET)', whoami);
  const sshVersion = (await runCommand('ssh', ['-V'])).stderr;
  console.log(
    `latchkey ssh vs plain ssh to one sshd on 127.0.0.1, ${RUNS} runs each (after ${WARM_UP} warm-up), node ${process.version}${sshVersion === '' ? '' : `, ${sshVersion.trim()}`}`,
  );
  for (const r of [plainRow, latchkeyRow, whoamiRow]) console.log(`  ${r.text}`);
  console.log(
    `  ratio latchkey/plain: median ${(latchkeyRow.median / plainRow.median).toFixed(2)}x, p90 ${(latchkeyRow.p90 / plainRow.p90).toFixed(2)}x (target: within 1.3x)`,
  );
  await sshd.stop();
} finally {
  await server.close();
  await removeTestUser(user);
  await dir.remove();
  await runCleanups();
}
