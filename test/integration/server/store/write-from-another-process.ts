/**
 * Run as a separate Node process by store.test.ts ("several server processes on one database"): opens its
 * own store on the database named by argv[2] (JSON StoreOptions), creates the target argv[3] (JSON
 * TargetInput) in the default account, prints the created record as JSON and exits.
 */
import { openStore } from '../../../../server/src/adapters/db/open-store.js';
import type { StoreOptions, TargetInput } from '../../../../server/src/app/ports/store.js';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '') as StoreOptions;
  const input = JSON.parse(process.argv[3] ?? '') as TargetInput;
  const store = await openStore(options);
  try {
    const { account } = await store.accounts.ensureDefaultAccount();
    const target = await store.targets.create(account.id, input);
    process.stdout.write(`${JSON.stringify({ pid: process.pid, target })}\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
