/**
 * The one store suite, run against SQLite (a temp file) and a real PostgreSQL (test/harness/postgres.ts).
 * Every test gets a fresh, empty database with the default account. Covers the repositories of
 * server/src/app/ports/store.ts, the invariants the database enforces (one default network, unique
 * (ip, network) pairs, one CA per account), concurrency between separate stores and processes,
 * transactions, and persistence.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLatchkeyError, type ErrorCode } from '@latchkey/shared';
import { openStore } from '../../../../server/src/adapters/db/open-store.js';
import {
  GATEWAY_CA_ALREADY_EXISTS,
  type Store,
  type StoreOptions,
  type TargetInput,
} from '../../../../server/src/app/ports/store.js';
import type { AccountRecord, TargetRecord } from '../../../../server/src/domain/records.js';
import { runCommandOrThrow } from '../../../harness/run-command.js';
import { storeBackends } from '../support/store-backends.js';

/** A clock the test moves by hand (starts 2024-01-01T00:00:00.000Z, ticks 1 ms per read). */
function manualClock() {
  let time = Date.parse('2024-01-01T00:00:00.000Z');
  return {
    now: () => new Date(time++),
    set(iso: string) {
      time = Date.parse(iso);
    },
  };
}

async function expectError(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isLatchkeyError(error, code), `expected LatchkeyError(${code}), got ${String(error)}`);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected LatchkeyError(${code}), but it succeeded`);
}

const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'write-from-another-process.ts');

for (const backend of storeBackends('store-sqlite')) {
  describe(`store on ${backend.name}`, function () {
    this.timeout(60_000);

    let options: StoreOptions;
    let clock: ReturnType<typeof manualClock>;
    let store: Store;
    let account: AccountRecord;
    const opened: Store[] = [];

    /** Opens another store on the test's database (as a second server process would). */
    async function open(): Promise<Store> {
      const another = await openStore({ ...options, clock: clock.now });
      opened.push(another);
      return another;
    }

    before(() => backend.setUp());
    after(() => backend.tearDown());

    beforeEach(async () => {
      options = await backend.freshDatabase();
      clock = manualClock();
      store = await open();
      account = (await store.accounts.ensureDefaultAccount()).account;
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    const target = (hostname: string, ipv4?: string, ipv6?: string, vnet?: string): TargetInput => ({
      hostname,
      ...(ipv4 === undefined ? {} : { ipv4: { address: ipv4, ...(vnet ? { virtualNetworkId: vnet } : {}) } }),
      ...(ipv6 === undefined ? {} : { ipv6: { address: ipv6, ...(vnet ? { virtualNetworkId: vnet } : {}) } }),
    });

    describe('accounts', () => {
      it('creates exactly one account with its default network, once', async () => {
        assert.equal(store.kind, backend.name);
        const again = await store.accounts.ensureDefaultAccount('ignored');
        assert.equal(again.created, false);
        assert.deepEqual(again.account, account);
        assert.deepEqual(await store.accounts.list(), [account]);
        assert.deepEqual(await store.accounts.get(account.id), account);
        assert.equal(await store.accounts.get('00000000-0000-0000-0000-000000000000'), undefined);
        const networks = await store.virtualNetworks.list(account.id);
        assert.equal(networks.length, 1);
        assert.equal(networks[0]!.name, 'default');
        assert.equal(networks[0]!.isDefaultNetwork, true);
        assert.deepEqual(await store.virtualNetworks.getDefault(account.id), networks[0]);
      });

      it('gives several stores starting at once on an empty database one account', async () => {
        options = await backend.freshDatabase();
        const stores = await Promise.all([open(), open(), open()]);
        const results = await Promise.all(stores.map((s) => s.accounts.ensureDefaultAccount()));
        assert.equal(results.filter((r) => r.created).length, 1);
        assert.equal(new Set(results.map((r) => r.account.id)).size, 1);
        assert.equal((await stores[0]!.accounts.list()).length, 1);
        assert.equal((await stores[0]!.virtualNetworks.list(results[0]!.account.id)).length, 1);
      });
    });

    describe('virtual networks', () => {
      it('creates, reads, renames and lists networks; names are unique per account', async () => {
        const lab = await store.virtualNetworks.create(account.id, { name: 'lab', comment: 'the lab' });
        assert.equal(lab.isDefaultNetwork, false);
        assert.equal(lab.comment, 'the lab');
        assert.deepEqual(await store.virtualNetworks.get(account.id, lab.id), lab);
        await expectError(store.virtualNetworks.create(account.id, { name: 'lab' }), 'conflict', /"lab"/);
        const renamed = await store.virtualNetworks.update(account.id, lab.id, { name: 'lab2' });
        assert.equal(renamed?.name, 'lab2');
        assert.equal(renamed?.comment, 'the lab');
        assert.deepEqual(
          (await store.virtualNetworks.list(account.id, { name: 'lab2' })).map((n) => n.id),
          [lab.id],
        );
        assert.deepEqual(
          (await store.virtualNetworks.list(account.id, { isDefaultNetwork: true })).map((n) => n.name),
          ['default'],
        );
        assert.equal(
          await store.virtualNetworks.update(account.id, crypto.randomUUID(), { name: 'x' }),
          undefined,
        );
        assert.equal(await store.virtualNetworks.get('other-account', lab.id), undefined);
      });

      it('keeps exactly one default: switching moves it, unsetting or deleting it is refused', async () => {
        const original = await store.virtualNetworks.getDefault(account.id);
        const lab = await store.virtualNetworks.create(account.id, { name: 'lab', isDefaultNetwork: true });
        assert.equal(lab.isDefaultNetwork, true);
        assert.equal((await store.virtualNetworks.get(account.id, original.id))?.isDefaultNetwork, false);
        await expectError(
          store.virtualNetworks.update(account.id, lab.id, { isDefaultNetwork: false }),
          'conflict',
          /is the default/,
        );
        await expectError(store.virtualNetworks.delete(account.id, lab.id), 'conflict', /is the default/);
        const back = await store.virtualNetworks.update(account.id, original.id, { isDefaultNetwork: true });
        assert.equal(back?.isDefaultNetwork, true);
        const defaults = await store.virtualNetworks.list(account.id, { isDefaultNetwork: true });
        assert.deepEqual(
          defaults.map((n) => n.id),
          [original.id],
        );
      });

      it('never ends up with two defaults when two stores switch it at the same time', async () => {
        const other = await open();
        const a = await store.virtualNetworks.create(account.id, { name: 'a' });
        const b = await store.virtualNetworks.create(account.id, { name: 'b' });
        const results = await Promise.allSettled([
          store.virtualNetworks.update(account.id, a.id, { isDefaultNetwork: true }),
          other.virtualNetworks.update(account.id, b.id, { isDefaultNetwork: true }),
        ]);
        for (const result of results) {
          if (result.status === 'rejected') assert.ok(isLatchkeyError(result.reason, 'conflict'));
        }
        assert.ok(results.some((r) => r.status === 'fulfilled'));
        assert.equal((await store.virtualNetworks.list(account.id, { isDefaultNetwork: true })).length, 1);
      });

      it('deletes an unused network and refuses one that targets use', async () => {
        const lab = await store.virtualNetworks.create(account.id, { name: 'lab' });
        const t = await store.targets.create(account.id, target('h', '10.0.0.1', undefined, lab.id));
        await expectError(store.virtualNetworks.delete(account.id, lab.id), 'conflict', /used by 1 target/);
        await store.targets.delete(account.id, t.id);
        clock.set('2024-02-02T00:00:00.000Z');
        const deleted = await store.virtualNetworks.delete(account.id, lab.id);
        assert.equal(deleted?.id, lab.id);
        assert.equal(deleted?.deletedAt?.toISOString(), '2024-02-02T00:00:00.000Z');
        assert.equal(await store.virtualNetworks.get(account.id, lab.id), undefined);
        assert.equal(await store.virtualNetworks.delete(account.id, lab.id), undefined);
      });
    });

    describe('targets', () => {
      it('creates a target with normalised addresses in the default network, and reads it back', async () => {
        const vnet = await store.virtualNetworks.getDefault(account.id);
        clock.set('2024-03-01T12:00:00.123Z');
        const created = await store.targets.create(
          account.id,
          target('Web-1.Example', ' 10.0.0.1', '2001:DB8:0:0::1'),
        );
        assert.deepEqual(created, {
          id: created.id,
          accountId: account.id,
          hostname: 'Web-1.Example',
          ipv4: { address: '10.0.0.1', virtualNetworkId: vnet.id },
          ipv6: { address: '2001:db8::1', virtualNetworkId: vnet.id },
          tags: {},
          createdAt: new Date('2024-03-01T12:00:00.123Z'),
          modifiedAt: new Date('2024-03-01T12:00:00.123Z'),
        });
        assert.match(created.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.deepEqual(await store.targets.get(account.id, created.id), created);
        assert.equal(await store.targets.get('another-account', created.id), undefined);
        const v6only = await store.targets.create(account.id, target('v6', undefined, 'fd00::2'));
        assert.equal(v6only.ipv4, undefined);
        assert.deepEqual(await store.targets.get(account.id, v6only.id), v6only);
      });

      it('refuses targets without an address, with a bad address, or in an unknown network', async () => {
        await expectError(
          store.targets.create(account.id, { hostname: 'h' }),
          'invalid_argument',
          /ipv4 or ipv6/,
        );
        await expectError(
          store.targets.create(account.id, target('h', '10.0.0')),
          'invalid_argument',
          /"10.0.0"/,
        );
        await expectError(store.targets.create(account.id, target('h', '::1')), 'invalid_argument', /ipv4/);
        await expectError(
          store.targets.create(account.id, target('h', undefined, '10.0.0.1')),
          'invalid_argument',
        );
        await expectError(
          store.targets.create(account.id, target('h', undefined, 'fe80::1%eth0')),
          'invalid_argument',
        );
        const missing = crypto.randomUUID();
        await expectError(
          store.targets.create(account.id, target('h', '10.0.0.1', undefined, missing)),
          'invalid_argument',
          new RegExp(`virtual network ${missing} does not exist`),
        );
        assert.equal((await store.targets.list(account.id)).totalCount, 0);
      });

      it('keeps each (ip, virtual network) pair to one target, and says which pair clashed', async () => {
        const vnet = await store.virtualNetworks.getDefault(account.id);
        const lab = await store.virtualNetworks.create(account.id, { name: 'lab' });
        await store.targets.create(account.id, target('a', '10.0.0.1', 'fd00::1'));
        const v4 = await expectError(store.targets.create(account.id, target('b', '10.0.0.1')), 'conflict');
        assert.match(v4.message, new RegExp(`ip 10\\.0\\.0\\.1 in virtual network ${vnet.id}`));
        await expectError(
          store.targets.create(account.id, target('c', '10.0.0.9', 'FD00:0::1')),
          'conflict',
          new RegExp(`ip fd00::1 in virtual network ${vnet.id}`),
        );
        // The same address in another network is another pair.
        const elsewhere = await store.targets.create(account.id, target('b', '10.0.0.1', 'fd00::1', lab.id));
        assert.equal(elsewhere.ipv4?.virtualNetworkId, lab.id);
        assert.equal((await store.targets.list(account.id)).totalCount, 2);
      });

      it('replaces a target (keeping id and createdAt) and refuses a replacement that clashes', async () => {
        const a = await store.targets.create(account.id, target('a', '10.0.0.1'));
        const b = await store.targets.create(account.id, target('b', '10.0.0.2'));
        clock.set('2024-05-05T05:05:05.005Z');
        const replaced = await store.targets.replace(account.id, a.id, target('a2', '10.0.0.1', 'fd00::a'));
        assert.equal(replaced?.id, a.id);
        assert.equal(replaced?.hostname, 'a2');
        assert.deepEqual(replaced?.createdAt, a.createdAt);
        assert.deepEqual(replaced?.modifiedAt, new Date('2024-05-05T05:05:05.005Z'));
        assert.equal(replaced?.ipv6?.address, 'fd00::a');
        assert.deepEqual(await store.targets.get(account.id, a.id), replaced);
        // Dropping the v6 address is part of a full replace.
        const noV6 = await store.targets.replace(account.id, a.id, target('a2', '10.0.0.1'));
        assert.equal(noV6?.ipv6, undefined);
        await expectError(
          store.targets.replace(account.id, b.id, target('b', '10.0.0.1')),
          'conflict',
          /10\.0\.0\.1/,
        );
        assert.deepEqual(await store.targets.get(account.id, b.id), b);
        assert.equal(
          await store.targets.replace(account.id, crypto.randomUUID(), target('x', '10.9.9.9')),
          undefined,
        );
      });

      it('deletes one and many targets', async () => {
        const created = await store.targets.createMany(account.id, [
          target('a', '10.0.0.1'),
          target('b', '10.0.0.2'),
          target('c', '10.0.0.3'),
        ]);
        const [a, b, c] = created as [TargetRecord, TargetRecord, TargetRecord];
        assert.deepEqual(await store.targets.delete(account.id, a.id), a);
        assert.equal(await store.targets.delete(account.id, a.id), undefined);
        const deleted = await store.targets.deleteMany(account.id, [b.id, c.id, crypto.randomUUID(), b.id]);
        assert.deepEqual(deleted.map((t) => t.id).sort(), [b.id, c.id].sort());
        assert.equal((await store.targets.list(account.id)).totalCount, 0);
        // The freed pair can be used again.
        await store.targets.create(account.id, target('a', '10.0.0.1'));
      });

      it('creates a batch all or nothing', async () => {
        await store.targets.create(account.id, target('existing', '10.0.0.50'));
        const batch = [target('n1', '10.0.0.1'), target('n2', '10.0.0.2'), target('clash', '10.0.0.50')];
        await expectError(store.targets.createMany(account.id, batch), 'conflict', /10\.0\.0\.50/);
        assert.equal((await store.targets.list(account.id)).totalCount, 1);
        await expectError(
          store.targets.createMany(account.id, [target('d1', '10.0.0.7'), target('d2', '10.0.0.7')]),
          'conflict',
          /10\.0\.0\.7/,
        );
        await expectError(
          store.targets.createMany(account.id, [target('ok', '10.0.0.8'), target('bad', 'nope')]),
          'invalid_argument',
        );
        assert.equal((await store.targets.list(account.id)).totalCount, 1);
        const created = await store.targets.createMany(account.id, batch.slice(0, 2));
        assert.deepEqual(
          created.map((t) => t.hostname),
          ['n1', 'n2'],
        );
        assert.equal((await store.targets.list(account.id)).totalCount, 3);
        assert.deepEqual(await store.targets.createMany(account.id, []), []);
      });

      it('lets exactly one of several concurrent creates of one pair through two stores succeed', async () => {
        const other = await open();
        const attempts = Array.from({ length: 8 }, (_, i) =>
          (i % 2 === 0 ? store : other).targets.create(account.id, target(`racer-${i}`, '10.1.1.1')),
        );
        const results = await Promise.allSettled(attempts);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1);
        assert.equal(lost.length, 7);
        for (const failure of lost) {
          assert.ok(isLatchkeyError(failure.reason, 'conflict'), String(failure.reason));
          assert.match((failure.reason as Error).message, /ip 10\.1\.1\.1 in virtual network/);
        }
        assert.equal((await other.targets.list(account.id, { ipV4: '10.1.1.1' })).totalCount, 1);
      });
    });

    describe('target lists', () => {
      let lab: string;
      let all: TargetRecord[];
      const hostnames = (page: { items: TargetRecord[] }) => page.items.map((t) => t.hostname);

      beforeEach(async () => {
        lab = (await store.virtualNetworks.create(account.id, { name: 'lab' })).id;
        const seed: Array<[string, TargetInput]> = [
          ['2024-01-01T00:00:00.000Z', target('alpha', '10.0.0.1', 'fd00::1')],
          ['2024-01-02T00:00:00.000Z', target('Bravo', '10.0.0.2')],
          ['2024-01-03T00:00:00.000Z', target('charlie', undefined, 'fd00::3')],
          ['2024-01-04T00:00:00.000Z', target('delta', '10.0.1.4', undefined, lab)],
          ['2024-01-05T00:00:00.000Z', target('alpha', '192.168.1.1')],
          ['2024-01-06T00:00:00.000Z', target('echo-alphabet', '10.0.0.1', 'fd00::1', lab)],
        ];
        all = [];
        for (const [at, input] of seed) {
          clock.set(at);
          all.push(await store.targets.create(account.id, input));
        }
        // A later modification of Bravo.
        clock.set('2024-02-01T00:00:00.000Z');
        all[1] = (await store.targets.replace(account.id, all[1]!.id, target('Bravo', '10.0.0.2')))!;
      });

      it('filters by hostname (exact, case-insensitive) and hostname_contains', async () => {
        assert.deepEqual(hostnames(await store.targets.list(account.id, { hostname: 'ALPHA' })), [
          'alpha',
          'alpha',
        ]);
        assert.deepEqual(hostnames(await store.targets.list(account.id, { hostname: 'bravo' })), ['Bravo']);
        assert.deepEqual(hostnames(await store.targets.list(account.id, { hostname: 'alph' })), []);
        assert.deepEqual(hostnames(await store.targets.list(account.id, { hostnameContains: 'LPHA' })), [
          'alpha',
          'alpha',
          'echo-alphabet',
        ]);
        // LIKE's wildcards in the input are literal.
        assert.deepEqual(hostnames(await store.targets.list(account.id, { hostnameContains: 'a_p' })), []);
        assert.deepEqual(hostnames(await store.targets.list(account.id, { hostnameContains: '%' })), []);
      });

      it('filters by virtual network, single addresses and any-of addresses', async () => {
        assert.deepEqual(hostnames(await store.targets.list(account.id, { virtualNetworkId: lab })), [
          'delta',
          'echo-alphabet',
        ]);
        assert.deepEqual(hostnames(await store.targets.list(account.id, { ipV4: '10.0.0.1' })), [
          'alpha',
          'echo-alphabet',
        ]);
        assert.deepEqual(hostnames(await store.targets.list(account.id, { ipV6: 'FD00:0000::3' })), [
          'charlie',
        ]);
        assert.deepEqual(
          hostnames(await store.targets.list(account.id, { ips: ['192.168.1.1', 'fd00::3', '10.9.9.9'] })),
          ['alpha', 'charlie'],
        );
        assert.deepEqual(
          hostnames(await store.targets.list(account.id, { ipV4: '10.0.0.1', virtualNetworkId: lab })),
          ['echo-alphabet'],
        );
        await expectError(store.targets.list(account.id, { ipV4: 'fd00::1' }), 'invalid_argument', /ip_v4/);
        await expectError(store.targets.list(account.id, { ips: ['x'] }), 'invalid_argument', /ips "x"/);
      });

      it('filters by target ids, ip_like and address ranges', async () => {
        assert.deepEqual(
          hostnames(
            await store.targets.list(account.id, {
              targetIds: [all[2]!.id, all[3]!.id, crypto.randomUUID()],
            }),
          ),
          ['charlie', 'delta'],
        );
        assert.deepEqual(hostnames(await store.targets.list(account.id, { ipLike: '10.0.*' })), [
          'alpha',
          'Bravo',
          'delta',
          'echo-alphabet',
        ]);
        assert.deepEqual(hostnames(await store.targets.list(account.id, { ipLike: '*.1.1' })), ['alpha']);
        assert.deepEqual(hostnames(await store.targets.list(account.id, { ipLike: 'FD00::*' })), [
          'alpha',
          'charlie',
          'echo-alphabet',
        ]);
        assert.deepEqual(
          hostnames(await store.targets.list(account.id, { ipv4Start: '10.0.0.2', ipv4End: '10.0.1.4' })),
          ['Bravo', 'delta'],
        );
        // Numeric, not textual, order: 10.0.0.2 ≤ x ≤ 10.0.0.10 excludes 10.0.1.4.
        assert.deepEqual(
          hostnames(await store.targets.list(account.id, { ipv4Start: '10.0.0.2', ipv4End: '10.0.0.10' })),
          ['Bravo'],
        );
        assert.deepEqual(hostnames(await store.targets.list(account.id, { ipv4Start: '100.0.0.0' })), [
          'alpha',
        ]);
        assert.deepEqual(
          hostnames(await store.targets.list(account.id, { ipv6Start: 'fd00::2', ipv6End: 'fd00::ffff' })),
          ['charlie'],
        );
        await expectError(
          store.targets.list(account.id, { ipv6End: '10.0.0.1' }),
          'invalid_argument',
          /ipv6_end/,
        );
      });

      it('filters by creation and modification times (strictly)', async () => {
        const created = (before?: string, after?: string) =>
          store.targets.list(account.id, {
            ...(before ? { createdBefore: new Date(before) } : {}),
            ...(after ? { createdAfter: new Date(after) } : {}),
          });
        assert.deepEqual(hostnames(await created('2024-01-03T00:00:00.000Z')), ['alpha', 'Bravo']);
        assert.deepEqual(hostnames(await created(undefined, '2024-01-05T00:00:00.000Z')), ['echo-alphabet']);
        assert.deepEqual(hostnames(await created('2024-01-05T00:00:00.000Z', '2024-01-02T00:00:00.000Z')), [
          'charlie',
          'delta',
        ]);
        assert.deepEqual(
          hostnames(
            await store.targets.list(account.id, { modifiedAfter: new Date('2024-01-06T00:00:00.000Z') }),
          ),
          ['Bravo'],
        );
        assert.deepEqual(
          hostnames(
            await store.targets.list(account.id, { modifiedBefore: new Date('2024-01-02T00:00:00.001Z') }),
          ),
          ['alpha'],
        );
      });

      it('orders by hostname or creation time, either way, with a stable tie-break by id', async () => {
        const [alpha1, alpha2] = [all[0]!, all[4]!].sort((a, b) => (a.id < b.id ? -1 : 1));
        const asc = await store.targets.list(account.id);
        assert.deepEqual(
          asc.items.map((t) => t.id),
          [alpha1!.id, alpha2!.id, all[1]!.id, all[2]!.id, all[3]!.id, all[5]!.id],
        );
        const desc = await store.targets.list(account.id, { order: 'hostname', direction: 'desc' });
        assert.deepEqual(
          desc.items.map((t) => t.id),
          asc.items.map((t) => t.id).reverse(),
        );
        const byCreation = await store.targets.list(account.id, { order: 'created_at', direction: 'desc' });
        assert.deepEqual(
          byCreation.items.map((t) => t.id),
          all.map((t) => t.id).reverse(),
        );
      });

      it('pages with a total count', async () => {
        const first = await store.targets.list(account.id, { perPage: 4 });
        assert.deepEqual(
          { page: first.page, perPage: first.perPage, totalCount: first.totalCount },
          {
            page: 1,
            perPage: 4,
            totalCount: 6,
          },
        );
        assert.equal(first.items.length, 4);
        const second = await store.targets.list(account.id, { perPage: 4, page: 2 });
        assert.equal(second.items.length, 2);
        assert.equal(second.totalCount, 6);
        const third = await store.targets.list(account.id, { perPage: 4, page: 3 });
        assert.deepEqual(third.items, []);
        assert.equal(third.totalCount, 6);
        assert.deepEqual(
          [...first.items, ...second.items].map((t) => t.id),
          (await store.targets.list(account.id)).items.map((t) => t.id),
        );
        const filtered = await store.targets.list(account.id, {
          hostnameContains: 'alpha',
          perPage: 1,
          page: 2,
        });
        assert.equal(filtered.totalCount, 3);
        assert.equal(filtered.items.length, 1);
        await expectError(store.targets.list(account.id, { perPage: 1001 }), 'invalid_argument', /per_page/);
        await expectError(store.targets.list(account.id, { page: 0 }), 'invalid_argument', /page/);
        assert.equal((await store.targets.list('another-account')).totalCount, 0);
      });
    });

    describe('transactions', () => {
      it('commits a change and its audit event together', async () => {
        const created = await store.transaction(async (tx) => {
          const t = await tx.targets.create(account.id, target('h', '10.0.0.1'));
          await tx.auditEvents.append(account.id, {
            actor: 'token:t1',
            action: 'target.create',
            resourceType: 'target',
            resourceId: t.id,
            after: { id: t.id },
          });
          return t;
        });
        assert.deepEqual(await store.targets.get(account.id, created.id), created);
        const events = await store.auditEvents.list(account.id);
        assert.equal(events.totalCount, 1);
        assert.equal(events.items[0]!.resourceId, created.id);
      });

      it('rolls everything back when the function throws, also after a conflict', async () => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.targets.create(account.id, target('h', '10.0.0.1'));
            await tx.virtualNetworks.create(account.id, { name: 'lab', isDefaultNetwork: true });
            await tx.auditEvents.append(account.id, {
              actor: 'a',
              action: 'target.create',
              resourceType: 'target',
            });
            throw new Error('the use-case changed its mind');
          }),
          /changed its mind/,
        );
        await store.targets.create(account.id, target('existing', '10.0.0.2'));
        await expectError(
          store.transaction(async (tx) => {
            await tx.targets.create(account.id, target('h', '10.0.0.1'));
            await tx.targets.createMany(account.id, [target('clash', '10.0.0.2')]);
          }),
          'conflict',
        );
        assert.deepEqual(hostnamesOf(await store.targets.list(account.id)), ['existing']);
        assert.equal((await store.auditEvents.list(account.id)).totalCount, 0);
        assert.equal((await store.virtualNetworks.getDefault(account.id)).name, 'default');
        assert.equal((await store.virtualNetworks.list(account.id)).length, 1);
      });
    });

    describe('persistence and several processes', () => {
      it('keeps the data when the store is closed and opened again', async () => {
        const t = await store.targets.create(account.id, target('kept', '10.0.0.1', 'fd00::1'));
        const ca = await store.gatewayCas.create(account.id, {
          publicKey: 'ssh-ed25519 AAAA ca',
          encryptedPrivateKey: new Uint8Array([0, 1, 2, 255]),
          keyAlgorithm: 'ssh-ed25519',
        });
        await store.close();
        const reopened = await open();
        const again = await reopened.accounts.ensureDefaultAccount();
        assert.equal(again.created, false);
        assert.deepEqual(again.account, account);
        assert.deepEqual(await reopened.targets.get(account.id, t.id), t);
        assert.deepEqual(await reopened.gatewayCas.get(account.id), ca);
      });

      it('serves what another server process writes (a second Node process on the same database)', async () => {
        const output = await runCommandOrThrow(
          process.execPath,
          [
            '--conditions=latchkey-source',
            '--import',
            'tsx',
            childScript,
            JSON.stringify(options),
            JSON.stringify(target('from-child', '10.7.7.7')),
          ],
          { timeoutMs: 30_000 },
        );
        const { pid, target: written } = JSON.parse(output.stdout) as { pid: number; target: TargetRecord };
        assert.notEqual(pid, process.pid);
        const read = await store.targets.get(account.id, written.id);
        assert.equal(read?.hostname, 'from-child');
        assert.equal(read?.ipv4?.address, '10.7.7.7');
        assert.equal(read?.createdAt.toISOString(), written.createdAt as unknown as string);
        // And the other way round: what this process stored is a conflict for the other process.
        await assert.rejects(
          runCommandOrThrow(
            process.execPath,
            [
              '--conditions=latchkey-source',
              '--import',
              'tsx',
              childScript,
              JSON.stringify(options),
              JSON.stringify(target('again', '10.7.7.7')),
            ],
            { timeoutMs: 30_000 },
          ),
          /LatchkeyError: a target with ip 10\.7\.7\.7 in virtual network/,
        );
      });
    });

    describe('apps and policies', () => {
      const rule = { email: { email: 'jdoe@company.com' } };
      const connectionRules = { ssh: { usernames: ['root', 'ec2-user'], allow_email_alias: false } };

      it('stores policies with their JSON as given', async () => {
        const policy = await store.policies.create(account.id, {
          name: 'Allow jdoe',
          decision: 'allow',
          include: [rule],
          connectionRules,
          reusable: true,
        });
        assert.deepEqual(policy.include, [rule]);
        assert.deepEqual(policy.require, []);
        assert.deepEqual(policy.exclude, []);
        assert.deepEqual(policy.connectionRules, connectionRules);
        assert.deepEqual(await store.policies.get(account.id, policy.id), policy);
        const bare = await store.policies.create(account.id, {
          name: 'everyone',
          decision: 'allow',
          include: [{ everyone: {} }],
          exclude: [{ ip: { ip: '10.0.0.0/8' } }],
          reusable: false,
        });
        assert.equal(bare.connectionRules, undefined);
        assert.deepEqual(
          (await store.policies.list(account.id, { reusable: true })).map((p) => p.id),
          [policy.id],
        );
        assert.deepEqual(
          (await store.policies.list(account.id)).map((p) => p.id),
          [policy.id, bare.id],
        );
        assert.deepEqual(
          (await store.policies.getMany(account.id, [bare.id, crypto.randomUUID(), policy.id])).map(
            (p) => p.id,
          ),
          [bare.id, policy.id],
        );
        clock.set('2025-01-01T00:00:00.000Z');
        const replaced = await store.policies.replace(account.id, bare.id, {
          name: 'renamed',
          decision: 'allow',
          include: [rule],
          reusable: true,
        });
        assert.equal(replaced?.name, 'renamed');
        assert.deepEqual(replaced?.exclude, []);
        assert.equal(replaced?.reusable, true);
        assert.deepEqual(replaced?.createdAt, bare.createdAt);
        assert.deepEqual(replaced?.updatedAt, new Date('2025-01-01T00:00:00.000Z'));
        assert.equal(await store.policies.replace(account.id, crypto.randomUUID(), { ...policy }), undefined);
      });

      it('links policies to apps by precedence, and cleans up inline policies with their app', async () => {
        const reusable = await store.policies.create(account.id, {
          name: 'shared',
          decision: 'allow',
          include: [rule],
          reusable: true,
        });
        const inline = await store.policies.create(account.id, {
          name: 'inline',
          decision: 'allow',
          include: [rule],
          connectionRules,
          reusable: false,
        });
        const criteria = [{ target_attributes: { hostname: ['web-1'] }, port: 22, protocol: 'SSH' }];
        const app = await store.apps.create(account.id, {
          name: 'Example infrastructure app',
          type: 'infrastructure',
          targetCriteria: criteria,
          policies: [
            { policyId: reusable.id, precedence: 2 },
            { policyId: inline.id, precedence: 1 },
          ],
        });
        assert.match(app.aud, /^[0-9a-f]{64}$/);
        assert.deepEqual(app.targetCriteria, criteria);
        assert.deepEqual(app.policies, [
          { policyId: inline.id, precedence: 1 },
          { policyId: reusable.id, precedence: 2 },
        ]);
        assert.deepEqual(await store.apps.get(account.id, app.id), app);
        assert.deepEqual(await store.apps.list(account.id), [app]);
        assert.deepEqual(await store.policies.appsUsing(account.id, reusable.id), [app.id]);
        await expectError(store.policies.delete(account.id, reusable.id), 'conflict', new RegExp(app.id));

        // Replacing the app without the inline policy deletes that policy; the reusable one stays.
        const newInline = await store.policies.create(account.id, {
          name: 'inline 2',
          decision: 'allow',
          include: [rule],
          reusable: false,
        });
        const replaced = await store.apps.replace(account.id, app.id, {
          name: 'renamed',
          type: 'infrastructure',
          targetCriteria: criteria,
          policies: [
            { policyId: newInline.id, precedence: 1 },
            { policyId: reusable.id, precedence: 2 },
          ],
        });
        assert.equal(replaced?.aud, app.aud);
        assert.equal(replaced?.name, 'renamed');
        assert.equal(await store.policies.get(account.id, inline.id), undefined);
        assert.ok(await store.policies.get(account.id, reusable.id));

        assert.deepEqual(await store.apps.delete(account.id, app.id), replaced);
        assert.equal(await store.apps.get(account.id, app.id), undefined);
        assert.equal(await store.policies.get(account.id, newInline.id), undefined);
        assert.deepEqual(await store.policies.delete(account.id, reusable.id), reusable);
        assert.equal(await store.apps.delete(account.id, app.id), undefined);
      });

      it('refuses links to unknown policies, repeated policies and repeated precedences, storing nothing', async () => {
        const reusablePolicy = (name: string) =>
          store.policies.create(account.id, { name, decision: 'allow', include: [], reusable: true });
        const input = (policies: Array<{ policyId: string; precedence: number }>) => ({
          name: 'app',
          type: 'infrastructure',
          targetCriteria: [],
          policies,
        });
        const refused = (policies: Parameters<typeof input>[0], message?: RegExp) =>
          expectError(store.apps.create(account.id, input(policies)), 'invalid_argument', message);
        const p = await reusablePolicy('p');
        const missing = crypto.randomUUID();
        await refused([{ policyId: missing, precedence: 1 }], new RegExp(`policy ${missing} does not exist`));
        await refused([
          { policyId: p.id, precedence: 1 },
          { policyId: p.id, precedence: 2 },
        ]);
        const q = await reusablePolicy('q');
        await refused(
          [
            { policyId: p.id, precedence: 1 },
            { policyId: q.id, precedence: 1 },
          ],
          /precedence/,
        );
        assert.deepEqual(await store.apps.list(account.id), []);
        const empty = await store.apps.create(account.id, input([]));
        assert.deepEqual(empty.policies, []);
        assert.deepEqual(await store.apps.list(account.id, { type: 'self_hosted' }), []);
      });
    });

    describe('access groups', () => {
      it('creates, lists, replaces and deletes groups', async () => {
        const group = await store.groups.create(account.id, {
          name: 'ops',
          include: [{ email_domain: { domain: 'company.com' } }],
        });
        assert.deepEqual(group.require, []);
        assert.deepEqual(await store.groups.get(account.id, group.id), group);
        assert.deepEqual(await store.groups.list(account.id), [group]);
        const replaced = await store.groups.replace(account.id, group.id, {
          name: 'ops2',
          include: [{ everyone: {} }],
          require: [{ auth_method: { auth_method: 'mfa' } }],
        });
        assert.equal(replaced?.name, 'ops2');
        assert.deepEqual(replaced?.require, [{ auth_method: { auth_method: 'mfa' } }]);
        assert.deepEqual(await store.groups.delete(account.id, group.id), replaced);
        assert.deepEqual(await store.groups.list(account.id), []);
        assert.equal(await store.groups.replace(account.id, group.id, { name: 'x', include: [] }), undefined);
      });
    });

    describe('gateway CA', () => {
      it('keeps at most one CA per account, even when two stores create one at once', async () => {
        const other = await open();
        const input = {
          publicKey: 'ssh-ed25519 AAAAC3Nza latchkey-ca',
          encryptedPrivateKey: new Uint8Array([1, 2, 3, 0, 200]),
          keyAlgorithm: 'ssh-ed25519',
        };
        const results = await Promise.allSettled([
          store.gatewayCas.create(account.id, input),
          other.gatewayCas.create(account.id, input),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1);
        assert.ok(isLatchkeyError(lost[0]?.reason, 'conflict'));
        assert.equal((lost[0]!.reason as Error).message, GATEWAY_CA_ALREADY_EXISTS);
        const ca = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<Store['gatewayCas']['create']>>>)
          .value;
        assert.deepEqual(ca.encryptedPrivateKey, input.encryptedPrivateKey);
        assert.deepEqual(await store.gatewayCas.get(account.id), ca);
        assert.deepEqual(await store.gatewayCas.list(account.id), [ca]);
        assert.equal(await store.gatewayCas.delete(account.id, crypto.randomUUID()), undefined);
        assert.deepEqual(await store.gatewayCas.delete(account.id, ca.id), ca);
        assert.deepEqual(await store.gatewayCas.list(account.id), []);
        await store.gatewayCas.create(account.id, input);
      });
    });

    describe('host CA', () => {
      it('keeps one host CA per account: two stores making it at once both get the first', async () => {
        const other = await open();
        assert.equal(await store.hostCas.get(account.id), undefined);
        const input = (n: number) => ({
          publicKey: `ssh-ed25519 AAAAC3Nza${n} latchkey-host-ca`,
          encryptedPrivateKey: new Uint8Array([n, 2, 3, 0, 200]),
          keyAlgorithm: 'ssh-ed25519',
        });
        const [a, b] = await Promise.all([
          store.hostCas.createIfAbsent(account.id, input(1)),
          other.hostCas.createIfAbsent(account.id, input(2)),
        ]);
        assert.deepEqual(a, b, 'the same one, whichever made it');
        assert.deepEqual(await store.hostCas.get(account.id), a);
        assert.deepEqual(await other.hostCas.createIfAbsent(account.id, input(3)), a);
        assert.ok(a.encryptedPrivateKey instanceof Uint8Array && a.encryptedPrivateKey[1] === 2);
        assert.equal(await store.gatewayCas.get(account.id), undefined, 'apart from the SSH CA');
      });
    });

    describe('audit SSH settings', () => {
      it('stores the auditor key, with a new seed id whenever the key changes', async () => {
        assert.equal(await store.auditSshSettings.get(account.id), undefined);
        clock.set('2024-06-01T00:00:00.000Z');
        const key = Buffer.alloc(32, 7).toString('base64');
        const first = await store.auditSshSettings.put(account.id, key);
        assert.equal(first.publicKey, key);
        assert.deepEqual(first.createdAt, new Date('2024-06-01T00:00:00.000Z'));
        assert.deepEqual(await store.auditSshSettings.get(account.id), first);
        const same = await store.auditSshSettings.put(account.id, key);
        assert.equal(same.seedId, first.seedId);
        const off = await store.auditSshSettings.put(account.id, '');
        assert.equal(off.publicKey, '');
        assert.notEqual(off.seedId, first.seedId);
        assert.deepEqual(off.createdAt, first.createdAt);
        assert.ok(off.updatedAt > first.updatedAt);
      });
    });

    describe('access configuration version', () => {
      it('changes with every change to apps, policies, groups, the CA and the log key, and not otherwise', async () => {
        const other = await open();
        let last = await store.accounts.accessConfigVersion();
        const expectChange = async (what: string, change: () => Promise<unknown>, changes = true) => {
          await change();
          const now = await other.accounts.accessConfigVersion();
          if (changes) assert.notEqual(now, last, `${what} bumps the version (seen by another store)`);
          else assert.equal(now, last, `${what} leaves the version alone`);
          last = now;
        };
        const policyInput = {
          name: 'p',
          decision: 'allow',
          include: [{ everyone: {} }],
          connectionRules: { ssh: { usernames: ['root'] } },
          reusable: true,
        };
        let policyId = '';
        await expectChange('a policy create', async () => {
          policyId = (await store.policies.create(account.id, policyInput)).id;
        });
        await expectChange('a policy replace', () =>
          store.policies.replace(account.id, policyId, { ...policyInput, name: 'q' }),
        );
        let appId = '';
        const appInput = {
          name: 'a',
          type: 'infrastructure',
          targetCriteria: [{ target_attributes: { hostname: ['h'] }, port: 22, protocol: 'SSH' }],
          policies: [{ policyId, precedence: 1 }],
        };
        await expectChange('an app create', async () => {
          appId = (await store.apps.create(account.id, appInput)).id;
        });
        await expectChange('an app replace', () =>
          store.apps.replace(account.id, appId, { ...appInput, name: 'b' }),
        );
        await expectChange('an app delete', () => store.apps.delete(account.id, appId));
        await expectChange('a policy delete', () => store.policies.delete(account.id, policyId));
        await expectChange('a group create', () =>
          store.groups.create(account.id, { name: 'g', include: [{ everyone: {} }] }),
        );
        await expectChange('a CA create', () =>
          store.gatewayCas.create(account.id, {
            publicKey: 'ssh-ed25519 AAAAC3Nza latchkey-ca',
            encryptedPrivateKey: new Uint8Array([1]),
            keyAlgorithm: 'ssh-ed25519',
          }),
        );
        await expectChange('a log key change', () =>
          store.auditSshSettings.put(account.id, Buffer.alloc(32, 1).toString('base64')),
        );
        await expectChange(
          'a target create',
          () => store.targets.create(account.id, target('t-1', '10.9.9.9')),
          false,
        );
        await expectChange(
          'a failed transaction',
          async () => {
            await store
              .transaction(async (tx) => {
                await tx.groups.create(account.id, { name: 'rolled back', include: [{ everyone: {} }] });
                throw new Error('abort');
              })
              .catch(() => {});
          },
          false,
        );
      });
    });

    describe('sign-in records', () => {
      it('keeps users unique by lowercased email, and disables and enables them', async () => {
        const ada = await store.users.create(account.id, {
          email: 'Ada@Example.com',
          passwordHash: 'h1',
          groups: ['ops'],
        });
        assert.equal(ada.email, 'ada@example.com');
        await assert.rejects(
          store.users.create(account.id, { email: 'ADA@example.com', passwordHash: 'h2', groups: [] }),
          (error: unknown) => isLatchkeyError(error, 'conflict'),
        );
        assert.deepEqual(await store.users.getByEmail(account.id, 'ADA@EXAMPLE.COM'), ada);
        clock.set('2024-07-01T00:00:00.000Z');
        const disabled = await store.users.update(account.id, ada.id, { disabled: true, groups: ['dev'] });
        assert.deepEqual(disabled?.disabledAt, new Date('2024-07-01T00:00:00.000Z'));
        assert.deepEqual(disabled?.groups, ['dev']);
        const enabled = await store.users.update(account.id, ada.id, { disabled: false });
        assert.equal(enabled?.disabledAt, undefined);
        assert.deepEqual(
          (await store.users.list(account.id)).map((u) => u.email),
          ['ada@example.com'],
        );
      });

      it('rotates a refresh token at most once, even from two stores at once; revoked sessions do not rotate', async () => {
        const other = await open();
        const session = await store.signInSessions.create(account.id, {
          email: 'ada@example.com',
          groups: ['ops'],
          loginMethod: 'builtin',
          authMethods: ['pwd'],
          claims: { nested: { a: [1, 'x'] } },
          clientId: 'latchkey-cli',
          refreshTokenHash: 'hash-0',
          refreshExpiresAt: new Date('2030-01-01T00:00:00.000Z'),
        });
        assert.deepEqual(await other.signInSessions.get(session.id), session);
        const next = (n: number) => ({
          refreshTokenHash: `hash-${n}`,
          refreshExpiresAt: new Date('2030-01-02T00:00:00.000Z'),
        });
        const raced = await Promise.all([
          store.signInSessions.rotateRefreshToken(session.id, 'hash-0', next(1)),
          other.signInSessions.rotateRefreshToken(session.id, 'hash-0', next(2)),
        ]);
        assert.deepEqual(raced.filter(Boolean).length, 1, 'exactly one rotation wins');
        const current = await store.signInSessions.get(session.id);
        assert.ok(current?.refreshTokenHash === 'hash-1' || current?.refreshTokenHash === 'hash-2');
        assert.deepEqual(await store.signInSessions.findByRefreshHash(current.refreshTokenHash), current);
        await store.signInSessions.revoke(session.id);
        assert.equal(
          await store.signInSessions.rotateRefreshToken(session.id, current.refreshTokenHash, next(3)),
          false,
        );
        assert.ok((await store.signInSessions.get(session.id))?.revokedAt !== undefined);
      });

      it('moves a device authorization pending -> approved -> consumed once, and remembers polls', async () => {
        const other = await open();
        const authorization = await store.deviceAuthorizations.create(account.id, {
          deviceCodeHash: 'device-hash',
          userCode: 'BCDF-GHJK',
          clientId: 'latchkey-cli',
          intervalSeconds: 2,
          expiresAt: new Date('2030-01-01T00:00:00.000Z'),
        });
        assert.equal(authorization.status, 'pending');
        assert.deepEqual(await store.deviceAuthorizations.findByUserCode('BCDF-GHJK'), authorization);
        clock.set('2024-07-01T00:00:00.000Z');
        assert.equal(await store.deviceAuthorizations.recordPoll(authorization.id, clock.now()), undefined);
        assert.deepEqual(
          await store.deviceAuthorizations.recordPoll(authorization.id, new Date('2024-07-01T00:00:05.000Z')),
          new Date('2024-07-01T00:00:00.000Z'),
        );
        const session = await store.signInSessions.create(account.id, {
          email: 'ada@example.com',
          groups: [],
          loginMethod: 'builtin',
          authMethods: ['pwd'],
          claims: {},
          clientId: 'latchkey-cli',
          refreshTokenHash: 'unseen',
          refreshExpiresAt: new Date('2030-01-01T00:00:00.000Z'),
        });
        assert.equal(await store.deviceAuthorizations.consume(authorization.id), false, 'not approved yet');
        const decided = await Promise.all([
          store.deviceAuthorizations.decide(authorization.id, { status: 'approved', sessionId: session.id }),
          other.deviceAuthorizations.decide(authorization.id, { status: 'denied' }),
        ]);
        assert.equal(decided.filter(Boolean).length, 1, 'one decision wins');
        const consumed = await Promise.all([
          store.deviceAuthorizations.consume(authorization.id),
          other.deviceAuthorizations.consume(authorization.id),
        ]);
        const status = (await store.deviceAuthorizations.findByDeviceCodeHash('device-hash'))?.status;
        if (status === 'consumed') assert.equal(consumed.filter(Boolean).length, 1, 'consumed once');
        else assert.equal(status, 'denied');
      });

      it('completes an upstream login once, and finds it by its confirmation', async () => {
        const authorization = await store.deviceAuthorizations.create(account.id, {
          deviceCodeHash: 'd2',
          userCode: 'BCDF-GHJL',
          clientId: 'latchkey-cli',
          intervalSeconds: 2,
          expiresAt: new Date('2030-01-01T00:00:00.000Z'),
        });
        await store.upstreamLogins.create({
          state: 'state-1',
          deviceAuthorizationId: authorization.id,
          pending: { providerId: 'corp', nonce: 'n' },
          expiresAt: new Date('2030-01-01T00:00:00.000Z'),
        });
        assert.equal(
          await store.upstreamLogins.complete('state-1', { email: 'a@b.c' }, 'confirm-hash'),
          true,
        );
        assert.equal(await store.upstreamLogins.complete('state-1', { email: 'evil@b.c' }, 'other'), false);
        const found = await store.upstreamLogins.findByConfirmationHash('confirm-hash');
        assert.deepEqual(found?.identity, { email: 'a@b.c' });
        assert.deepEqual(found?.pending, { providerId: 'corp', nonce: 'n' });
        await store.upstreamLogins.delete('state-1');
        assert.equal(await store.upstreamLogins.get('state-1'), undefined);
      });

      it('keeps one token signing key even when two stores create one at once', async () => {
        const other = await open();
        const [a, b] = await Promise.all([
          store.tokenSigningKeys.createIfAbsent({
            encryptedPrivateKey: new Uint8Array([1, 2]),
            publicKey: 'A',
          }),
          other.tokenSigningKeys.createIfAbsent({
            encryptedPrivateKey: new Uint8Array([3, 4]),
            publicKey: 'B',
          }),
        ]);
        assert.deepEqual(a, b);
        assert.deepEqual(await store.tokenSigningKeys.get(), a);
      });
    });

    describe('API tokens', () => {
      it('finds tokens by hash, lists, revokes and records use', async () => {
        const hash = 'ab'.repeat(32);
        const token = await store.apiTokens.create(account.id, {
          name: 'admin',
          tokenHash: hash,
          permissions: ['Zero Trust: Edit', 'Access: Apps and Policies Edit'],
          expiresAt: new Date('2030-01-01T00:00:00.000Z'),
        });
        assert.deepEqual(token.permissions, ['Zero Trust: Edit', 'Access: Apps and Policies Edit']);
        assert.equal(token.lastUsedAt, undefined);
        assert.equal(token.revokedAt, undefined);
        assert.deepEqual(await store.apiTokens.findByHash(hash.toUpperCase()), token);
        assert.equal(await store.apiTokens.findByHash('cd'.repeat(32)), undefined);
        await expectError(
          store.apiTokens.create(account.id, { name: 'dup', tokenHash: hash, permissions: [] }),
          'conflict',
        );
        const plain = await store.apiTokens.create(account.id, {
          name: 'ro',
          tokenHash: 'ef'.repeat(32),
          permissions: [],
        });
        assert.equal(plain.expiresAt, undefined);
        assert.deepEqual(
          (await store.apiTokens.list(account.id)).map((t) => t.name),
          ['admin', 'ro'],
        );

        clock.set('2024-07-01T00:00:00.000Z');
        await store.apiTokens.touch(token.id);
        assert.deepEqual(
          (await store.apiTokens.get(account.id, token.id))?.lastUsedAt,
          new Date('2024-07-01T00:00:00.000Z'),
        );
        clock.set('2024-07-02T00:00:00.000Z');
        const revoked = await store.apiTokens.revoke(account.id, token.id);
        assert.deepEqual(revoked?.revokedAt, new Date('2024-07-02T00:00:00.000Z'));
        clock.set('2024-07-03T00:00:00.000Z');
        assert.deepEqual((await store.apiTokens.revoke(account.id, token.id))?.revokedAt, revoked?.revokedAt);
        assert.equal(await store.apiTokens.revoke('another-account', token.id), undefined);
      });
    });

    describe('audit events', () => {
      it('stores concurrent appends (grouped into one commit on SQLite), each caller getting its own event', async () => {
        const appended = await Promise.all(
          Array.from({ length: 300 }, (_, i) =>
            store.auditEvents.append(account.id, {
              actor: `user:u${i}@example.com`,
              action: 'certificate.issue',
              resourceType: 'target',
              resourceId: `t${i}`,
              after: { serial: String(i) },
            }),
          ),
        );
        appended.forEach((event, i) => {
          assert.equal(event.resourceId, `t${i}`);
          assert.deepEqual(event.after, { serial: String(i) });
        });
        const listed = await store.auditEvents.list(account.id, {
          action: 'certificate.issue',
          perPage: 1000,
        });
        assert.equal(listed.totalCount, 300);
        const newestFirst = listed.items.map((e) => e.resourceId);
        const arrivalReversed = appended.map((e) => e.resourceId).reverse();
        if (backend.name === 'sqlite')
          assert.deepEqual(newestFirst, arrivalReversed, 'one connection keeps arrival order');
        else
          assert.deepEqual(
            [...newestFirst].sort(),
            [...arrivalReversed].sort(),
            'a pool of connections: all stored',
          );
        await store.close();
        await assert.rejects(
          store.auditEvents.append(account.id, { actor: 'x', action: 'target.create', resourceType: 'z' }),
          'an append after close fails, never silently drops',
        );
      });

      it('lists events newest first, filtered and paged', async () => {
        clock.set('2024-08-01T00:00:00.000Z');
        for (let i = 0; i < 5; i++) {
          await store.auditEvents.append(account.id, {
            actor: i % 2 === 0 ? 'token:a' : 'user:jdoe@company.com',
            action: i < 3 ? 'target.create' : 'target.delete',
            resourceType: 'target',
            resourceId: `t${i}`,
            ...(i < 3 ? { after: { id: `t${i}`, ip: ['10.0.0.1'] } } : { before: { id: `t${i}` } }),
          });
        }
        await store.auditEvents.append(account.id, {
          actor: 'token:a',
          action: 'gateway_ca.create',
          resourceType: 'gateway_ca',
        });
        const all = await store.auditEvents.list(account.id);
        assert.equal(all.totalCount, 6);
        assert.deepEqual(
          all.items.map((e) => e.resourceId ?? e.action),
          ['gateway_ca.create', 't4', 't3', 't2', 't1', 't0'],
        );
        const first = all.items.at(-1)!;
        assert.deepEqual(first.after, { id: 't0', ip: ['10.0.0.1'] });
        assert.equal(first.before, undefined);
        assert.equal(first.actor, 'token:a');
        assert.deepEqual(first.createdAt, new Date('2024-08-01T00:00:00.000Z'));
        assert.deepEqual(all.items[1]!.before, { id: 't4' });
        const deletes = await store.auditEvents.list(account.id, { action: 'target.delete' });
        assert.deepEqual(
          deletes.items.map((e) => e.resourceId),
          ['t4', 't3'],
        );
        const since = await store.auditEvents.list(account.id, {
          since: new Date('2024-08-01T00:00:00.003Z'),
        });
        assert.deepEqual(
          since.items.map((e) => e.resourceId ?? e.action),
          ['gateway_ca.create', 't4', 't3'],
        );
        const byType = await store.auditEvents.list(account.id, { resourceType: 'gateway_ca' });
        assert.equal(byType.totalCount, 1);
        const byActor = await store.auditEvents.list(account.id, { actor: 'user:jdoe@company.com' });
        assert.equal(byActor.totalCount, 2);
        const page2 = await store.auditEvents.list(account.id, { perPage: 4, page: 2 });
        assert.deepEqual(
          page2.items.map((e) => e.resourceId),
          ['t1', 't0'],
        );
        assert.equal(page2.totalCount, 6);
      });
    });
  });
}

function hostnamesOf(page: { items: TargetRecord[] }): string[] {
  return page.items.map((t) => t.hostname);
}

describe('openStore configuration errors', () => {
  it('names the setting when the database URL is malformed or not PostgreSQL', async () => {
    await expectError(
      openStore({ databaseUrl: 'not a url' }),
      'invalid_config',
      /--database-url is not a valid URL/,
    );
    await expectError(
      openStore({ databaseUrl: 'mysql://db/latchkey', databaseUrlSetting: 'LATCHKEY_DATABASE_URL' }),
      'invalid_config',
      /LATCHKEY_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/,
    );
  });

  it('says the database is unavailable when nothing answers, without printing the password', async () => {
    const error = await expectError(
      openStore({ databaseUrl: 'postgres://latchkey:s3cret@127.0.0.1:1/latchkey' }),
      'unavailable',
      /cannot connect to PostgreSQL at postgres:\/\/latchkey:\*\*\*@127\.0\.0\.1:1\/latchkey \(--database-url\)/,
    );
    assert.doesNotMatch(error.message, /s3cret/);
  });

  it('says which SQLite file cannot be opened', async () => {
    await expectError(
      openStore({ sqlitePath: '/nonexistent-dir-for-latchkey/store.sqlite' }),
      'invalid_config',
      /cannot open the SQLite database \/nonexistent-dir-for-latchkey\/store\.sqlite/,
    );
  });
});
