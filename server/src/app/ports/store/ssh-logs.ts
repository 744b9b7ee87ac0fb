/**
 * Session logs: the clear index and the sealed bytes, stored apart.
 * Part of the store port (../store.ts, which states the contract every repository keeps).
 */
import type { SshLogRecord } from '../../../domain/records.js';
import type { Page, PageRequest } from './paging.js';

export type SshLogInput = Omit<SshLogRecord, 'accountId' | 'uploadedAt'>;

export interface SshLogListRequest extends PageRequest {
  sessionId?: string;
  /** Compared lowercased. */
  userEmail?: string;
  username?: string;
  targetId?: string;
  status?: SshLogRecord['status'];
  /** Sessions that started at or after this time. */
  since?: Date;
  /** Sessions that started before this time. */
  until?: Date;
}

/** An upload's bytes written by SshLogRepository.stage, not yet part of any log. */
export interface StagedSshLogFile {
  readonly stagedFileId: string;
  /** Bytes written. */
  readonly size: number;
}

export interface SshLogRepository {
  /**
   * Writes an upload's bytes as they arrive (`content`, pieces of any size, read one at a time: memory
   * stays bounded whatever the size), each stored piece committed on its own, outside any transaction
   * (an upload can take minutes; the database is not held meanwhile). Nobody reads them until put()
   * links them to a log; until then they are only "staged" under a fresh id. If `content` throws (the
   * upload was cut off, too large, not a log), what was written is deleted and the error rethrown.
   * Staged bytes a crash left behind are deleted by a later stage() once older than a day.
   */
  stage(accountId: string, logId: string, content: AsyncIterable<Uint8Array>): Promise<StagedSshLogFile>;
  /** Deletes staged bytes that will not be linked (the upload was refused, or changed nothing). */
  discardStaged(staged: StagedSshLogFile): Promise<void>;
  /**
   * Stores the log with `input.id` and its bytes: `content` is either staged bytes (stage()), linked in
   * this transaction, or the file in order in pieces of any size, written here (small files, tests).
   * `input.sizeBytes` and `input.sha256` describe them; sets uploadedAt. Compare-and-swap, so a decision
   * made on a read stays right under concurrency: without `replacing`, only if no log has that id; with
   * it (the log as the caller read it), only if the stored log is still that one, whose index and bytes
   * are then replaced (its old bytes deleted) atomically. Otherwise throws `conflict`: read, decide again
   * (staged bytes stay staged: link or discard them). Staged bytes that were swept meanwhile: `unavailable`.
   */
  put(
    accountId: string,
    input: SshLogInput,
    content: readonly Uint8Array[] | StagedSshLogFile,
    replacing?: SshLogRecord,
  ): Promise<SshLogRecord>;
  get(accountId: string, id: string): Promise<SshLogRecord | undefined>;
  /** Newest session start first (ties by id, descending); never reads the bytes. */
  list(accountId: string, request?: SshLogListRequest): Promise<Page<SshLogRecord>>;
  /**
   * The log and its stored bytes, piece by piece (one read per piece, never the whole file at once), or
   * undefined when there is no such log. If the log is replaced while being read, the iteration throws
   * `conflict` (the pieces never mix two files).
   */
  open(
    accountId: string,
    id: string,
  ): Promise<{ log: SshLogRecord; content: AsyncIterable<Uint8Array> } | undefined>;
}
