/**
 * Web console benchmark (issue 15): the server time of the targets page with 10,000 targets (the first
 * page, a hostname filter, a page deep in the list), signed in as an admin, through fastify's inject (the
 * whole request in the server: cookie, sign-in lookup, the query, the agents of the page, the HTML) and
 * over real HTTP on 127.0.0.1; and the size of what the console ships to the browser, gzip'd: its
 * script (decryption included) without the player, the player, the stylesheet.
 *
 *   node --conditions=latchkey-source --import tsx bench/console.bench.ts [--targets N] [--requests N]
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { bundleConsoleScripts } from '../server/src/adapters/http/console/console-bundles.js';
import { CONSOLE_CSS } from '../server/src/adapters/http/console/render-console-pages.js';
import { startTestServer } from '../test/server/support/test-server.js';

const { values } = parseArgs({
  options: { targets: { type: 'string', default: '10000' }, requests: { type: 'string', default: '500' } },
});
const TARGETS = Number(values.targets);
const REQUESTS = Number(values.requests);
const PASSWORD = 'benchmark password';

const hostnameOf = (i: number) => `host-${String(i).padStart(5, '0')}.example.internal`;
const ipv4Of = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const server = await startTestServer();
try {
  for (let start = 0; start < TARGETS; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, TARGETS - start) }, (_, k) => ({
      hostname: hostnameOf(start + k),
      ip: { ipv4: { ip_addr: ipv4Of(start + k) } },
    }));
    const answer = await server.call('PUT', `${server.base}/infrastructure/targets/batch`, { body: batch });
    if (answer.status !== 200) throw new Error(JSON.stringify(answer.body));
  }
  await server.addUser('admin@example.com', PASSWORD, ['latchkey-admins']);
  const signInPage = await server.app.inject({ method: 'GET', url: '/console/sign-in' });
  const csrfCookie = String(signInPage.headers['set-cookie']).split(';')[0]!;
  const signedIn = await server.app.inject({
    method: 'POST',
    url: '/console/sign-in',
    headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      csrf: csrfCookie.split('=')[1]!,
      email: 'admin@example.com',
      password: PASSWORD,
    }).toString(),
  });
  const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;

  const pages = [
    ['first page', '/console/targets'],
    ['hostname filter', '/console/targets?hostname=host-0777'],
    [`page ${Math.floor(TARGETS / 100)}`, `/console/targets?page=${Math.floor(TARGETS / 100)}`],
  ] as const;
  console.log(`console targets page (${TARGETS} targets, ${REQUESTS} requests each, SQLite)`);
  for (const [name, url] of pages) {
    const timed = async (request: () => Promise<{ status: number; body: string }>) => {
      for (let i = 0; i < 20; i++) await request();
      const samples: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const started = process.hrtime.bigint();
        const answer = await request();
        samples.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (answer.status !== 200 || !answer.body.includes('host-'))
          throw new Error(`${url}: ${answer.status}`);
      }
      samples.sort((a, b) => a - b);
      return `p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`;
    };
    const injected = await timed(async () => {
      const answer = await server.app.inject({ method: 'GET', url, headers: { cookie } });
      return { status: answer.statusCode, body: answer.body };
    });
    console.log(`  ${name.padEnd(16)} in the server (inject): ${injected}`);
  }
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  for (const [name, url] of pages) {
    const samples: number[] = [];
    for (let i = 0; i < REQUESTS + 20; i++) {
      const started = process.hrtime.bigint();
      const response = await fetch(`${origin}${url}`, { headers: { cookie } });
      const body = await response.text();
      if (i >= 20) samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (response.status !== 200 || !body.includes('host-')) throw new Error(`${url}: ${response.status}`);
    }
    samples.sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(16)} over HTTP (fetch):     p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`,
    );
  }

  const scripts = await bundleConsoleScripts();
  const size = (text: string) =>
    `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB, ${(gzipSync(text, { level: 9 }).length / 1024).toFixed(1)} KiB gzip`;
  console.log('shipped to the browser');
  console.log(`  console.js (a log's page; decrypts)${size(scripts['console.js'])}`);
  console.log(`  player.js  (a log's page only)      ${size(scripts['player.js'])}`);
  console.log(`  console.css                         ${size(CONSOLE_CSS)}`);
} finally {
  await server.close();
}
