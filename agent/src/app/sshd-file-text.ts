import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';

/**
 * sshd reads its files as bytes, and an admin's file may hold bytes that are not UTF-8 (a Latin-1
 * comment). The domain edits text; to leave every byte it does not edit exactly as it was, sshd's files
 * are read and written as Latin-1 (one character per byte, both ways). Keywords, paths and keys are ASCII.
 */
export function decodeSshdText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function encodeSshdText(text: string): Uint8Array {
  const wide = [...text].find((character) => character.codePointAt(0)! > 0xff);
  if (wide !== undefined) {
    throw new LatchkeyError(
      'invalid_argument',
      `cannot write ${JSON.stringify(wide)} into sshd's files: only ASCII comes from Latchkey (check the CA path and key comments)`,
    );
  }
  return new Uint8Array(Buffer.from(text, 'latin1'));
}
