/**
 * A certificate's force-command as Latchkey sets it (for targets without an agent, the server's
 * --recorder-command). sshd runs it through the user's shell, so any command line works; a newline would
 * end it early in sshd's eyes and any other control character is a mistake. What an agent reports as
 * `recording.recorder_command` is held to the same rule.
 */

/** The longest command line accepted: far beyond any real path and arguments. */
export const MAX_FORCE_COMMAND_LENGTH = 1000;

/** What is wrong with `value` as a force-command, or undefined when it is fine (after trimming). */
export function forceCommandProblem(value: string): string | undefined {
  const command = value.trim();
  if (command === '') return 'is empty';
  if (command.length > MAX_FORCE_COMMAND_LENGTH) {
    return `is ${command.length} characters long, more than ${MAX_FORCE_COMMAND_LENGTH}`;
  }
  if ([...command].some((character) => character < ' ' || character === '\u007f')) {
    return 'must be one line without control characters';
  }
  return undefined;
}
