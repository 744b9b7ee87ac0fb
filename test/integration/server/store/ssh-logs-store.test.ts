/**
 * The session-log repository on SQLite and a real PostgreSQL: every index field survives the round trip
 * (booleans, times, bigint sizes, absent optionals), the bytes come back identical across the 1 MiB
 * pieces they are stored in whatever sizes they were given in, a replacement swaps index and bytes at once
 * (a reader of the old bytes is stopped, never handed a mix), and the list filters, orders and pages.
 * Uploads are staged as they arrive and linked once; broken-off, discarded and stale staged bytes can never
 * be linked.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { isLatchkeyError } from '@latchkey/shared';
import { openStore } from '../../../../server/src/adapters/db/open-store.js';
import {
  SSH_LOG_PIECE_BYTES,
  STALE_UPLOAD_MS,
} from '../../../../server/src/adapters/db/repositories/ssh-logs.js';
import type { SshLogInput, Store, StoreOptions } from '../../../../server/src/app/ports/store.js';
import type { AccountRecord } from '../../../../server/src/domain/records.js';
import { storeBackends } from '../support/store-backends.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');

function input(id: string, overrides: Partial<SshLogInput> = {}): SshLogInput {
  return {
    id,
    agentId: 'agent-1',
    sessionId: `session-${id}`,
    userEmail: 'Alice@Example.com',
    username: 'alice',
    targetId: 'target-1',
    pty: true,
    programType: 'shell',
    sessionStartAt: new Date('2026-11-24T10:00:00.000Z'),
    status: 'complete',
    sizeBytes: 0,
    sha256: '00'.repeat(32),
    ...overrides,
  };
}

function newIdInto(ids: string[]): () => string {
  return () => {
    const id = randomUUID();
    ids.push(id);
    return id;
  };
}

/** `bytes` as an upload arrives: pieces of `size`, one at a time. */
async function* inPieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function readAll(content: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; pieces: number[] }> {
  const parts: Uint8Array[] = [];
  for await (const piece of content) parts.push(piece);
  return { bytes: Buffer.concat(parts), pieces: parts.map((part) => part.length) };
}

for (const backend of storeBackends('ssh-log-store')) {
  describe(`session-log store on ${backend.name}`, function () {
    this.timeout(60_000);
    let store: Store;
    let account: AccountRecord;
    let database: StoreOptions;
    /** Every id the store made (file ids among them), newest last. */
    let ids: string[];
    const others: Store[] = [];

    before(() => backend.setUp());
    after(() => backend.tearDown());
    beforeEach(async () => {
      ids = [];
      database = await backend.freshDatabase();
      store = await openStore({ ...database, clock: () => NOW, newId: newIdInto(ids) });
      account = (await store.accounts.ensureDefaultAccount()).account;
    });
    afterEach(async () => {
      await store?.close();
      for (const other of others.splice(0)) await other.close();
    });

    /** Another store on the same database (another server process, or the same one later) at `clock`. */
    async function storeAt(clock: Date): Promise<Store> {
      const other = await openStore({ ...database, clock: () => clock });
      others.push(other);
      return other;
    }

    it('stages an upload as it arrives, readable by nobody until put() links it, then exactly once', async () => {
      const file = randomBytes(3 * SSH_LOG_PIECE_BYTES + 5);
      const staged = await store.sshLogs.stage(account.id, 'staged.1', inPieces(file, 100_000));
      assert.equal(staged.size, file.length);
      assert.equal(await store.sshLogs.get(account.id, 'staged.1'), undefined);
      const log = await store.transaction((tx) =>
        tx.sshLogs.put(account.id, input('staged.1', { sizeBytes: file.length }), staged),
      );
      assert.equal(log.sizeBytes, file.length);
      const opened = await readAll((await store.sshLogs.open(account.id, 'staged.1'))!.content);
      assert.ok(opened.bytes.equals(file));
      assert.deepEqual(opened.pieces, [SSH_LOG_PIECE_BYTES, SSH_LOG_PIECE_BYTES, SSH_LOG_PIECE_BYTES, 5]);
      await assert.rejects(
        store.sshLogs.put(account.id, input('staged.2', { sizeBytes: file.length }), staged),
        (error) => isLatchkeyError(error, 'unavailable'),
        'staged bytes are linked once',
      );
      await store.sshLogs.discardStaged(staged); // a no-op on linked bytes
      assert.ok(
        (await readAll((await store.sshLogs.open(account.id, 'staged.1'))!.content)).bytes.equals(file),
      );
    });

    it('an upload that breaks off, or is discarded, leaves nothing that can be linked; a stored log is untouched', async () => {
      const kept = await store.sshLogs.put(
        account.id,
        input('cut.1', { status: 'incomplete', sizeBytes: 3 }),
        [Buffer.from('old')],
      );
      const cutOff = new Error('the upload was cut off');
      await assert.rejects(
        store.sshLogs.stage(
          account.id,
          'cut.1',
          (async function* () {
            yield* inPieces(randomBytes(2 * SSH_LOG_PIECE_BYTES + 7), 65_536);
            throw cutOff;
          })(),
        ),
        (error) => error === cutOff,
      );
      const cutFileId = ids.at(-1)!;
      await assert.rejects(
        store.sshLogs.put(account.id, input('cut.1'), { stagedFileId: cutFileId, size: 0 }, kept),
        (error) => isLatchkeyError(error, 'unavailable'),
      );
      const refused = await store.sshLogs.stage(account.id, 'cut.1', inPieces(randomBytes(10), 4));
      await store.sshLogs.discardStaged(refused);
      await assert.rejects(store.sshLogs.put(account.id, input('cut.1'), refused, kept), (error) =>
        isLatchkeyError(error, 'unavailable'),
      );
      assert.deepEqual(await store.sshLogs.get(account.id, 'cut.1'), kept);
      assert.equal(
        (await readAll((await store.sshLogs.open(account.id, 'cut.1'))!.content)).bytes.toString(),
        'old',
      );
    });

    it('staged bytes a crash left are swept by a later upload once a day old, not before', async () => {
      const orphan = await store.sshLogs.stage(account.id, 'orphan.1', inPieces(randomBytes(1000), 100));
      const hourLater = await storeAt(new Date(NOW.getTime() + 60 * 60 * 1000));
      await hourLater.sshLogs.stage(account.id, 'other.1', inPieces(randomBytes(10), 10));
      const young = await hourLater.sshLogs.stage(account.id, 'young.1', inPieces(randomBytes(10), 10));
      const dayLater = await storeAt(new Date(NOW.getTime() + STALE_UPLOAD_MS + 1));
      await dayLater.sshLogs.stage(account.id, 'other.2', inPieces(randomBytes(10), 10));
      await assert.rejects(
        dayLater.sshLogs.put(account.id, input('orphan.1', { sizeBytes: 1000 }), orphan),
        (error) => isLatchkeyError(error, 'unavailable'),
      );
      const linked = await dayLater.sshLogs.put(account.id, input('young.1', { sizeBytes: 10 }), young);
      assert.equal(linked.sizeBytes, 10);
    });

    it('keeps what each certificate was issued for (issued_sessions), once per session id', async () => {
      const issued = {
        accountId: account.id,
        sessionId: '7f3a0000-0000-4000-8000-000000000001',
        targetId: '11111111-1111-4111-8111-111111111111',
        targetHostname: 'web-1',
        person: 'Alice@Example.com',
        username: 'alice',
        signInSessionId: '22222222-2222-4222-8222-222222222222',
        serial: '18446744073709551615',
        boundToTarget: true,
        issuedAt: NOW,
        validBefore: new Date(NOW.getTime() + 300_000),
      };
      await store.issuedSessions.record(issued);
      assert.deepEqual(await store.issuedSessions.get(account.id, issued.sessionId), {
        ...issued,
        person: 'alice@example.com',
      });
      await store.issuedSessions.record({
        ...issued,
        sessionId: 'other',
        userId: 'user-1',
        boundToTarget: false,
      });
      const other = await store.issuedSessions.get(account.id, 'other');
      assert.equal(other?.userId, 'user-1');
      assert.equal(other?.boundToTarget, false);
      assert.equal(await store.issuedSessions.get(account.id, 'missing'), undefined);
      await assert.rejects(store.issuedSessions.record(issued), (error) =>
        isLatchkeyError(error, 'conflict'),
      );
    });

    it('keeps every index field, the email lowercased, optionals absent when not given', async () => {
      const full = input('full.1', {
        userId: 'user-1',
        targetHostname: 'web-1',
        clientAddress: '192.0.2.1:50000',
        serverAddress: '192.0.2.2:22',
        pty: false,
        programType: 'exec',
        command: 'rsync --server -logDtpre.iLsfxC . /srv',
        sessionFinishAt: new Date('2026-11-24T10:05:00.123Z'),
        status: 'incomplete',
        error: 'the recorder stopped',
        sizeBytes: 3,
        sha256: 'ab'.repeat(32),
      });
      const stored = await store.sshLogs.put(account.id, full, [Buffer.from('abc')]);
      const expected = { ...full, accountId: account.id, userEmail: 'alice@example.com', uploadedAt: NOW };
      assert.deepEqual(stored, expected);
      assert.deepEqual(await store.sshLogs.get(account.id, 'full.1'), expected);

      const bare = await store.sshLogs.put(account.id, input('bare.1'), []);
      for (const absent of [
        'userId',
        'targetHostname',
        'clientAddress',
        'command',
        'sessionFinishAt',
        'error',
      ]) {
        assert.ok(!(absent in bare), `${absent} is absent`);
      }
      assert.equal((await store.sshLogs.get(account.id, 'bare.1'))?.pty, true);
      assert.equal(await store.sshLogs.get(account.id, 'nope'), undefined);
      assert.equal(await store.sshLogs.get('another-account', 'full.1'), undefined);
      assert.equal(await store.sshLogs.open('another-account', 'full.1'), undefined);
    });

    it('gives back the exact bytes, in 1 MiB pieces, whatever sizes they were stored in', async () => {
      const file = randomBytes(2 * SSH_LOG_PIECE_BYTES + 12_345);
      const parts = [
        file.subarray(0, 1),
        file.subarray(1, 70_000),
        file.subarray(70_000, 1_500_000),
        file.subarray(1_500_000),
      ];
      await store.sshLogs.put(account.id, input('bytes.1', { sizeBytes: file.length }), parts);
      const opened = await store.sshLogs.open(account.id, 'bytes.1');
      assert.ok(opened);
      assert.equal(opened.log.sizeBytes, file.length);
      const { bytes, pieces } = await readAll(opened.content);
      assert.ok(bytes.equals(file), 'identical bytes');
      assert.deepEqual(pieces, [SSH_LOG_PIECE_BYTES, SSH_LOG_PIECE_BYTES, 12_345]);

      await store.sshLogs.put(account.id, input('empty.1'), []);
      assert.deepEqual(
        (await readAll((await store.sshLogs.open(account.id, 'empty.1'))!.content)).pieces,
        [],
      );
    });

    it('a replacement swaps index and bytes together; a reader of the old bytes is stopped, never given a mix', async () => {
      const old = randomBytes(3 * SSH_LOG_PIECE_BYTES);
      const first0 = await store.sshLogs.put(
        account.id,
        input('swap.1', { status: 'incomplete', sizeBytes: old.length, sha256: '01'.repeat(32) }),
        [old],
      );
      const reader = (await store.sshLogs.open(account.id, 'swap.1'))!.content[Symbol.asyncIterator]();
      const first = await reader.next();
      assert.ok(Buffer.from(first.value as Uint8Array).equals(old.subarray(0, SSH_LOG_PIECE_BYTES)));

      const replacement = randomBytes(SSH_LOG_PIECE_BYTES + 10);
      const replaced = await store.sshLogs.put(
        account.id,
        input('swap.1', { status: 'complete', sizeBytes: replacement.length, sha256: '02'.repeat(32) }),
        [replacement],
        first0,
      );
      assert.equal(replaced.status, 'complete');
      await assert.rejects(
        reader.next(),
        (error: unknown) =>
          isLatchkeyError(error, 'conflict') && /replaced while it was being read/.test(error.message),
      );

      const now = await store.sshLogs.open(account.id, 'swap.1');
      assert.equal(now?.log.sha256, '02'.repeat(32));
      assert.ok((await readAll(now!.content)).bytes.equals(replacement));
      assert.equal((await store.sshLogs.list(account.id)).totalCount, 1);
    });

    it('is a compare-and-swap: no overwrite without `replacing`, none from a stale read', async () => {
      const first = await store.sshLogs.put(account.id, input('cas.1', { status: 'incomplete' }), []);
      const isChanged = (error: unknown) =>
        isLatchkeyError(error, 'conflict') && /uploaded or replaced at the same time/.test(error.message);
      await assert.rejects(store.sshLogs.put(account.id, input('cas.1'), []), isChanged);
      const second = await store.sshLogs.put(
        account.id,
        input('cas.1', { sha256: '03'.repeat(32) }),
        [],
        first,
      );
      await assert.rejects(store.sshLogs.put(account.id, input('cas.1'), [], first), isChanged);
      assert.deepEqual(await store.sshLogs.get(account.id, 'cas.1'), second);
    });

    it('lists newest session first (ties by id), filtered and paged', async () => {
      const hour = (h: number) => new Date(Date.UTC(2026, 10, 24, h));
      await store.sshLogs.put(account.id, input('a', { sessionStartAt: hour(9), username: 'root' }), []);
      await store.sshLogs.put(
        account.id,
        input('b', { sessionStartAt: hour(11), userEmail: 'BOB@example.com' }),
        [],
      );
      await store.sshLogs.put(account.id, input('c', { sessionStartAt: hour(11), targetId: 'target-2' }), []);
      await store.sshLogs.put(
        account.id,
        input('d', { sessionStartAt: hour(12), status: 'incomplete', sessionId: 's-d' }),
        [],
      );
      const ids = async (request: Parameters<Store['sshLogs']['list']>[1]) =>
        (await store.sshLogs.list(account.id, request)).items.map((log) => log.id);
      assert.deepEqual(await ids({}), ['d', 'c', 'b', 'a']);
      assert.deepEqual(await ids({ userEmail: 'bob@EXAMPLE.com' }), ['b']);
      assert.deepEqual(await ids({ username: 'root' }), ['a']);
      assert.deepEqual(await ids({ targetId: 'target-2' }), ['c']);
      assert.deepEqual(await ids({ status: 'incomplete' }), ['d']);
      assert.deepEqual(await ids({ sessionId: 's-d' }), ['d']);
      assert.deepEqual(await ids({ since: hour(11), until: hour(12) }), ['c', 'b']);
      const page = await store.sshLogs.list(account.id, { page: 2, perPage: 3 });
      assert.deepEqual(
        [page.items.map((log) => log.id), page.totalCount, page.page, page.perPage],
        [['a'], 4, 2, 3],
      );
      await assert.rejects(store.sshLogs.list(account.id, { perPage: 0 }), (error: unknown) =>
        isLatchkeyError(error, 'invalid_argument'),
      );
    });

    it('a put inside a transaction that fails leaves nothing behind', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.sshLogs.put(account.id, input('rollback.1', { sizeBytes: 3 }), [Buffer.from('xyz')]);
          throw new Error('the audit event failed');
        }),
        /the audit event failed/,
      );
      assert.equal(await store.sshLogs.get(account.id, 'rollback.1'), undefined);
    });
  });
}
