import { resolve } from 'node:path';
import { LatchkeyError } from '@latchkey/shared';

/**
 * Where `logs decrypt` writes: -o, or `FILE-decrypted.zip` beside the input, as ssh-log-cli does; never the
 * log itself (it would be replaced by its own zip).
 */
export function decryptOutputPath(input: string, output: string | undefined): string {
  const path = output ?? `${input}-decrypted.zip`;
  if (!path.endsWith('.zip')) {
    throw new LatchkeyError('invalid_argument', `the output file must end in .zip (got ${path})`, {
      pointer: '-o',
    });
  }
  if (resolve(path) === resolve(input)) {
    throw new LatchkeyError('invalid_argument', `the output ${path} is the log itself; name another file`, {
      pointer: '-o',
    });
  }
  return path;
}
