/**
 * What the front's end-to-end tests need from outside, fetched before they run (scripts/test.sh runs
 * this): OpenSSH 10's client in a Debian 13 root (openssh10-client.ts), for the post-quantum key
 * exchange test. Cached; a second run takes a moment.
 */
import { buildOpenSsh10Root } from './openssh10-client.js';

console.log(`prepare-front-e2e: OpenSSH 10's client root is ${await buildOpenSsh10Root()}`);
