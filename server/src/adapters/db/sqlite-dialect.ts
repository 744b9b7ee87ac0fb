/**
 * Kysely's SQLite dialect over better-sqlite3, with two changes that make several connections to one
 * database file (two stores in one process, or two processes) safe:
 *
 * - transactions start with `BEGIN IMMEDIATE`, so a transaction takes the write lock before it reads
 *   (a deferred `BEGIN` that reads then writes fails with SQLITE_BUSY when another connection wrote in
 *   between, and no busy timeout can help it);
 * - when the database is busy, the driver waits asynchronously and retries (for up to `busyTimeoutMs`),
 *   instead of relying on SQLite's busy_timeout alone: better-sqlite3 is synchronous, so SQLite's own wait
 *   would block the event loop, and with it the very transaction of this process that holds the lock.
 *
 * It also caches prepared statements (kysely's driver prepares every query anew).
 */
import type Database from 'better-sqlite3';
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type CompiledQuery,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

export interface RetryingSqliteDialectConfig {
  database: Database.Database;
  /** How long to keep retrying a statement (or BEGIN) that finds the database locked. */
  busyTimeoutMs: number;
}

export class RetryingSqliteDialect implements Dialect {
  constructor(private readonly config: RetryingSqliteDialectConfig) {}

  createDriver(): Driver {
    return new RetryingSqliteDriver(this.config);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/**
 * SQLite runs DDL inside transactions perfectly well; kysely's adapter just does not claim it. Claiming
 * it makes the Migrator run each start-up's migrations in one (BEGIN IMMEDIATE) transaction, so two
 * processes starting at once on one database file take turns instead of racing.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class RetryingSqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Database.Statement>();
  inTransaction = false;

  constructor(
    private readonly db: Database.Database,
    private readonly busyTimeoutMs: number,
  ) {}

  /** Runs `attempt`, retrying on SQLITE_BUSY with a growing, jittered delay until the deadline. */
  async retryWhileBusy<T>(attempt: () => T): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        return attempt();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
      await sleep(delay / 2 + Math.random() * delay);
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private run<R>(compiledQuery: CompiledQuery): QueryResult<R> {
    const statement = this.statement(compiledQuery.sql);
    const parameters = compiledQuery.parameters as unknown[];
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // Inside a transaction the write lock is already held (BEGIN IMMEDIATE): no retry is needed, and a
    // retry could replay half a transaction's work.
    if (this.inTransaction) return this.run<R>(compiledQuery);
    return this.retryWhileBusy(() => this.run<R>(compiledQuery));
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by the Latchkey SQLite driver');
  }
}

class RetryingSqliteDriver implements Driver {
  private connection?: RetryingSqliteConnection;
  /** SQLite has one connection per store: queries and transactions take turns. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly config: RetryingSqliteDialectConfig) {}

  async init(): Promise<void> {
    this.connection = new RetryingSqliteConnection(this.config.database, this.config.busyTimeoutMs);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    // Only one holder at a time, so one release function suffices.
    this.release = release;
    return this.connection!;
  }

  private release?: () => void;

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const sqlite = connection as RetryingSqliteConnection;
    await sqlite.retryWhileBusy(() => this.config.database.prepare('BEGIN IMMEDIATE').run());
    sqlite.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const sqlite = connection as RetryingSqliteConnection;
    // COMMIT can find readers in the way only outside WAL mode; retrying it is safe.
    await sqlite.retryWhileBusy(() => this.config.database.prepare('COMMIT').run());
    sqlite.inTransaction = false;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const sqlite = connection as RetryingSqliteConnection;
    sqlite.inTransaction = false;
    if (this.config.database.inTransaction) this.config.database.prepare('ROLLBACK').run();
  }

  async destroy(): Promise<void> {
    // SQLite's advice for long-lived connections: refresh the planner's statistics on close (cheap).
    try {
      this.config.database.pragma('optimize');
    } catch {
      // Statistics are an optimisation; closing matters more.
    }
    this.config.database.close();
  }
}
