#!/usr/bin/env node
// The latchkey-agent command. Runs the bundle (dist/main.js) when it has been built, else the TypeScript
// sources through tsx (development; LATCHKEY_FROM_SOURCE=1 forces this even when a bundle exists). Both
// run in this process, so signals (systemd's SIGTERM) reach the agent directly.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const bundle = new URL('../dist/main.js', import.meta.url);
if (existsSync(bundle) && process.env.LATCHKEY_FROM_SOURCE !== '1') {
  await import(bundle.href);
} else {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Resolve @latchkey/shared to its sources (the `latchkey-source` export condition), as the tests do.
  register(
    'data:text/javascript,' +
      encodeURIComponent(
        'export async function resolve(specifier, context, next) {' +
          " return next(specifier, { ...context, conditions: [...context.conditions, 'latchkey-source'] }); }",
      ),
  );
  await import(new URL('../src/main.ts', import.meta.url).href);
}
