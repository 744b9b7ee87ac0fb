import type { Account, OutputEntry, SshLog, SshLogListQuery } from '@latchkey/shared';

/** The files the auditor commands read and write (adapters/fs/log-files.ts). */
export interface LogFiles {
  /**
   * The whole file. A missing or unreadable file is an invalid_argument LatchkeyError naming `what`
   * ("the log file", "the private key file").
   */
  read(path: string, what: string): Promise<Uint8Array>;
  /** True when something exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** Writes a new file with `mode` (atomically; replaces an existing one). */
  write(path: string, content: string, mode: number): Promise<void>;
  /** Writes a zip of the entries, streaming, atomically, mode 0600. */
  writeZip(path: string, entries: Iterable<OutputEntry>): Promise<void>;
}

export type LogListQuery = SshLogListQuery;

export interface LogListPage {
  logs: SshLog[];
  totalPages?: number;
  totalCount?: number;
}

/** The access server's auditor API, with an API token (adapters/http/audit-api-client.ts). */
export interface AuditApi {
  readonly url: string;
  accounts(): Promise<Account[]>;
  listLogs(accountId: string, query: LogListQuery): Promise<LogListPage>;
  getLog(accountId: string, logId: string): Promise<SshLog>;
  /**
   * Streams the log file to `destination` (atomically, 0600) after checking its Content-Digest and,
   * when given, `expectedSha256` (hex); `onProgress` is called as bytes arrive.
   */
  downloadLog(
    accountId: string,
    logId: string,
    destination: string,
    expectedSha256: string | undefined,
    onProgress: (received: number, total: number | undefined) => void,
  ): Promise<{ bytes: number; sha256: string }>;
}
