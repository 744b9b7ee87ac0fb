/**
 * Session logs: the index rows (`ssh_logs`) and the sealed bytes (`ssh_log_files`, pieces of at most
 * 1 MiB under a file id). A replacement writes the new pieces under a new file id, points the index at
 * them and deletes the old ones, in one transaction; a reader that started on the old file id notices
 * its pieces are gone instead of mixing two files.
 *
 * An upload is staged first (stage()): its pieces are inserted as they arrive, each on its own, under a
 * fresh file id that `ssh_log_uploads` lists as in progress and no index row names, so nothing reads them
 * and no transaction is held for the minutes a big upload takes (on SQLite that would stop every other
 * write). put() then claims the staged file (deletes its ssh_log_uploads row: whoever deletes the row owns
 * the pieces) and points the index at it, in the upload's transaction. A cut-off or refused upload deletes
 * row and pieces together; what a crash left is swept by a later stage() once a day old.
 */
import { LatchkeyError } from '@latchkey/shared';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { SshLogRepository, StagedSshLogFile } from '../../../app/ports/store.js';
import type { SshLogRecord } from '../../../domain/records.js';
import { uniqueViolation } from '../db-errors.js';
import type { DatabaseSchema, SshLogsTable } from '../schema.js';
import { now, withTransaction, type RepositoryContext } from './context.js';
import { countOf, pageBounds } from './paging.js';

/** The size of a stored piece: small enough to read and send one at a time. */
export const SSH_LOG_PIECE_BYTES = 1024 * 1024;

/**
 * Staged bytes older than this are a crashed server's leftovers. Far longer than any upload takes (the
 * agent gives up after 2 minutes without progress); an upload older still fails at put() (`unavailable`)
 * and the agent sends it again.
 */
export const STALE_UPLOAD_MS = 24 * 60 * 60 * 1000;

function toRecord(ctx: RepositoryContext, row: SshLogsTable): SshLogRecord {
  const { codec } = ctx;
  const finish = codec.readOptionalTime(row.session_finish_at);
  return {
    id: row.id,
    accountId: row.account_id,
    agentId: row.agent_id,
    sessionId: row.session_id,
    userEmail: row.user_email,
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    username: row.username,
    targetId: row.target_id,
    ...(row.target_hostname === null ? {} : { targetHostname: row.target_hostname }),
    ...(row.client_address === null ? {} : { clientAddress: row.client_address }),
    ...(row.server_address === null ? {} : { serverAddress: row.server_address }),
    pty: codec.readBool(row.pty),
    programType: row.program_type as SshLogRecord['programType'],
    ...(row.command === null ? {} : { command: row.command }),
    sessionStartAt: codec.readTime(row.session_start_at),
    ...(finish === undefined ? {} : { sessionFinishAt: finish }),
    status: row.status as SshLogRecord['status'],
    ...(row.error === null ? {} : { error: row.error }),
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    uploadedAt: codec.readTime(row.uploaded_at),
  };
}

/** Cuts the pieces of a file, whatever their sizes, into stored pieces of SSH_LOG_PIECE_BYTES (the last shorter). */
function* storedPieces(content: Iterable<Uint8Array>): Generator<Uint8Array> {
  const cutter = new PieceCutter();
  for (const part of content) yield* cutter.add(part);
  yield* cutter.end();
}

/** storedPieces over pieces that arrive one at a time: holds at most one stored piece's worth. */
async function* storedPiecesOf(content: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const cutter = new PieceCutter();
  for await (const part of content) yield* cutter.add(part);
  yield* cutter.end();
}

class PieceCutter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  *add(part: Uint8Array): Generator<Uint8Array> {
    let offset = 0;
    while (offset < part.length) {
      const take = Math.min(SSH_LOG_PIECE_BYTES - this.pendingBytes, part.length - offset);
      this.pending.push(part.subarray(offset, offset + take));
      this.pendingBytes += take;
      offset += take;
      if (this.pendingBytes === SSH_LOG_PIECE_BYTES) yield this.take();
    }
  }

  *end(): Generator<Uint8Array> {
    if (this.pendingBytes > 0) yield this.take();
  }

  private take(): Uint8Array {
    const piece = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return piece;
  }
}

/** Both drivers take a Buffer as binary (pg sends it as a binary parameter, not hex text). */
function binary(piece: Uint8Array): Buffer {
  return Buffer.from(piece.buffer, piece.byteOffset, piece.length);
}

function isStaged(content: readonly Uint8Array[] | StagedSshLogFile): content is StagedSshLogFile {
  return !Array.isArray(content);
}

export function sshLogRepository(ctx: RepositoryContext): SshLogRepository {
  const { db, codec } = ctx;
  const select = (c: RepositoryContext, accountId: string, id: string) =>
    c.db.selectFrom('ssh_logs').selectAll().where('account_id', '=', accountId).where('id', '=', id);

  /** Deletes a staged file if it is still staged (its row claims it), row and pieces together. */
  const dropStaged = (fileId: string) =>
    withTransaction(ctx, async (tx) => {
      const claimed = await tx.db
        .deleteFrom('ssh_log_uploads')
        .where('file_id', '=', fileId)
        .executeTakeFirst();
      if (Number(claimed.numDeletedRows) !== 1) return;
      await tx.db.deleteFrom('ssh_log_files').where('file_id', '=', fileId).execute();
    });

  return {
    async stage(accountId, logId, content) {
      const stale = await db
        .selectFrom('ssh_log_uploads')
        .select('file_id')
        .where('started_at', '<', codec.time(new Date(now(ctx).getTime() - STALE_UPLOAD_MS)))
        .execute();
      for (const { file_id } of stale) await dropStaged(file_id);

      const fileId = ctx.newId();
      await db
        .insertInto('ssh_log_uploads')
        .values({ file_id: fileId, account_id: accountId, log_id: logId, started_at: codec.time(now(ctx)) })
        .execute();
      let seq = 0;
      let size = 0;
      try {
        for await (const piece of storedPiecesOf(content)) {
          await db
            .insertInto('ssh_log_files')
            .values({ file_id: fileId, seq: seq++, data: binary(piece) })
            .execute();
          size += piece.length;
        }
      } catch (error) {
        // Best effort: what this leaves is swept as stale later.
        await dropStaged(fileId).catch(() => undefined);
        throw error;
      }
      return { stagedFileId: fileId, size };
    },

    discardStaged: (staged) => dropStaged(staged.stagedFileId),

    put: (accountId, input, content, replacing) =>
      withTransaction(ctx, async (tx) => {
        let fileId: string;
        if (isStaged(content)) {
          fileId = content.stagedFileId;
          const claimed = await tx.db
            .deleteFrom('ssh_log_uploads')
            .where('file_id', '=', fileId)
            .executeTakeFirst();
          if (Number(claimed.numDeletedRows) !== 1) {
            throw new LatchkeyError(
              'unavailable',
              `session log ${input.id}: its uploaded bytes were removed before the upload finished; send it again`,
            );
          }
        } else {
          fileId = ctx.newId();
          let seq = 0;
          for (const piece of storedPieces(content)) {
            await tx.db
              .insertInto('ssh_log_files')
              .values({ file_id: fileId, seq: seq++, data: binary(piece) })
              .execute();
          }
        }
        const row: SshLogsTable = {
          account_id: accountId,
          id: input.id,
          agent_id: input.agentId,
          session_id: input.sessionId,
          user_email: input.userEmail.toLowerCase(),
          user_id: input.userId ?? null,
          username: input.username,
          target_id: input.targetId,
          target_hostname: input.targetHostname ?? null,
          client_address: input.clientAddress ?? null,
          server_address: input.serverAddress ?? null,
          pty: codec.bool(input.pty),
          program_type: input.programType,
          command: input.command ?? null,
          session_start_at: codec.time(input.sessionStartAt),
          session_finish_at: input.sessionFinishAt === undefined ? null : codec.time(input.sessionFinishAt),
          status: input.status,
          error: input.error ?? null,
          size_bytes: input.sizeBytes,
          sha256: input.sha256,
          file_id: fileId,
          uploaded_at: codec.time(now(ctx)),
        };
        const changed = () =>
          new LatchkeyError(
            'conflict',
            `session log ${input.id} was uploaded or replaced at the same time; read it again`,
          );
        if (replacing === undefined) {
          try {
            await tx.db.insertInto('ssh_logs').values(row).execute();
          } catch (error) {
            if (uniqueViolation(error) !== undefined) throw changed();
            throw error;
          }
        } else {
          const previous = await tx.db
            .selectFrom('ssh_logs')
            .select('file_id')
            .where('account_id', '=', accountId)
            .where('id', '=', input.id)
            .where('sha256', '=', replacing.sha256)
            .where('uploaded_at', '=', codec.time(replacing.uploadedAt))
            .executeTakeFirst();
          if (previous === undefined) throw changed();
          const { account_id: _account, id: _id, ...changes } = row;
          // The file id changes with every upload: matching it is the compare-and-swap.
          const updated = await tx.db
            .updateTable('ssh_logs')
            .set(changes)
            .where('account_id', '=', accountId)
            .where('id', '=', input.id)
            .where('file_id', '=', previous.file_id)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) !== 1) throw changed();
          await tx.db.deleteFrom('ssh_log_files').where('file_id', '=', previous.file_id).execute();
        }
        return toRecord(tx, row);
      }),

    async get(accountId, id) {
      const row = await select(ctx, accountId, id).executeTakeFirst();
      return row === undefined ? undefined : toRecord(ctx, row);
    },

    async list(accountId, request = {}) {
      const { page, perPage, offset } = pageBounds(request, 50);
      const where = (eb: ExpressionBuilder<DatabaseSchema, 'ssh_logs'>): Expression<SqlBool> => {
        const all: Expression<SqlBool>[] = [eb('account_id', '=', accountId)];
        if (request.sessionId !== undefined) all.push(eb('session_id', '=', request.sessionId));
        if (request.userEmail !== undefined) all.push(eb('user_email', '=', request.userEmail.toLowerCase()));
        if (request.username !== undefined) all.push(eb('username', '=', request.username));
        if (request.targetId !== undefined) all.push(eb('target_id', '=', request.targetId));
        if (request.status !== undefined) all.push(eb('status', '=', request.status));
        if (request.since !== undefined) all.push(eb('session_start_at', '>=', codec.time(request.since)));
        if (request.until !== undefined) all.push(eb('session_start_at', '<', codec.time(request.until)));
        return eb.and(all);
      };
      const [rows, count] = await Promise.all([
        db
          .selectFrom('ssh_logs')
          .selectAll()
          .where(where)
          .orderBy('session_start_at', 'desc')
          .orderBy('id', 'desc')
          .limit(perPage)
          .offset(offset)
          .execute(),
        db
          .selectFrom('ssh_logs')
          .select((eb) => eb.fn.countAll().as('count'))
          .where(where)
          .executeTakeFirst(),
      ]);
      return { items: rows.map((row) => toRecord(ctx, row)), page, perPage, totalCount: countOf(count) };
    },

    async open(accountId, id) {
      const row = await select(ctx, accountId, id).executeTakeFirst();
      if (row === undefined) return undefined;
      const log = toRecord(ctx, row);
      const pieces = Math.ceil(log.sizeBytes / SSH_LOG_PIECE_BYTES);
      const content = (async function* () {
        for (let seq = 0; seq < pieces; seq++) {
          const piece = await db
            .selectFrom('ssh_log_files')
            .select('data')
            .where('file_id', '=', row.file_id)
            .where('seq', '=', seq)
            .executeTakeFirst();
          if (piece === undefined) {
            throw new LatchkeyError(
              'conflict',
              `session log ${id} was replaced while it was being read; download it again`,
            );
          }
          yield new Uint8Array(piece.data.buffer, piece.data.byteOffset, piece.data.byteLength);
        }
      })();
      return { log, content };
    },
  };
}
