/**
 * Writes a zip of stored (uncompressed) entries, streaming each entry's pieces to disk as they come, so a
 * large log is never held twice in memory. Stored like ssh-log-cli's zip: terminal logs are what an auditor
 * opens at once, and compressing 200 MB would cost more than decrypting it. fflate does the zip format;
 * the file is written to a temp file beside the target, fsynced and renamed over it, mode 0600 (the zip
 * holds a decrypted session).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { Zip, ZipPassThrough } from 'fflate';
import type { OutputEntry } from '@latchkey/shared';

/** Pieces smaller than this are gathered into one buffer of BATCH bytes before they go to the zip. */
const BATCH = 1 << 20;

export function writeZipFile(path: string, entries: Iterable<OutputEntry>, now = new Date()): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    let failure: Error | null = null;
    const zip = new Zip((error, chunk) => {
      if (error !== null) failure = error;
      else writeAll(fd, chunk);
    });
    for (const entry of entries) {
      const file = new ZipPassThrough(entry.name);
      file.mtime = now;
      file.os = 3; // Unix, so the permissions below apply when it is unzipped
      file.attrs = 0o100600 << 16;
      zip.add(file);
      pushBatched(file, entry.pieces());
      if (failure !== null) throw failure;
    }
    zip.end();
    if (failure !== null) throw failure;
    fsyncSync(fd);
    closeSync(fd);
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(temporary);
    } catch {
      // nothing to remove
    }
    throw error;
  }
}

function pushBatched(file: ZipPassThrough, pieces: Iterable<Uint8Array>): void {
  const batch = Buffer.allocUnsafe(BATCH);
  let used = 0;
  const flush = () => {
    if (used === 0) return;
    file.push(Uint8Array.prototype.slice.call(batch, 0, used)); // a copy: fflate may keep the chunk
    used = 0;
  };
  for (const piece of pieces) {
    if (piece.length >= BATCH / 4) {
      flush();
      file.push(piece);
      continue;
    }
    if (used + piece.length > BATCH) flush();
    batch.set(piece, used);
    used += piece.length;
  }
  flush();
  file.push(new Uint8Array(0), true);
}

function writeAll(fd: number, chunk: Uint8Array): void {
  for (let offset = 0; offset < chunk.length;) offset += writeSync(fd, chunk, offset);
}
