/**
 * A private PostgreSQL for a test run (or a benchmark): `initdb` into a temp dir as the `postgres` OS user
 * (initdb refuses root), listening on 127.0.0.1 on a free port with its unix socket inside the temp dir, so
 * it never meets another cluster. `createDatabase()` makes a fresh database per suite and returns its URL;
 * `stop()` shuts the server down (`pg_ctl stop -m fast`) and removes the dir. It registers with the cleanup
 * registry, so a failing suite does not leave a postmaster behind (on process exit: SIGQUIT, PostgreSQL's
 * immediate shutdown).
 *
 * A machine without the server binaries is a failure that says how to install them, never a skip.
 */
import { readdirSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { chown, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { registerCleanup } from './cleanup.js';
import { findFreePort } from './network.js';
import { runCommand, runCommandOrThrow } from './run-command.js';
import { createTempDir } from './temp-dir.js';

export interface RunningPostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The cluster's directory (data/, sockets/, server.log). */
  readonly dir: string;
  /** URL of the `postgres` maintenance database, as the superuser `postgres` (trust auth on loopback). */
  readonly adminUrl: string;
  /** Creates a new, empty database (default: a unique name) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** The server log so far (for failure messages). */
  log(): Promise<string>;
  /** Fast shutdown, then removes the dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /**
   * Keep PostgreSQL's durability settings (fsync, synchronous_commit, full_page_writes) on. Tests turn them
   * off for speed; benchmarks keep them on so that their figures mean something.
   */
  durable?: boolean;
}

const INSTALL_HINT = 'install the PostgreSQL server with `apt-get install postgresql` (Debian/Ubuntu)';

/** The bin dir of the newest PostgreSQL under /usr/lib/postgresql/<version>/bin. */
export function findPostgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(path.join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl) not found under ${root}/*/bin: ${INSTALL_HINT}`,
    );
  }
  return path.join(root, newest, 'bin');
}

/** Runs a PostgreSQL program as the `postgres` OS user when we are root (the server refuses to run as root). */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function postgresUserIds(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`the postgres OS user does not exist: ${INSTALL_HINT} (it creates the user)`);
  }
}

let databaseCounter = 0;

export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const binDir = findPostgresBinDir();
  const bin = (name: string) => path.join(binDir, name);
  const temp = await createTempDir('postgres');
  const dataDir = temp.file('data');
  const socketDir = temp.file('sockets');
  const logFile = temp.file('server.log');

  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUserIds();
    await chown(temp.path, uid, gid);
  }
  const run = (name: string, args: string[], timeoutMs = 60_000) => {
    const [file, argv] = asPostgres(bin(name), args);
    return runCommandOrThrow(file, argv, { timeoutMs });
  };
  const log = async () => readFile(logFile, 'utf8').catch(() => '(no server log)');

  await run('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--locale=C',
  ]);
  await runCommandOrThrow(...asPostgres('/bin/mkdir', ['-m', '0700', socketDir]));

  const port = await findFreePort('127.0.0.1');
  const settings = [
    `-c listen_addresses=127.0.0.1`,
    `-p ${port}`,
    `-k ${socketDir}`,
    '-c max_connections=200',
    ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');

  // The postmaster's pid, from its pid file, for the emergency stop (pg_ctl detaches it from us).
  const postmasterPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    handle.release();
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      const [file, argv] = asPostgres(bin('pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']);
      const result = await runCommand(file, argv, { timeoutMs: 40_000 });
      if (result.code !== 0) {
        const pid = postmasterPid();
        if (pid !== undefined) process.kill(pid, 'SIGQUIT');
      }
    }
    await temp.remove();
  };
  const handle = registerCleanup(`postgres on 127.0.0.1:${port}`, stop, () => {
    const pid = postmasterPid();
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
    rmSync(temp.path, { recursive: true, force: true });
  });

  try {
    await run('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', settings], 90_000);
  } catch (error) {
    const serverLog = await log();
    await stop();
    throw new Error(`PostgreSQL did not start: ${String(error)}\n${serverLog}`, { cause: error });
  }

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    host: '127.0.0.1',
    port,
    dir: temp.path,
    adminUrl,
    async createDatabase(name = `latchkey_test_${process.pid}_${++databaseCounter}`) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    log,
    stop,
  };
}
