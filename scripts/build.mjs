// Bundles each executable with esbuild into <package>/dist/. Native addons (better-sqlite3,
// pg-native) stay external: they are loaded from node_modules at run time. The CLI, which has none and
// runs once per ssh connection (ssh-config's helper), bundles everything into one file: resolving and
// loading dozens of small ESM files from node_modules cost it ~0.3 s per start. It is a CommonJS bundle
// (cli/dist/latchkey.cjs) that cli/dist/main.js runs through V8's code cache (scripts/cli-entry.cjs).
//
//   node scripts/build.mjs                  everything
//   node scripts/build.mjs --cli-out DIR    only the CLI, into DIR (main.js + latchkey.cjs; the benchmarks)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { lazyModules } from './esbuild-lazy-modules.mjs';

const { values: options } = parseArgs({ options: { 'cli-out': { type: 'string' } } });

/** Bundle Latchkey's own workspace packages; load every third-party package from node_modules. */
const externalizeThirdParty = {
  name: 'externalize-third-party',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@latchkey/') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * Modules the CLI bundle loads on first use instead of at start-up, because `latchkey ssh` (which every
 * connection starts) never uses them: sshpk with tweetnacl, jsbn, asn1… (two fifths of the bundle; only
 * OpenSSH private-key files need it, and latchkey ssh keeps its key in memory, in its agent), https and
 * its TLS stack (when the server is plain HTTP), zlib, and fflate with worker_threads (session-log
 * archives). See esbuild-lazy-modules.mjs: a name not listed here fails the build ("No matching export").
 */
const LAZY_MODULES = {
  sshpk: 'default',
  'node:https': ['request'],
  'node:zlib': ['crc32'],
  fflate: ['Zip'],
};

const ESM_REQUIRE_BANNER =
  "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url);";

const entries = [
  { entry: 'server/src/main.ts', out: 'server/dist/main.js' },
  { entry: 'agent/src/main.ts', out: 'agent/dist/main.js' },
].filter(({ entry }) => options['cli-out'] === undefined && existsSync(entry));

/**
 * Writes a file whole or not at all (a temp file beside it, then a rename): the end-to-end tests rebuild
 * the bundles at the start of every run (test/harness/fresh-bundles.ts) while another run on the same
 * checkout may be starting a server or a CLI from them, which must never read half a bundle.
 */
async function writeWhole(path, contents) {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, contents);
  await rename(temp, path);
}

/** Runs an esbuild build that keeps its output in memory, then writes each file whole. */
async function buildWhole(options) {
  const result = await build({ ...options, write: false });
  await Promise.all(result.outputFiles.map((file) => writeWhole(file.path, file.contents)));
  return result.outputFiles;
}

/** The CLI: every dependency in one minified CommonJS file, and the entry that runs it code-cached. */
async function buildCli(outDir) {
  const bundlePath = join(outDir, 'latchkey.cjs');
  const outputs = await buildWhole({
    entryPoints: ['cli/src/main.ts'],
    outfile: bundlePath,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    conditions: ['latchkey-source'],
    minify: true,
    plugins: [lazyModules(LAZY_MODULES)],
    logLevel: 'warning',
  });
  const bundle = outputs.find((file) => file.path.endsWith('.cjs'));
  const hash = createHash('sha256').update(bundle.contents).digest('hex');
  const entry = (await readFile(new URL('./cli-entry.cjs', import.meta.url), 'utf8')).replace(
    '__LATCHKEY_BUNDLE_SHA256__',
    hash,
  );
  // CommonJS in dist/ (the cli package is "type": "module"): no ES module loader on the way to the CLI.
  await writeWhole(join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
  await writeWhole(join(outDir, 'main.js'), entry);
  return join(outDir, 'main.js');
}

const built = await Promise.all([
  ...entries.map(({ entry, out }) =>
    buildWhole({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: true,
      conditions: ['latchkey-source'],
      plugins: [externalizeThirdParty],
      banner: { js: ESM_REQUIRE_BANNER },
      logLevel: 'warning',
    }).then(() => out),
  ),
  ...(options['cli-out'] !== undefined
    ? [buildCli(options['cli-out'])]
    : existsSync('cli/src/main.ts')
      ? [buildCli('cli/dist')]
      : []),
]);
console.log(`built ${built.join(', ')}`);
