import { LatchkeyError } from '@latchkey/shared';

/** The value, or a not_found error naming what was looked for. */
export function found<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined) throw new LatchkeyError('not_found', `${what} ${id} was not found`);
  return value;
}
