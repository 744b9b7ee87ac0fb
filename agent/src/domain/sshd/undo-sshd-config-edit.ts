import { isLatchkeyDropIn, removeLatchkeyBlocks } from './latchkey-sshd-block.js';

export interface SshdConfigUndo {
  readonly writes: readonly { readonly path: string; readonly content: string }[];
  readonly deletes: readonly string[];
}

/**
 * The inverse of editSshdConfig for when no backup is left: the main file without Latchkey's block (the
 * line it replaced put back, byte for byte) and Latchkey's drop-ins removed. Files without Latchkey's
 * marks are not touched, so an admin's edits elsewhere survive.
 */
export function undoSshdConfigEdit(input: {
  readonly mainPath: string;
  readonly mainText: string;
  readonly included: ReadonlyMap<string, string>;
}): SshdConfigUndo {
  const restored = removeLatchkeyBlocks(input.mainText, input.mainPath);
  return {
    writes: restored === input.mainText ? [] : [{ path: input.mainPath, content: restored }],
    deletes: [...input.included].filter(([, text]) => isLatchkeyDropIn(text)).map(([path]) => path),
  };
}
