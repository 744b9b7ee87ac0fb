/**
 * The session-termination repository on SQLite and a real PostgreSQL: ids increase, an agent sees its own
 * orders and the account-wide ones (never another agent's or another account's), and a poller that moves
 * its cursor to the highest id it has seen misses nothing while several stores insert at once (as several
 * server processes would).
 */
import assert from 'node:assert/strict';
import { openStore } from '../../../../server/src/adapters/db/open-store.js';
import type { Store, StoreOptions } from '../../../../server/src/app/ports/store.js';
import type { AccountRecord } from '../../../../server/src/domain/records.js';
import { storeBackends } from '../support/store-backends.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const AGENT_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const AGENT_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

for (const backend of storeBackends('session-terminations-store')) {
  describe(`session terminations store on ${backend.name}`, function () {
    this.timeout(60_000);
    let options: StoreOptions;
    let store: Store;
    let account: AccountRecord;
    const opened: Store[] = [];
    const open = async () => {
      const another = await openStore({ ...options, clock: () => NOW });
      opened.push(another);
      return another;
    };

    before(() => backend.setUp());
    after(() => backend.tearDown());
    beforeEach(async () => {
      options = await backend.freshDatabase();
      store = await open();
      account = (await store.accounts.ensureDefaultAccount()).account;
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('stores orders with increasing ids; an agent lists its own and the account-wide ones in a range', async () => {
      assert.equal(await store.sessionTerminations.latestId(), 0);
      const issuedBefore = new Date(NOW.getTime() - 1000);
      const forA = await store.sessionTerminations.create(account.id, {
        agentId: AGENT_A,
        sessionId: 'sess-1',
        issuedBefore,
        reason: 'ended_by_admin',
      });
      const forB = await store.sessionTerminations.create(account.id, {
        agentId: AGENT_B,
        sessionId: 'sess-2',
        issuedBefore,
        reason: 'ended_by_admin',
      });
      const forAll = await store.sessionTerminations.create(account.id, {
        person: 'Ada@Example.com',
        issuedBefore,
        reason: 'user_disabled',
      });
      assert.deepEqual(forA, {
        id: forA.id,
        accountId: account.id,
        agentId: AGENT_A,
        sessionId: 'sess-1',
        issuedBefore,
        reason: 'ended_by_admin',
        createdAt: NOW,
      });
      assert.equal(typeof forA.id, 'number');
      assert.ok(forA.id < forB.id && forB.id < forAll.id);
      assert.equal(forAll.person, 'ada@example.com', 'emails are stored lowercased');
      assert.equal(forAll.agentId, undefined);
      assert.equal(await store.sessionTerminations.latestId(), forAll.id);

      const all = { after: 0, upTo: forAll.id, limit: 100 };
      assert.deepEqual(await store.sessionTerminations.listForAgent(account.id, AGENT_A, all), [
        forA,
        forAll,
      ]);
      assert.deepEqual(await store.sessionTerminations.listForAgent(account.id, AGENT_B, all), [
        forB,
        forAll,
      ]);
      assert.deepEqual(
        await store.sessionTerminations.listForAgent(account.id, AGENT_A, { ...all, after: forA.id }),
        [forAll],
      );
      assert.deepEqual(
        await store.sessionTerminations.listForAgent(account.id, AGENT_A, { ...all, upTo: forB.id }),
        [forA],
      );
      assert.deepEqual(
        await store.sessionTerminations.listForAgent(account.id, AGENT_A, { ...all, limit: 1 }),
        [forA],
      );
      assert.deepEqual(
        await store.sessionTerminations.listForAgent('00000000-0000-4000-8000-000000000000', AGENT_A, all),
        [],
        'another account sees nothing',
      );
      // A rolled-back transaction leaves nothing behind.
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.sessionTerminations.create(account.id, { issuedBefore, reason: 'signed_out' });
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(
        (await store.sessionTerminations.listForAgent(account.id, AGENT_A, { ...all, upTo: 1_000_000 }))
          .length,
        2,
      );
    });

    it('a poller that follows the highest id it sees misses nothing while three stores insert', async () => {
      const stores = [store, await open(), await open()];
      const total = 60;
      let inserting = true;
      const seen = new Set<number>();
      const poll = (async () => {
        let cursor = 0;
        for (;;) {
          const done = !inserting;
          const upTo = await store.sessionTerminations.latestId();
          const rows = await store.sessionTerminations.listForAgent(account.id, AGENT_A, {
            after: cursor,
            upTo,
            limit: 1000,
          });
          for (const row of rows) seen.add(row.id);
          cursor = Math.max(cursor, upTo);
          if (done) return;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      const created = await Promise.all(
        Array.from({ length: total }, (_, i) =>
          stores[i % stores.length]!.transaction(async (tx) => {
            const row = await tx.sessionTerminations.create(account.id, {
              issuedBefore: NOW,
              reason: 'signed_out',
              person: `p${i}@example.com`,
            });
            // Some transactions stay open a little, so commits overlap.
            if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
            return row;
          }),
        ),
      );
      inserting = false;
      await poll;
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        created.map((row) => row.id).sort((a, b) => a - b),
      );
    });
  });
}
