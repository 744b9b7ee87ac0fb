/**
 * Recognises integrity violations from either driver, so repositories can turn them into
 * LatchkeyErrors. SQLite (better-sqlite3) reports `SQLITE_CONSTRAINT_*` codes and names the columns of
 * a violated UNIQUE constraint in the message; pg reports SQLSTATE codes and the constraint's name.
 */
export interface UniqueViolation {
  /** PostgreSQL: the constraint or index name. */
  constraint?: string;
  /** SQLite: the message, which lists `table.column` for each column of the constraint. */
  message: string;
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

export function uniqueViolation(error: unknown): UniqueViolation | undefined {
  const code = codeOf(error);
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const { constraint, message } = error as { constraint?: string; message: string };
    return constraint === undefined ? { message } : { constraint, message };
  }
  return undefined;
}

/**
 * True when a unique violation concerns the named index/constraint (PostgreSQL) or, for SQLite, when its
 * message lists exactly these columns of `table`.
 */
export function violates(
  violation: UniqueViolation,
  name: string,
  table: string,
  columns: string[],
): boolean {
  if (violation.constraint !== undefined) return violation.constraint === name;
  const listed = violation.message.replace(/^UNIQUE constraint failed: /, '').split(', ');
  return listed.length === columns.length && columns.every((column) => listed.includes(`${table}.${column}`));
}

export function isForeignKeyViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
