/**
 * Certificate issuance under load (issue 4): a real `latchkey-server start` process on SQLite, and this
 * process as the load generator, POSTing /v1/me/certificates over keep-alive HTTP with C requests in
 * flight for D seconds. Each request is the whole path: access-token verification, the sign-in session
 * and account checks, loading apps / policies / groups / the target, policy evaluation, signing with the
 * account CA, and the audit event written to the database.
 *
 *   node --conditions=latchkey-source --import tsx bench/certificate-api.bench.ts [--seconds 10] [--concurrency 16]
 *
 * The server runs with LATCHKEY_LOG_LEVEL=warn (per-request info logs would measure the logger).
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSshKeyPair } from '@latchkey/shared';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '16' } },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);

const dataDir = await mkdtemp(join(tmpdir(), 'latchkey-bench-'));
const serverBin = new URL('../server/bin/latchkey-server.js', import.meta.url).pathname;
const env = { ...process.env, LATCHKEY_LOG_LEVEL: 'warn', LATCHKEY_FROM_SOURCE: '1' };

function runServerCommand(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [serverBin, ...args, '--data-dir', dataDir], { env });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')}: ${err}`))));
    child.stdin.end(input ?? '');
  });
}

const server = spawn(
  process.execPath,
  [
    // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server
    ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    serverBin,
    'start',
    '--data-dir',
    dataDir,
    '--listen',
    '127.0.0.1:0',
  ],
  {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const stopServer = async () => {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await rm(dataDir, { recursive: true, force: true });
};
try {
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /LISTENING (\S+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    server.once('exit', () => reject(new Error('the server exited before listening')));
  });
  const adminToken = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  const accountId = (
    (await (
      await fetch(`${origin}/client/v4/accounts`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).json()) as { result: { id: string }[] }
  ).result[0]!.id;
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${origin}/client/v4/accounts/${accountId}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as { success: boolean; result: { id: string } };
    if (!json.success) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json.result;
  };

  // A realistic small catalog: 200 targets, 20 apps of 10 hostnames with two policies each.
  await admin('POST', '/access/gateway_ca');
  const targets: string[] = [];
  for (let i = 0; i < 200; i++) {
    targets.push(
      (
        await admin('POST', '/infrastructure/targets', {
          hostname: `host-${i}`,
          ip: { ipv4: { ip_addr: `10.1.${i >> 8}.${i & 255}` } },
        })
      ).id,
    );
  }
  for (let a = 0; a < 20; a++) {
    await admin('POST', '/access/apps', {
      name: `app ${a}`,
      type: 'infrastructure',
      target_criteria: [
        {
          target_attributes: { hostname: Array.from({ length: 10 }, (_, k) => `host-${a * 10 + k}`) },
          port: 22,
          protocol: 'SSH',
        },
      ],
      policies: [
        {
          name: 'ops',
          decision: 'allow',
          include: [{ email: { email: 'ops@example.com' } }],
          connection_rules: { ssh: { usernames: ['root'] } },
        },
        {
          name: 'engineers',
          decision: 'allow',
          include: [{ email_domain: { domain: 'example.com' } }],
          exclude: [{ email: { email: 'mallory@example.com' } }],
          connection_rules: { ssh: { usernames: ['deploy'], allow_email_alias: true } },
        },
      ],
    });
  }
  await runServerCommand(['user', 'add', 'ada@example.com'], 'bench password\n');

  // Sign in through the device flow, approving on the page as the person would.
  const form = (body: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams(body) });
  const started = (await (
    await fetch(`${origin}/oauth/device_authorization`, form({ client_id: 'latchkey-cli' }))
  ).json()) as { device_code: string; user_code: string };
  await fetch(
    `${origin}/device/password`,
    form({
      user_code: started.user_code,
      email: 'ada@example.com',
      password: 'bench password',
      decision: 'approve',
    }),
  );
  const tokens = (await (
    await fetch(
      `${origin}/oauth/token`,
      form({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: started.device_code,
        client_id: 'latchkey-cli',
      }),
    )
  ).json()) as { access_token: string };

  const publicKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const url = new URL(`${origin}/v1/me/certificates`);
  const issueOne = (targetId: string) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ target_id: targetId, username: 'deploy', public_key: publicKey });
      const startedAt = process.hrtime.bigint();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${tokens.access_token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`${res.statusCode}: ${text}`));
            else resolve(Number(process.hrtime.bigint() - startedAt) / 1e6);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const run = async (seconds: number) => {
    const latencies: number[] = [];
    const deadline = Date.now() + seconds * 1000;
    let next = 0;
    const worker = async () => {
      while (Date.now() < deadline) latencies.push(await issueOne(targets[next++ % targets.length]!));
    };
    const began = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return { latencies: latencies.sort((a, b) => a - b), elapsed: (Date.now() - began) / 1000 };
  };
  /** The server process's CPU seconds so far (utime + stime from /proc, in clock ticks of 1/100 s). */
  const serverCpuSeconds = async () => {
    const fields = (await readFile(`/proc/${server.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  await run(2); // warm-up: JIT, SQLite page cache
  const cpuBefore = await serverCpuSeconds();
  const { latencies, elapsed } = await run(SECONDS);
  const serverCpuPerRequest = ((await serverCpuSeconds()) - cpuBefore) / latencies.length;
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  console.log(
    `certificates over HTTP (SQLite, ${CONCURRENCY} in flight, ${SECONDS} s): ${Math.round(latencies.length / elapsed)}/s; ` +
      `latency p50 ${pct(50).toFixed(1)} ms, p90 ${pct(90).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${pct(100).toFixed(1)} ms ` +
      `(targets: 2,000/s, p99 < 25 ms); server CPU ${(serverCpuPerRequest * 1e6).toFixed(0)} µs per certificate`,
  );
  agent.destroy();
} finally {
  await stopServer();
}
