/**
 * Target store benchmark (issue 3: listing 10,000 targets filtered by hostname or IP with p99 < 20 ms,
 * and target creation throughput), on SQLite (a temp file, WAL) and on PostgreSQL (a private server from
 * test/harness/postgres.ts, with its durability settings on).
 *
 *   node --conditions=latchkey-source --import tsx bench/target-store.bench.ts [--targets N] [--queries N]
 *
 * Seeds N targets (default 10,000) through the store's batch create, then times list queries through the
 * store API (what the HTTP layer calls: a page query plus its count) and single-target creates.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../server/src/adapters/db/open-store.js';
import type { Store, StoreOptions, TargetInput, TargetListRequest } from '../server/src/app/ports/store.js';
import { startPostgres } from '../test/harness/postgres.js';

const { values } = parseArgs({
  options: { targets: { type: 'string', default: '10000' }, queries: { type: 'string', default: '2000' } },
});
const TARGETS = Number(values.targets);
const QUERIES = Number(values.queries);
const CREATES = 2000;
const CONCURRENCY = 8;

const hostnameOf = (i: number) => `host-${String(i).padStart(5, '0')}.example.internal`;
const ipv4Of = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const ipv6Of = (i: number) => `fd00::${i.toString(16)}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timeQueries(store: Store, accountId: string, request: (i: number) => TargetListRequest) {
  for (let i = 0; i < 50; i++) await store.targets.list(accountId, request(i)); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const req = request(Math.floor(Math.random() * TARGETS));
    const start = process.hrtime.bigint();
    const page = await store.targets.list(accountId, req);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (page.totalCount < 1) throw new Error(`query ${JSON.stringify(req)} found nothing`);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples.at(-1)! };
}

async function timeCreates(store: Store, accountId: string, offset: number, concurrency: number) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < CREATES) {
        const i = offset + next++;
        await store.targets.create(accountId, { hostname: hostnameOf(i), ipv4: { address: ipv4Of(i) } });
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return CREATES / seconds;
}

async function run(name: string, options: StoreOptions) {
  const store = await openStore(options);
  try {
    const { account } = await store.accounts.ensureDefaultAccount();
    const inputs: TargetInput[] = Array.from({ length: TARGETS }, (_, i) => ({
      hostname: hostnameOf(i),
      ipv4: { address: ipv4Of(i) },
      ...(i % 2 === 0 ? { ipv6: { address: ipv6Of(i) } } : {}),
    }));
    const seedStart = process.hrtime.bigint();
    for (let i = 0; i < inputs.length; i += 1000)
      await store.targets.createMany(account.id, inputs.slice(i, i + 1000));
    const seedSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;

    const byHostname = await timeQueries(store, account.id, (i) => ({
      hostname: hostnameOf(i).toUpperCase(),
    }));
    const byIpv4 = await timeQueries(store, account.id, (i) => ({ ipV4: ipv4Of(i) }));
    const byIps = await timeQueries(store, account.id, (i) => ({ ips: [ipv4Of(i), ipv6Of(i - (i % 2))] }));
    const sequential = await timeCreates(store, account.id, TARGETS, 1);
    const concurrent = await timeCreates(store, account.id, TARGETS + CREATES, CONCURRENCY);
    return { name, seedPerSecond: TARGETS / seedSeconds, byHostname, byIpv4, byIps, sequential, concurrent };
  } finally {
    await store.close();
  }
}

const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-bench-'));
const postgres = await startPostgres({ durable: true });
try {
  const results = [
    await run('SQLite (WAL, synchronous=NORMAL)', { sqlitePath: path.join(dir, 'bench.sqlite') }),
    await run('PostgreSQL (local, fsync on)', { databaseUrl: await postgres.createDatabase('bench') }),
  ];
  const ms = (n: number) => n.toFixed(2);
  console.log(`\nTarget store, ${TARGETS} targets, ${QUERIES} queries per filter, node ${process.version}\n`);
  console.log(
    '| database | list by hostname p50 / p99 (ms) | list by ip_v4 p50 / p99 (ms) | list by ips (v4+v6) p50 / p99 (ms) | create, 1 at a time (targets/s) | create, 8 concurrent (targets/s) | batch create (targets/s) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${ms(r.byHostname.p50)} / ${ms(r.byHostname.p99)} | ${ms(r.byIpv4.p50)} / ${ms(r.byIpv4.p99)} | ` +
        `${ms(r.byIps.p50)} / ${ms(r.byIps.p99)} | ${r.sequential.toFixed(0)} | ${r.concurrent.toFixed(0)} | ${r.seedPerSecond.toFixed(0)} |`,
    );
  }
  const worst = Math.max(...results.flatMap((r) => [r.byHostname.p99, r.byIpv4.p99, r.byIps.p99]));
  if (worst >= 20) {
    console.error(`\nFAIL: a list p99 is ${ms(worst)} ms (target < 20 ms)`);
    process.exitCode = 1;
  }
} finally {
  await postgres.stop();
  await rm(dir, { recursive: true, force: true });
}
