/**
 * What a spooled log starts with (the front's SpoolStoreSink hands it to SpoolStore.create), and where the
 * whole framed chunks of a spool file end. Agents before the SSH front received this over a socket from a
 * recorder that sshd started; the front now writes into the spool itself.
 */

export const SPOOL_PROTOCOL_VERSION = 1;

export interface HelloMessage {
  readonly protocol: typeof SPOOL_PROTOCOL_VERSION;
  /** Unix seconds, as in the metadata. */
  readonly started_at: number;
  /** Hex of the HPKE encapsulated key: with it an incomplete log can still be opened. */
  readonly encapsulated_key: string;
  readonly pty: unknown;
  /** The session identity (shared SessionIdentity), kept for listing before the log is decrypted. */
  readonly identity: unknown;
  /** The session's UNIX user. */
  readonly unix_user: string;
}

/**
 * The length of the longest prefix of `chunks` that is whole framed chunks (`u32 L`, L bytes): where a
 * spool file that a crash cut mid-write is truncated before more is appended.
 */
export function wholeChunksLength(chunks: Uint8Array): number {
  const view = new DataView(chunks.buffer, chunks.byteOffset, chunks.byteLength);
  let offset = 0;
  while (chunks.length - offset >= 4) {
    const next = offset + 4 + view.getUint32(offset);
    if (next > chunks.length) break;
    offset = next;
  }
  return offset;
}
