/**
 * Writes a zip of stored (uncompressed) entries, streaming each entry's pieces to disk as they come, so a
 * large log is never held twice in memory. Stored like ssh-log-cli's zip: terminal logs are what an auditor
 * opens at once, and compressing 200 MB would cost more than decrypting it. fflate does the zip format;
 * the file is written to a temp file beside the target and renamed over it, mode 0600 (the zip holds a
 * decrypted session). No fsync: the zip can always be made again from the log.
 *
 * Speed (bench/logs-decrypt-cli.bench.ts): the entries are fflate ZipInputFiles of our own whose CRC-32 is
 * node:zlib's native one (fflate's JavaScript CRC ran at ~150 MB/s here); the pieces are not copied but
 * gathered into writev calls that go out through libuv's thread pool while the next pieces are rendered,
 * at most WRITE_AHEAD bytes ahead.
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { Zip, type AsyncFlateStreamHandler, type ZipInputFile } from 'fflate';
import type { OutputEntry } from '@latchkey/shared';

/** Chunks are written in groups of about this many bytes (one writev each). */
const GATHER = 1 << 20;
/** How far rendering may run ahead of the disk. */
const WRITE_AHEAD = 32 << 20;

export async function writeZipFile(
  path: string,
  entries: Iterable<OutputEntry>,
  now = new Date(),
): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  const output = new OrderedWrites(handle);
  const buffers = new BufferPool();
  try {
    let failure: Error | null = null;
    const zip = new Zip((error, chunk) => {
      if (error !== null) failure = error;
      else output.write(chunk);
    });
    for (const entry of entries) {
      const file = new StoredEntry(entry.name, now);
      zip.add(file);
      await pushAll(file, entry.pieces(buffers.allocate), output, buffers);
      if (failure !== null) throw failure;
    }
    zip.end();
    if (failure !== null) throw failure;
    await output.drained();
    await handle.close();
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await output.drained().catch(() => {});
    await handle.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/**
 * Writes chunks in order without waiting for each: chunks are gathered (not copied) into groups of about
 * GATHER bytes, each written with one writev. The chunks must not change until written. `pending` says
 * how many bytes are not yet on their way to the disk or written.
 */
class OrderedWrites {
  pending = 0;
  private tail: Promise<void> = Promise.resolve();
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  private whenGatheredWritten: (() => void)[] = [];

  constructor(private readonly handle: FileHandle) {}

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.gathered.push(chunk);
    this.gatheredBytes += chunk.length;
    this.pending += chunk.length;
    if (this.gatheredBytes >= GATHER) this.flush();
  }

  /** Calls `callback` once everything given so far is written. */
  afterWritten(callback: () => void): void {
    this.whenGatheredWritten.push(callback);
  }

  /** Resolves when everything given is written; rejects with the first write error. */
  drained(): Promise<void> {
    this.flush();
    return this.tail;
  }

  private flush(): void {
    if (this.gathered.length === 0) return;
    const chunks = this.gathered;
    const bytes = this.gatheredBytes;
    const callbacks = this.whenGatheredWritten;
    this.gathered = [];
    this.gatheredBytes = 0;
    this.whenGatheredWritten = [];
    this.tail = this.tail.then(async () => {
      const { bytesWritten } = await this.handle.writev(chunks);
      if (bytesWritten !== bytes) {
        // A file takes the whole write or fails; finish a short one plainly all the same.
        const rest = Buffer.concat(chunks).subarray(bytesWritten);
        for (let offset = 0; offset < rest.length;) {
          offset += (await this.handle.write(rest, offset, rest.length - offset)).bytesWritten;
        }
      }
      this.pending -= bytes;
      for (const callback of callbacks) callback();
    });
  }
}

/** A stored (uncompressed) zip entry whose size and CRC-32 are counted as its bytes pass through. */
class StoredEntry implements ZipInputFile {
  size = 0;
  crc = 0;
  readonly compression = 0;
  readonly os = 3; // Unix, so the permissions below apply when it is unzipped
  readonly attrs = 0o100600 << 16;
  ondata?: AsyncFlateStreamHandler;

  constructor(
    readonly filename: string,
    readonly mtime: Date,
  ) {}

  push(chunk: Uint8Array, final = false): void {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    this.ondata!(null, chunk as Uint8Array<ArrayBuffer>, final);
  }
}

/**
 * Buffers for the entries' pieces (OutputEntry.pieces' `allocate`), given back once written: rendering
 * into fresh memory cost more here than the rendering (page faults: ~250 MB of session.cast).
 */
class BufferPool {
  private readonly spare: Buffer[] = [];
  private readonly ours = new WeakSet<ArrayBufferLike>();

  readonly allocate = (size: number): Buffer => {
    const index = this.spare.findIndex((buffer) => buffer.length >= size);
    if (index >= 0) return this.spare.splice(index, 1)[0]!;
    const buffer = Buffer.allocUnsafeSlow(size); // never a slice of Node's shared pool
    this.ours.add(buffer.buffer);
    return buffer;
  };

  /** Takes back the buffer of a written piece, when it is one of ours. */
  release(piece: Uint8Array): void {
    if (this.ours.has(piece.buffer)) this.spare.push(Buffer.from(piece.buffer));
  }
}

/** Pushes the pieces through the entry, pausing while the disk lags more than WRITE_AHEAD behind. */
async function pushAll(
  file: StoredEntry,
  pieces: Iterable<Uint8Array>,
  output: OrderedWrites,
  buffers: BufferPool,
) {
  for (const piece of pieces) {
    file.push(piece);
    output.afterWritten(() => buffers.release(piece));
    if (output.pending > WRITE_AHEAD) await output.drained();
  }
  file.push(new Uint8Array(0), true);
}
