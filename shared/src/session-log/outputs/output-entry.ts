/**
 * One file of what `latchkey logs decrypt` writes into its zip, produced piece by piece so that a large log
 * is never rendered into one string: the zip writer consumes the pieces in order (and may batch them).
 */
export interface OutputEntry {
  /** The file name inside the zip, e.g. term_data.txt. */
  name: string;
  /**
   * The file's bytes, in order. May be iterated once. An entry may build its pieces in buffers from
   * `allocate` (one of at least `size` bytes, each piece a view of its own): the writer gives them back
   * once written, so that a large file reuses a few megabytes instead of touching fresh memory all along.
   */
  pieces(allocate?: (size: number) => Buffer): Iterable<Uint8Array>;
}

const encoder = new TextEncoder();

/** Text pieces as UTF-8, joined into pieces of about `batchChars` characters (fewer, larger writes). */
export function* utf8Pieces(texts: Iterable<string>, batchChars = 256 * 1024): Generator<Uint8Array> {
  let batch: string[] = [];
  let length = 0;
  for (const text of texts) {
    batch.push(text);
    length += text.length;
    if (length >= batchChars) {
      yield encoder.encode(batch.join(''));
      batch = [];
      length = 0;
    }
  }
  if (length > 0) yield encoder.encode(batch.join(''));
}

/** A whole small text file as one entry. */
export function textEntry(name: string, text: string): OutputEntry {
  return { name, pieces: () => [encoder.encode(text)] };
}
