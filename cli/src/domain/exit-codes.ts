import type { ErrorCode } from '@latchkey/shared';

/**
 * The exit status of `latchkey` for each kind of failure, so scripts can tell them apart. `latchkey ssh`
 * exits with ssh's own status once ssh has run (ssh uses 255 for its own failures).
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  /** Bad command line or setting. */
  usage: 2,
  /** Not signed in, or the sign-in ended. */
  notSignedIn: 3,
  /** The server refused: a policy does not allow this. */
  denied: 4,
  /** The access server could not be reached or failed. */
  unavailable: 5,
  /** No such target (or session log). */
  notFound: 6,
  /** `logs decrypt` / `logs verify`: the session log was altered (see docs/auditor-guide.md). */
  logTampered: 7,
  /** `logs verify`: the session log stops early (no end record). */
  logIncomplete: 8,
  /** `logs verify`: the log has no Latchkey integrity records (written by another tool). */
  logUnverified: 9,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid_argument':
    case 'invalid_config':
      return EXIT.usage;
    case 'unauthenticated':
      return EXIT.notSignedIn;
    case 'permission_denied':
      return EXIT.denied;
    case 'unavailable':
    case 'internal':
      return EXIT.unavailable;
    case 'not_found':
      return EXIT.notFound;
    default:
      return EXIT.failure;
  }
}
