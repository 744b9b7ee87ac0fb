import { removeLatchkeyBlocks } from './latchkey-sshd-block.js';

/**
 * Whether a main sshd_config says nothing of its own: empty, or blank lines, comments and Latchkey's own
 * lines only. No distro ships one, and sshd reads one as "every default" (port 22, every address). What
 * it almost always is, is a file caught between someone's truncate and their write (`echo … >
 * sshd_config`): the agent plans nothing on it and reloads nothing onto it, however long the writer
 * pauses; the write that follows is a file event of its own.
 */
export function saysNothingOfItsOwn(mainText: string, mainPath: string): boolean {
  let own: string;
  try {
    own = removeLatchkeyBlocks(mainText, mainPath);
  } catch {
    return false; // damaged markers: the planner says what is wrong with them
  }
  return own.split(/\r?\n/).every((line) => line.trim() === '' || line.trim().startsWith('#'));
}
