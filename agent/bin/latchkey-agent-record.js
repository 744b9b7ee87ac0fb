#!/usr/bin/env node
// `latchkey-agent record` on its own, for tests and until agent/src/main.ts dispatches to runRecorder:
// sshd runs it as the force-command. Runs the TypeScript sources through tsx (the `latchkey-source`
// condition resolves @latchkey/shared to its sources), in this process, so signals reach the recorder.
const { runSources } = await import('../../scripts/run-sources.mjs');
const { runRecorder } = await runSources(new URL('../src/record-main.ts', import.meta.url));
process.exitCode = await runRecorder();
