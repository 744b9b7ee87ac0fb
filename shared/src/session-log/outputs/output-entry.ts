/**
 * One file of what `latchkey logs decrypt` writes into its zip, produced piece by piece so that a large log
 * is never rendered into one string: the zip writer consumes the pieces in order (and may batch them).
 */
export interface OutputEntry {
  /** The file name inside the zip, e.g. term_data.txt. */
  name: string;
  /** The file's bytes, in order. May be iterated once. */
  pieces(): Iterable<Uint8Array>;
  /**
   * The same bytes as a job that a worker thread can run, for an entry worth rendering alongside the others
   * (the zip writer starts it before writing the first entry).
   */
  workerJob?(): WorkerJob;
}

/**
 * `source` is a function expression `(input, emit, packets, allocate) => void` that refers to nothing but
 * its arguments, globals and `require` of Node's built-in modules. It reads `input` (structured-cloneable)
 * and `packets` (the job's `packets`, copied over in batches: a packet's data is good only until the next
 * is asked for), and calls `emit` with the entry's pieces in order, handing each over: each piece is a
 * view of its own buffer, made by `allocate(size)` (which returns a buffer of at least `size` bytes, often
 * one of the job's pieces that has been written and given back, so that memory is reused).
 */
export interface WorkerJob {
  source: string;
  input: unknown;
  packets: Iterable<{ data: Uint8Array; elapsedMicros: number }>;
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
