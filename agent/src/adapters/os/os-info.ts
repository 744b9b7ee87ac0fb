/**
 * systeminformation's `osInfo()` (the platform and the distro's name and release, DESIGN.md's source of OS
 * facts), run in a short-lived child Node process and read once per process.
 *
 * Why a child process: systeminformation is about 300 KB of code, loaded for this one call at start.
 * Loaded in the daemon it stays for the daemon's life (several MB of RSS against the 60 MB target of issue
 * 5). A worker thread was tried and was worse: its isolate is freed on exit, but what it allocated stays
 * in its malloc arena, and the daemon idled about 9 MB higher (docs/benchmarks.md). A child process gives
 * everything back when it exits, for about 0.1 s once at start. The child is this same Node binary (the
 * package's own) and loads the library with `require` from where this module resolves it: node_modules in
 * a checkout, the package's own node_modules in the agent package (scripts/package-agent.mjs keeps it out
 * of the bundle for this). Only four strings come back, as JSON on stdout.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';

/** The part of systeminformation's `Systeminformation.OsData` the agent uses. */
export interface OsInfo {
  platform: string;
  distro: string;
  release: string;
  logofile: string;
}

const CHILD_SOURCE = `
require(process.argv[1])
  .osInfo()
  .then((os) => {
    process.stdout.write(JSON.stringify({ platform: os.platform, distro: os.distro, release: os.release, logofile: os.logofile }));
  });
`;

let cached: Promise<OsInfo> | undefined;

/** `osInfo()` of systeminformation, from a child process; the first answer is kept (a failure is not). */
export function readOsInfo(): Promise<OsInfo> {
  cached ??= osInfoInChild().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

function osInfoInChild(): Promise<OsInfo> {
  const library = createRequire(import.meta.url).resolve('systeminformation');
  return new Promise<OsInfo>((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', CHILD_SOURCE, library],
      { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`systeminformation osInfo() failed: ${stderr.trim() || error.message}`));
          return;
        }
        try {
          const os = JSON.parse(stdout) as Partial<OsInfo>;
          resolve({
            platform: String(os.platform ?? ''),
            distro: String(os.distro ?? ''),
            release: String(os.release ?? ''),
            logofile: String(os.logofile ?? ''),
          });
        } catch {
          reject(new Error(`systeminformation osInfo() gave no answer (stdout: ${stdout.slice(0, 200)})`));
        }
      },
    );
  });
}
