// Bundles each executable with esbuild into <package>/dist/. Native addons (better-sqlite3, node-pty,
// pg-native) stay external: they are loaded from node_modules at run time.
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
  { pkg: 'server', entry: 'server/src/main.ts', out: 'server/dist/main.js' },
  { pkg: 'agent', entry: 'agent/src/main.ts', out: 'agent/dist/main.js' },
  { pkg: 'cli', entry: 'cli/src/main.ts', out: 'cli/dist/main.js' },
].filter(({ entry }) => existsSync(entry));

await Promise.all(
  entries.map(({ entry, out }) =>
    build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: true,
      conditions: ['latchkey-source'],
      plugins: [externalizeThirdParty],
      banner: {
        js: "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url);",
      },
      logLevel: 'warning',
    }),
  ),
);
console.log(`built ${entries.map((e) => e.out).join(', ')}`);
