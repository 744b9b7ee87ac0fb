/**
 * What the installer's end-to-end tests need from outside, fetched before they run (scripts/test.sh runs
 * this, like its apt-get installs): the agent package (npm run package:agent: Node 24 from the npm
 * registry) and a fresh Debian root per host kind (host-kinds.ts: debootstrap from the machine's own
 * mirror; Debian 11, 12 and 13 with systemd, 12 with SysV init and with OpenRC). All are cached; a second
 * run takes a second. The roots not yet made are made side by side (the mirror, not the CPU, is the slow
 * part: four at once took about 12 minutes here). The tests then only use the caches.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildRoot, HOST_KINDS } from './host-kinds.js';
import { buildPristineDebianRoot } from './nspawn-host.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const built = spawnSync(process.execPath, [`${repo}scripts/package-agent.mjs`], { stdio: 'inherit' });
if (built.status !== 0) {
  console.error('prepare-installer-e2e: npm run package:agent failed');
  process.exit(1);
}
console.log(`prepare-installer-e2e: the Debian root is ${await buildPristineDebianRoot()}`);
const log = (line: string) => process.stderr.write(`      [installer e2e] ${line}\n`);
// One root per suite and package list (the sshd.service host is the Debian 12 root, changed as it boots).
const distinct = HOST_KINDS.filter(
  (kind) => kind.customize === undefined && kind.name !== 'debian12-systemd',
);
await Promise.all(
  distinct.map(async (kind) => {
    const started = Date.now();
    const { root, built: made } = await buildRoot(kind, log);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`prepare-installer-e2e: ${kind.name}: ${root} (${made ? 'made' : 'cached'}, ${seconds} s)`);
  }),
);
