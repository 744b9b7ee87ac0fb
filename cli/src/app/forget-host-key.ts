import { forgetHostKey } from '../domain/known-hosts.js';
import type { TextFiles } from './ports/files.js';

/** `latchkey known-hosts forget TARGET`: removes the pinned host key(s) of a target; answers how many. */
export async function forgetPinnedHostKey(
  files: TextFiles,
  knownHostsFile: string,
  hostname: string,
): Promise<number> {
  const text = await files.read(knownHostsFile);
  if (text === undefined) return 0;
  const result = forgetHostKey(text, hostname);
  if (result.removed > 0) await files.write(knownHostsFile, result.text, 0o600);
  return result.removed;
}
