/** The OpenAPI document of a real `latchkey-server start` on a temp data dir and a free loopback port. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { OpenApiDocument } from './render-api-reference.js';

export async function fetchOpenApiDocument(root: string): Promise<OpenApiDocument> {
  const dataDir = await mkdtemp(join(tmpdir(), 'latchkey-openapi-'));
  const server = spawn(
    process.execPath,
    [
      resolve(root, 'server/bin/latchkey-server.js'),
      'start',
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
    ],
    {
      env: { ...process.env, LATCHKEY_FROM_SOURCE: '1', LATCHKEY_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let output = '';
    const url = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`latchkey-server did not start:\n${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /^LISTENING (\S+)$/m.exec(output);
        if (match !== null) {
          clearTimeout(timer);
          done(match[1]!);
        }
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      server.once('exit', () => fail(new Error(`latchkey-server exited:\n${output}`)));
    });
    const response = await fetch(`${url}/openapi.json`);
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    return (await response.json()) as OpenApiDocument;
  } finally {
    const exited = new Promise((done) => server.once('exit', done));
    if (server.exitCode === null) server.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}
