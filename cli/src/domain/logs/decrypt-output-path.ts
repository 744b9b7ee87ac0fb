import { LatchkeyError } from '@latchkey/shared';

/** Where `logs decrypt` writes: -o, or `FILE-decrypted.zip` beside the input, as ssh-log-cli does. */
export function decryptOutputPath(input: string, output: string | undefined): string {
  const path = output ?? `${input}-decrypted.zip`;
  if (!path.endsWith('.zip')) {
    throw new LatchkeyError('invalid_argument', `the output file must end in .zip (got ${path})`, {
      pointer: '-o',
    });
  }
  return path;
}
