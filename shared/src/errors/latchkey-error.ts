import type { ErrorCode } from './error-codes.js';

/**
 * The one error type of Latchkey. `code` is stable and machine-readable (see error-codes.ts);
 * `message` is for people and says what is wrong and, where it can, how to fix it.
 * `pointer` names the offending field of a request or config (a JSON pointer such as
 * `/policies/0/include/1`) when there is one. Expected outcomes, such as a policy denial,
 * are values, not LatchkeyErrors.
 */
export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { pointer?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get pointer(): string | undefined {
    return this.details.pointer;
  }
}

export function isLatchkeyError(value: unknown, code?: ErrorCode): value is LatchkeyError {
  return value instanceof LatchkeyError && (code === undefined || value.code === code);
}
