// The template of cli/dist/main.js (scripts/build.mjs fills in the bundle's hash; cli/dist/package.json
// makes it CommonJS, which starts faster than an ES module): runs the CLI bundle, latchkey.cjs next to
// this file, through V8's code cache. Node 20 has no compile cache of its own
// (module.enableCompileCache arrived in 22.1), and compiling the half-megabyte bundle, then each function
// it runs, was about a third of latchkey's start-up, which every `latchkey ssh` pays before ssh starts.
//
// The cache is per user ($XDG_CACHE_HOME/latchkey/code-cache, else ~/.cache/latchkey/code-cache: a 0700 dir, 0600 files), named
// by the bundle's SHA-256 (fixed at build time, because V8 itself checks only the source's length), the
// Node version and the CPU architecture. It is written when missing or rejected, at exit, so that it also
// holds the functions that ran; older caches of the same Node are removed then. Failing to read or write
// it only costs speed. LATCHKEY_CODE_CACHE=0 turns it off (to measure what it saves).
'use strict';
const { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { isAbsolute, join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE_SHA256 = '__LATCHKEY_BUNDLE_SHA256__';

const bundlePath = join(__dirname, 'latchkey.cjs');
const source = readFileSync(bundlePath, 'utf8');

function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(
    xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'),
    'latchkey',
    'code-cache',
  );
}

const useCache = process.env.LATCHKEY_CODE_CACHE !== '0';
const runtime = `${process.version}-${process.arch}`;
const cacheName = `latchkey-${BUNDLE_SHA256.slice(0, 32)}-${runtime}.v8cache`;
let dir;
let cachedData;
if (useCache) {
  try {
    dir = cacheDir();
    cachedData = readFileSync(join(dir, cacheName));
  } catch {
    // No cache yet (or no home): compile from the source, and write one at exit.
  }
}

const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundlePath,
  ...(cachedData === undefined ? {} : { cachedData }),
});

if (useCache && dir !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
  process.once('exit', () => {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const temp = join(dir, `.${cacheName}.${process.pid}`);
      writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
      renameSync(temp, join(dir, cacheName));
      for (const name of readdirSync(dir)) {
        if (name !== cacheName && name.startsWith('latchkey-') && name.endsWith(`-${runtime}.v8cache`)) {
          rmSync(join(dir, name), { force: true });
        }
      }
    } catch {
      // A cache that cannot be written only costs the next start its speed.
    }
  });
}

const bundleModule = { exports: {} };
script
  .runInThisContext()
  .call(
    bundleModule.exports,
    bundleModule.exports,
    createRequire(bundlePath),
    bundleModule,
    bundlePath,
    __dirname,
  );
