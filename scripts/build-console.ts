// Bundles the web console's browser scripts into server/dist/console/ (console.js, player.js), which the
// access server then serves instead of bundling them in memory on first request (it does that when the
// files are missing: a checkout run from its sources). For a server run from its bundle, where esbuild
// may not be installed:
//
//   node --conditions=latchkey-source --import tsx scripts/build-console.ts
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CONSOLE_SCRIPTS,
  bundleConsoleScripts,
  serverDirectory,
} from '../server/src/adapters/http/console/console-bundles.js';

const serverDir = serverDirectory();
const scripts = await bundleConsoleScripts(serverDir);
const out = join(serverDir, 'dist', 'console');
await mkdir(out, { recursive: true });
for (const name of CONSOLE_SCRIPTS) {
  await writeFile(join(out, name), scripts[name]);
  console.log(`${join(out, name)}: ${scripts[name].length} bytes, ${gzipSync(scripts[name]).length} gzip'd`);
}
