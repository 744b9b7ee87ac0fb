import { LatchkeyError } from '@latchkey/shared';

/** `[USER@]TARGET` as `latchkey ssh` takes it (a target name never contains `@`, a username neither). */
export function parseDestination(text: string): { username?: string; target: string } {
  const at = text.lastIndexOf('@');
  const username = at < 0 ? undefined : text.slice(0, at);
  const target = at < 0 ? text : text.slice(at + 1);
  if (target === '' || username === '') {
    throw new LatchkeyError(
      'invalid_argument',
      `${JSON.stringify(text)} is not [USER@]TARGET (e.g. alice@web-1, or web-1)`,
    );
  }
  return username === undefined ? { target } : { username, target };
}
