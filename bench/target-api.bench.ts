/**
 * Target API benchmark (issue 3): the same figures as bench/target-store.bench.ts, but end to end over
 * real HTTP on 127.0.0.1: authentication, validation, the query, the envelope and JSON. Seeds 10,000
 * targets with `PUT …/targets/batch`, then times `GET …/targets?hostname=…` and `?ip_v4=…` one request
 * at a time, and `POST …/targets` creates; on SQLite and on PostgreSQL (a private server from the test
 * harness).
 *
 *   node --conditions=latchkey-source --import tsx bench/target-api.bench.ts [--targets N] [--queries N]
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { startPostgres } from '../test/harness/postgres.js';
import { startTestServer, type TestServer } from '../test/server/support/test-server.js';

const { values } = parseArgs({
  options: { targets: { type: 'string', default: '10000' }, queries: { type: 'string', default: '2000' } },
});
const TARGETS = Number(values.targets);
const QUERIES = Number(values.queries);
const CREATES = 1000;

const hostnameOf = (i: number) => `host-${String(i).padStart(5, '0')}.example.internal`;
const ipv4Of = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(name: string, server: TestServer): Promise<void> {
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  const headers = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${origin}${server.base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as { success: boolean; result_info?: { total_count: number } };
    if (!json.success) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  };

  for (let start = 0; start < TARGETS; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, TARGETS - start) }, (_, k) => ({
      hostname: hostnameOf(start + k),
      ip: { ipv4: { ip_addr: ipv4Of(start + k) } },
    }));
    await call('PUT', '/infrastructure/targets/batch', batch);
  }

  const timeQueries = async (query: (i: number) => string) => {
    for (let i = 0; i < 50; i++) await call('GET', `/infrastructure/targets?${query(i)}`);
    const samples: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const started = process.hrtime.bigint();
      const json = await call('GET', `/infrastructure/targets?${query(Math.floor(Math.random() * TARGETS))}`);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      if ((json.result_info?.total_count ?? 0) < 1) throw new Error('query found nothing');
    }
    samples.sort((a, b) => a - b);
    return `p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`;
  };
  const byHostname = await timeQueries((i) => `hostname=${hostnameOf(i)}`);
  const byIp = await timeQueries((i) => `ip_v4=${ipv4Of(i)}`);

  const started = process.hrtime.bigint();
  for (let i = 0; i < CREATES; i++) {
    await call('POST', '/infrastructure/targets', {
      hostname: hostnameOf(TARGETS + i),
      ip: { ipv4: { ip_addr: ipv4Of(TARGETS + i) } },
    });
  }
  const creates = CREATES / (Number(process.hrtime.bigint() - started) / 1e9);

  console.log(`${name} (${TARGETS} targets, ${QUERIES} queries each, over HTTP)`);
  console.log(`  list by hostname: ${byHostname}`);
  console.log(`  list by ip_v4:    ${byIp}`);
  console.log(`  create (one at a time, with audit event): ${creates.toFixed(0)}/s`);
}

const sqlite = await startTestServer();
try {
  await measure('SQLite', sqlite);
} finally {
  await sqlite.close();
}

const postgres = await startPostgres();
try {
  const server = await startTestServer({ databaseUrl: await postgres.createDatabase() });
  try {
    await measure('PostgreSQL', server);
  } finally {
    await server.close();
  }
} finally {
  await postgres.stop();
}
