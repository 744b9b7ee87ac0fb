/**
 * Converts values between the records and the columns of either database (see schema.ts). Times are
 * written as ISO-8601 UTC text with milliseconds on both: PostgreSQL parses it into timestamptz(3),
 * SQLite stores it as is, and because every stored time has the same fixed-width format, text order is
 * time order there.
 */
import type { JsonValue } from '../../domain/records.js';
import type { BoolColumn, JsonColumn, TimeColumn } from './schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface ColumnCodec {
  bool(value: boolean): BoolColumn;
  readBool(value: BoolColumn): boolean;
  time(value: Date): string;
  readTime(value: TimeColumn): Date;
  readOptionalTime(value: TimeColumn | null): Date | undefined;
  json(value: JsonValue): JsonColumn;
  readJson(value: JsonColumn): JsonValue;
}

export function columnCodec(kind: DatabaseKind): ColumnCodec {
  const readTime = (value: TimeColumn): Date => (value instanceof Date ? value : new Date(value));
  return {
    bool: (value) => (kind === 'sqlite' ? (value ? 1 : 0) : value),
    readBool: (value) => value === true || value === 1,
    time: (value) => value.toISOString(),
    readTime,
    readOptionalTime: (value) => (value === null ? undefined : readTime(value)),
    // pg sends a string parameter to a jsonb column as JSON text, so both get the serialised form.
    json: (value) => JSON.stringify(value),
    readJson: (value) =>
      kind === 'sqlite' ? (JSON.parse(value as string) as JsonValue) : (value as JsonValue),
  };
}
