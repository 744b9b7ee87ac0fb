/**
 * The executables the end-to-end tests run (`latchkey-server`, `latchkey-agent`, `latchkey`) are the
 * bundles `npm run build` ships, built from this checkout's sources once per test process, before the
 * first one starts. Every module that starts one of them imports this module, which builds on import.
 *
 * Why bundles and not the sources through tsx: tsx compiles and loads several hundred modules at every
 * start, which cost 1.5 s and 2 s of CPU per `latchkey` command on a quiet machine (0.2 s and 0.17 s for
 * the bundle), and far more on a loaded one. The suite starts these executables hundreds of times:
 * `latchkey admin against a real server` took 102 s from the sources and 22 s from the bundles. And the
 * bundle is what people run.
 *
 * Why building here and not trusting dist/: a bundle left by an earlier build is stale the moment a
 * source changes. Building at the start of every run (about a second, in a child process) makes dist/
 * always this checkout's code. scripts/build.mjs writes each file whole (temp file, rename), so a second
 * test run on the same checkout, starting an executable while this one rebuilds, never reads half a file.
 * The bins (`<package>/bin/*.js`) run the bundle when it exists and LATCHKEY_FROM_SOURCE is not 1; the
 * few tests that must run the sources (scripts/up.sh's, the apply lock's) still say so.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));

let built = false;

/** Builds the three bundles into their packages' dist/ unless this process has already. */
export function ensureFreshBundles(): void {
  if (built) return;
  try {
    execFileSync(process.execPath, ['scripts/build.mjs'], {
      cwd: CHECKOUT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
  } catch (error) {
    const failure = error as { stderr?: Buffer; message: string };
    throw new Error(
      `could not build the bundles the end-to-end tests run (node scripts/build.mjs): ${
        failure.stderr?.toString().trim() || failure.message
      }`,
    );
  }
  built = true;
}

/** The environment for a child executable: the bundle, whatever the parent's environment says. */
export function bundledEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { LATCHKEY_FROM_SOURCE: _fromSource, ...rest } = env;
  return rest;
}

ensureFreshBundles();
