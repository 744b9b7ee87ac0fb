// Bundles the extension into one CommonJS file (dist/extension.cjs) with esbuild. `vscode` is provided by
// the extension host. ssh2's optional native parts (the cpu-features module and its own sshcrypto.node
// binding) are left out: ssh2 requires them inside try/catch and falls back to Node's crypto.
//   node extension/build.mjs            -> dist/extension.cjs
//   node extension/build.mjs --package  -> also latchkey-vscode-<version>.vsix (via @vscode/vsce)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildExtension() {
  await esbuild.build({
    entryPoints: [join(here, 'src/adapters/vscode/extension.ts')],
    outfile: join(here, 'dist/extension.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    conditions: ['latchkey-source'],
    // ws's optional native helpers: required inside try/catch, it falls back to JavaScript.
    external: ['vscode', 'cpu-features', '*.node', 'bufferutil', 'utf-8-validate'],
    sourcemap: false,
    logLevel: 'warning',
  });
  return join(here, 'dist/extension.cjs');
}

/** Packages dist/ into a .vsix; answers its path. */
export function packageExtension(outFile) {
  const { version, name } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
  const vsix = outFile ?? join(here, 'dist', `${name}-${version}.vsix`);
  execFileSync(
    process.execPath,
    [
      join(here, '../node_modules/@vscode/vsce/vsce'),
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '-o',
      vsix,
    ],
    { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return vsix;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildExtension();
  if (process.argv.includes('--package')) console.log(packageExtension());
}
