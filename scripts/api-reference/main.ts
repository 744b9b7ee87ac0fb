/**
 * `npm run docs:api`: writes docs/api-reference.md from the OpenAPI document of a real server process
 * (started on a temp data dir and a free loopback port, then stopped). `--check` only compares, and
 * exits 1 when the committed file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fetchOpenApiDocument } from './fetch-openapi.js';
import { renderApiReference } from './render-api-reference.js';

const root = resolve(import.meta.dirname, '..', '..');
const target = resolve(root, 'docs', 'api-reference.md');
const text = renderApiReference(await fetchOpenApiDocument(root));
if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== text) {
    console.error('docs/api-reference.md is stale: run npm run docs:api');
    process.exitCode = 1;
  }
} else {
  await writeFile(target, text);
  console.log(`wrote ${target}`);
}
