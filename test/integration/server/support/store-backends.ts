/**
 * The two backends the store suites run against: SQLite files in a temp dir and a real PostgreSQL
 * (test/harness/postgres.ts). A suite loops over them, starts one in its `before` hook (`setUp`), stops it
 * in its `after` hook (`tearDown`), and asks for a new, empty database per test (`freshDatabase`).
 */
import type { StoreOptions } from '../../../../server/src/app/ports/store.js';
import { startPostgres, type RunningPostgres } from '../../../harness/postgres.js';
import { createTempDir, type TempDir } from '../../../harness/temp-dir.js';

export interface StoreBackend {
  readonly name: 'sqlite' | 'postgres';
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Options for a new, empty database. */
  freshDatabase(): Promise<StoreOptions>;
}

/** SQLite (its files in a temp dir named after `label`), then PostgreSQL (one server per suite). */
export function storeBackends(label: string): StoreBackend[] {
  return [sqliteBackend(label), postgresBackend()];
}

function sqliteBackend(label: string): StoreBackend {
  let dir: TempDir | undefined;
  let counter = 0;
  return {
    name: 'sqlite',
    async setUp() {
      dir = await createTempDir(label);
    },
    async tearDown() {
      await dir?.remove();
    },
    async freshDatabase() {
      return { sqlitePath: dir!.file(`db-${++counter}.sqlite`) };
    },
  };
}

function postgresBackend(): StoreBackend {
  let server: RunningPostgres | undefined;
  return {
    name: 'postgres',
    async setUp() {
      server = await startPostgres();
    },
    async tearDown() {
      await server?.stop();
    },
    async freshDatabase() {
      return { databaseUrl: await server!.createDatabase() };
    },
  };
}
