/**
 * What the installer's end-to-end tests need from outside, fetched before they run (scripts/test.sh runs
 * this, like its apt-get installs): the agent package (npm run package:agent: Node 24 from the npm
 * registry) and a fresh Debian root (debootstrap from the machine's own mirror). Both are cached; a second run takes a second. The tests then only use the caches.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildPristineDebianRoot } from './nspawn-host.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const built = spawnSync(process.execPath, [`${repo}scripts/package-agent.mjs`], { stdio: 'inherit' });
if (built.status !== 0) {
  console.error('prepare-installer-e2e: npm run package:agent failed');
  process.exit(1);
}
console.log(`prepare-installer-e2e: the Debian root is ${await buildPristineDebianRoot()}`);
