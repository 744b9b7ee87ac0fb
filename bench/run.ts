// Runs every bench/*.bench.ts in turn: `npm run bench`.
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const directory = new URL('.', import.meta.url);
for (const file of readdirSync(directory)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort()) {
  console.log(`\n== ${file}`);
  await import(pathToFileURL(new URL(file, directory).pathname).href);
}
