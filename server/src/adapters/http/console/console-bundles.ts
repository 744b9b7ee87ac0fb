/**
 * The console's scripts, bundled with esbuild for the browser (like the CLI and the agent are for
 * Node, scripts/build.mjs): `console.js` (server/console/console.ts: decrypting a session log in the page,
 * with shared's reader), `player.js` (server/console/player.ts: the terminal replay, its own bundle so
 * that pages without a log never load it) and `copy.js` (server/console/copy.ts: the copy buttons of the
 * join-token page, a few hundred bytes). Prebuilt files in server/dist/console/ are served when present
 * (`node scripts/build-console.mjs`); otherwise they are bundled in memory on first request, once per
 * process (a checkout run from its sources, the tests).
 *
 * What the browser bundle swaps: shared/src/session-log/hpke-base.ts (node:crypto) for
 * server/console/hpke-browser.ts (the same HPKE on @noble), `node:crypto` and `node:buffer` for
 * server/console/node-shims.ts (SHA-256, isUtf8), the global Buffer for the `buffer` package's.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_SCRIPTS = ['console.js', 'player.js', 'copy.js'] as const;
export type ConsoleScript = (typeof CONSOLE_SCRIPTS)[number];

const ENTRIES: Record<ConsoleScript, string> = {
  'console.js': 'console.ts',
  'player.js': 'player.ts',
  'copy.js': 'copy.ts',
};

/** server/ of this checkout: from its sources (…/src/adapters/http/console/) or its bundle (…/dist/). */
export function serverDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '../../../..'), join(here, '..')]) {
    if (existsSync(join(candidate, 'console', 'console.ts'))) return candidate;
  }
  return join(here, '../../../..');
}

/** Bundles the console's scripts (minified, for the browser); their text by name. */
export async function bundleConsoleScripts(
  serverDir = serverDirectory(),
): Promise<Record<ConsoleScript, string>> {
  const { build } = await import('esbuild');
  const sources = join(serverDir, 'console');
  const shims = join(sources, 'node-shims.ts');
  const require = createRequire(join(serverDir, 'package.json'));
  const xtermHeadless = join(
    dirname(require.resolve('@xterm/headless/package.json')),
    'lib-headless/xterm-headless.mjs',
  );
  // The copy buttons' script needs none of the Node shims: bundled on its own, without them.
  const copy = await build({
    entryPoints: { copy: join(sources, ENTRIES['copy.js']) },
    outdir: join(serverDir, 'dist', 'console'),
    write: false,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const result = await build({
    entryPoints: Object.fromEntries(
      CONSOLE_SCRIPTS.filter((name) => name !== 'copy.js').map((name) => [
        name.replace(/\.js$/, ''),
        join(sources, ENTRIES[name]),
      ]),
    ),
    outdir: join(serverDir, 'dist', 'console'),
    write: false,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome120', 'firefox120', 'safari17'],
    conditions: ['latchkey-source'],
    minify: true,
    legalComments: 'none',
    inject: [shims],
    logLevel: 'silent',
    plugins: [
      {
        name: 'latchkey-browser',
        setup(pluginBuild) {
          pluginBuild.onResolve({ filter: /^node:(crypto|buffer)$/ }, () => ({ path: shims }));
          pluginBuild.onResolve({ filter: /\/hpke-base\.js$/ }, () => ({
            path: join(sources, 'hpke-browser.ts'),
          }));
          pluginBuild.onResolve({ filter: /^@xterm\/headless$/ }, () => ({ path: xtermHeadless }));
        },
      },
    ],
  });
  const scripts = {} as Record<ConsoleScript, string>;
  for (const file of [...result.outputFiles, ...copy.outputFiles]) {
    const name = file.path.split('/').at(-1) as ConsoleScript;
    if (CONSOLE_SCRIPTS.includes(name)) scripts[name] = file.text;
  }
  return scripts;
}

let loading: Promise<Record<ConsoleScript, string>> | undefined;

/** The scripts: prebuilt ones when server/dist/console/ has them all, else bundled now (once). */
export function consoleScripts(): Promise<Record<ConsoleScript, string>> {
  loading ??= (async () => {
    const serverDir = serverDirectory();
    const prebuilt = join(serverDir, 'dist', 'console');
    if (CONSOLE_SCRIPTS.every((name) => existsSync(join(prebuilt, name)))) {
      const entries = await Promise.all(
        CONSOLE_SCRIPTS.map(async (name) => [name, await readFile(join(prebuilt, name), 'utf8')] as const),
      );
      return Object.fromEntries(entries) as Record<ConsoleScript, string>;
    }
    return bundleConsoleScripts(serverDir);
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
