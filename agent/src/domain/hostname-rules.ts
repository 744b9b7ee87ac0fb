import { hostnameProblem } from '@latchkey/shared/api/hostname';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';

/**
 * The hostname the agent registers, made to fit the target API's rules (shared/api/hostname.ts:
 * letters, digits, `-` and `.`, starting and ending with a letter or digit, at most 253 characters,
 * case-insensitive). Fixes only what has one obvious fix: surrounding whitespace, upper case, a trailing
 * dot (FQDN form), and `_` or spaces (runs of them) inside, which become `-`. Anything else is rejected
 * with what is wrong and how to name the target instead.
 */
export function normalizeHostname(raw: string): string {
  const hostname = raw
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/[_\s]+/g, '-');
  const problem = hostnameProblem(hostname);
  if (problem !== undefined) {
    throw new LatchkeyError(
      'invalid_argument',
      `the hostname ${JSON.stringify(raw)} cannot be registered: after normalising to ` +
        `${JSON.stringify(hostname)} it ${problem}; set the target's name with --hostname`,
      { pointer: '/hostname' },
    );
  }
  return hostname;
}
