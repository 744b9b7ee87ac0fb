/**
 * Opens the store the server runs on: SQLite (a file, the zero-configuration default) or PostgreSQL
 * (a URL, for several server processes sharing one database). Connects, checks the connection,
 * migrates the schema, and returns the Store. Configuration problems are LatchkeyErrors naming the
 * setting: `invalid_config` for a malformed URL or an unopenable file, `unavailable` for a database that
 * does not answer.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import Database from 'better-sqlite3';
import pg from 'pg';
import { LatchkeyError } from '@latchkey/shared';
import type { OpenStore, Store, StoreOptions } from '../../app/ports/store.js';
import { kyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrate.js';
import type { DatabaseSchema } from './schema.js';
import { RetryingSqliteDialect } from './sqlite-dialect.js';

/** How long a statement waits for another connection's write lock (SQLite) before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;
const PG_CONNECT_TIMEOUT_MS = 5_000;
const PG_POOL_SIZE = 10;

/** The URL with its password replaced, for error messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function parsePostgresUrl(url: string, setting: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LatchkeyError(
      'invalid_config',
      `${setting} is not a valid URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new LatchkeyError(
      'invalid_config',
      `${setting} must be a postgres:// or postgresql:// URL (got ${parsed.protocol}//…); ` +
        'leave it unset to use the embedded SQLite database',
    );
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
    throw new LatchkeyError(
      'invalid_config',
      `${setting} names no host: expected postgres://USER@HOST:PORT/DATABASE`,
    );
  }
}

async function openPostgres(url: string, setting: string): Promise<Kysely<DatabaseSchema>> {
  parsePostgresUrl(url, setting);
  const pool = new pg.Pool({
    connectionString: url,
    max: PG_POOL_SIZE,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
  });
  // An idle connection the server drops emits 'error' on the pool; without a listener that would crash
  // the process. The pool discards the client; the next query opens a new one.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new LatchkeyError(
      'unavailable',
      `cannot connect to PostgreSQL at ${redactDatabaseUrl(url)} (${setting}): ${reason || (error as { code?: string }).code}`,
      { cause: error },
    );
  }
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
}

function openSqlite(path: string): Kysely<DatabaseSchema> {
  let database: Database.Database;
  try {
    // The database holds token hashes and the sealed CA key: create it readable by its owner only.
    // SQLite gives the -wal and -shm files the database file's mode.
    if (path !== ':memory:' && !existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    database = new Database(path);
    // WAL: readers do not block the writer. foreign_keys: off by default in SQLite. busy_timeout 0: the
    // driver waits for locks asynchronously (see sqlite-dialect.ts).
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 0');
    // Gather planner statistics for tables that need them (bounded work; SQLite's advice on open).
    database.pragma('analysis_limit = 1000');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LatchkeyError('invalid_config', `cannot open the SQLite database ${path}: ${reason}`, {
      cause: error,
    });
  }
  return new Kysely<DatabaseSchema>({
    dialect: new RetryingSqliteDialect({ database, busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS }),
  });
}

export const openStore: OpenStore = async (options: StoreOptions): Promise<Store> => {
  const clock = options.clock ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  const kind = 'databaseUrl' in options ? 'postgres' : 'sqlite';
  const db =
    'databaseUrl' in options
      ? await openPostgres(options.databaseUrl, options.databaseUrlSetting ?? '--database-url')
      : openSqlite(options.sqlitePath);
  try {
    await sql`select 1`.execute(db);
    await migrateToLatest(db as Kysely<unknown>, kind);
    if (kind === 'sqlite') await sql`pragma optimize = 0x10002`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  return kyselyStore(db, kind, clock, newId);
};
