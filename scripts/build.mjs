// Bundles each executable with esbuild into <package>/dist/. Native addons (better-sqlite3, node-pty,
// pg-native) stay external: they are loaded from node_modules at run time. The CLI, which has none and
// runs once per ssh connection (ssh-config's helper), bundles everything into one file: resolving and
// loading dozens of small ESM files from node_modules cost it ~0.3 s per start.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

/** Bundle Latchkey's own workspace packages; load every third-party package from node_modules. */
const externalizeThirdParty = {
  name: 'externalize-third-party',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@latchkey/') ? undefined : { path: args.path, external: true },
    );
  },
};

const entries = [
  { pkg: 'server', entry: 'server/src/main.ts', out: 'server/dist/main.js', bundleAll: false },
  { pkg: 'agent', entry: 'agent/src/main.ts', out: 'agent/dist/main.js', bundleAll: false },
  { pkg: 'cli', entry: 'cli/src/main.ts', out: 'cli/dist/main.js', bundleAll: true },
].filter(({ entry }) => existsSync(entry));

await Promise.all(
  entries.map(({ entry, out, bundleAll }) =>
    build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: true,
      conditions: ['latchkey-source'],
      plugins: bundleAll ? [] : [externalizeThirdParty],
      minify: bundleAll,
      banner: {
        js: "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url);",
      },
      logLevel: 'warning',
    }),
  ),
);
console.log(`built ${entries.map((e) => e.out).join(', ')}`);
