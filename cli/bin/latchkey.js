#!/usr/bin/env node
// The latchkey command. Runs the bundle (dist/main.js) when it has been built, else the TypeScript
// sources through tsx (development; LATCHKEY_FROM_SOURCE=1 forces this even when a bundle exists). Both
// run in this process, so signals reach the CLI (and the ssh it starts) directly.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/main.js', import.meta.url);
if (existsSync(bundle) && process.env.LATCHKEY_FROM_SOURCE !== '1') {
  await import(bundle.href);
} else {
  const { runSources } = await import('../../scripts/run-sources.mjs');
  await runSources(new URL('../src/main.ts', import.meta.url));
}
