#!/usr/bin/env node
// `latchkey-agent record` on its own, for tests and until agent/src/main.ts dispatches to runRecorder:
// sshd runs it as the force-command. Runs the TypeScript sources through tsx (the `latchkey-source`
// condition resolves @latchkey/shared to its sources), in this process, so signals reach the recorder.
import { register } from 'node:module';

const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();
register(
  'data:text/javascript,' +
    encodeURIComponent(
      'export async function resolve(specifier, context, next) {' +
        " return next(specifier, { ...context, conditions: [...context.conditions, 'latchkey-source'] }); }",
    ),
);
const { runRecorder } = await import(new URL('../src/record-main.ts', import.meta.url).href);
process.exitCode = await runRecorder();
