/**
 * Runs the migrations at start-up with kysely's Migrator. Concurrent start-ups are safe: on PostgreSQL
 * the Migrator holds a session advisory lock while it migrates; on SQLite it migrates in one
 * BEGIN IMMEDIATE transaction (see sqlite-dialect.ts). Both skip migrations another process has
 * already applied.
 */
import { Migrator, type Kysely } from 'kysely';
import { LatchkeyError } from '@latchkey/shared';
import type { DatabaseKind } from './column-codec.js';
import { migrationProvider } from './migrations/index.js';

export async function migrateToLatest(db: Kysely<unknown>, kind: DatabaseKind): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(kind) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    throw new LatchkeyError(
      'unavailable',
      `the database schema could not be migrated${failed === undefined ? '' : ` (migration ${failed})`}: ${message}`,
      { cause: error },
    );
  }
}
