/**
 * The join-token and agent repositories on SQLite and a real PostgreSQL: the use count is taken with a
 * compare-and-swap that holds across separate stores (as separate server processes would be), expiry
 * and revocation are part of the swap, agents keep their heartbeat and target, one agent per machine id.
 */
import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { openStore } from '../../../../server/src/adapters/db/open-store.js';
import type { Store, StoreOptions } from '../../../../server/src/app/ports/store.js';
import type { AccountRecord, AgentRecord } from '../../../../server/src/domain/records.js';
import { storeBackends } from '../support/store-backends.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');

for (const backend of storeBackends('agent-store')) {
  describe(`agent store on ${backend.name}`, function () {
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

    const joinToken = (
      maxUses: number,
      expiresAt = new Date(NOW.getTime() + 60_000),
      hash = 'ab'.repeat(32),
    ) => store.joinTokens.create(account.id, { name: 'fleet', tokenHash: hash, maxUses, expiresAt });

    it('stores a join token by its hash, lists it, and refuses a second one with the same hash', async () => {
      const token = await joinToken(2);
      assert.deepEqual(await store.joinTokens.findByHash('AB'.repeat(32)), token);
      assert.deepEqual(await store.joinTokens.list(account.id), [token]);
      assert.equal(token.uses, 0);
      await assert.rejects(joinToken(1), (error) => isLatchkeyError(error, 'conflict'));
    });

    it('takes uses with a compare-and-swap that holds across stores: 5 uses, 20 tries, 5 successes', async () => {
      const token = await joinToken(5);
      const stores = [store, await open(), await open(), await open()];
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.joinTokens.consumeUse(token.id, NOW)),
      );
      assert.equal(outcomes.filter(Boolean).length, 5);
      assert.equal((await store.joinTokens.get(account.id, token.id))?.uses, 5);
    });

    it('an expired or revoked token gives no use', async () => {
      const expiring = await joinToken(5, new Date(NOW.getTime() + 1000));
      assert.equal(await store.joinTokens.consumeUse(expiring.id, new Date(NOW.getTime() + 999)), true);
      assert.equal(await store.joinTokens.consumeUse(expiring.id, new Date(NOW.getTime() + 1000)), false);
      const revoked = await joinToken(5, undefined, 'cd'.repeat(32));
      const first = await store.joinTokens.revoke(account.id, revoked.id);
      assert.deepEqual(first?.revokedAt, NOW);
      assert.equal(await store.joinTokens.consumeUse(revoked.id, NOW), false);
      assert.equal((await store.joinTokens.get(account.id, revoked.id))?.uses, 0);
      assert.equal(
        await store.joinTokens.revoke('00000000-0000-4000-8000-000000000000', revoked.id),
        undefined,
      );
    });

    it('keeps agents with their credential, target and heartbeat; one agent per machine id', async () => {
      const token = await joinToken(3);
      const credential = await store.apiTokens.create(account.id, {
        name: 'agent web-1',
        tokenHash: 'ef'.repeat(32),
        permissions: ['Latchkey: Agent'],
      });
      const agent = await store.agents.create(account.id, {
        hostname: 'web-1',
        machineId: '0123456789abcdef0123456789abcdef',
        apiTokenId: credential.id,
        joinTokenId: token.id,
      });
      assert.deepEqual(await store.agents.findByApiTokenId(credential.id), agent);
      assert.deepEqual(
        await store.agents.findByMachineId(account.id, '0123456789abcdef0123456789abcdef'),
        agent,
      );
      const withTarget = await store.agents.setTarget(
        account.id,
        agent.id,
        '11111111-1111-4111-8111-111111111111',
      );
      assert.equal(withTarget?.targetId, '11111111-1111-4111-8111-111111111111');
      const seenAt = new Date(NOW.getTime() + 5000);
      const beat = await store.agents.recordHeartbeat(
        account.id,
        agent.id,
        {
          version: '0.1.0',
          distro: 'Debian GNU/Linux 12',
          sshdVersion: 'OpenSSH_9.2p1',
          clockOffsetMs: -250,
          sshdConfig: { state: 'trusted', method: 'drop-in' },
        },
        seenAt,
      );
      assert.deepEqual(beat?.lastSeenAt, seenAt);
      assert.deepEqual(await store.agents.listForTarget(account.id, '11111111-1111-4111-8111-111111111111'), [
        beat,
      ]);
      assert.deepEqual(
        await store.agents.listForTarget(account.id, '22222222-2222-4222-8222-222222222222'),
        [],
      );
      assert.deepEqual(beat?.heartbeat?.sshdConfig, { state: 'trusted', method: 'drop-in' });
      assert.deepEqual(await store.agents.list(account.id), [beat]);

      const another = await store.apiTokens.create(account.id, {
        name: 'agent web-1 again',
        tokenHash: '12'.repeat(32),
        permissions: ['Latchkey: Agent'],
      });
      await assert.rejects(
        store.agents.create(account.id, {
          hostname: 'web-1',
          machineId: '0123456789abcdef0123456789abcdef',
          apiTokenId: another.id,
          joinTokenId: token.id,
        }),
        (error) => isLatchkeyError(error, 'conflict'),
      );
      const stale = await store.agents.replaceCredential(account.id, agent.id, {
        previousApiTokenId: another.id,
        apiTokenId: another.id,
      });
      assert.equal(stale, undefined, 'a compare-and-swap: not the credential the agent holds');
      const replaced = await store.agents.replaceCredential(account.id, agent.id, {
        previousApiTokenId: credential.id,
        apiTokenId: another.id,
      });
      assert.equal(replaced?.apiTokenId, another.id);
      assert.equal(replaced?.targetId, '11111111-1111-4111-8111-111111111111', 'the target stays');
      assert.equal(await store.agents.findByApiTokenId(credential.id), undefined);
      // Agents without a machine id do not clash with each other.
      for (const [i, hash] of ['34', '56'].entries()) {
        const t = await store.apiTokens.create(account.id, {
          name: `agent ${i}`,
          tokenHash: hash.repeat(32),
          permissions: ['Latchkey: Agent'],
        });
        await store.agents.create(account.id, {
          hostname: `anon-${i}`,
          apiTokenId: t.id,
          joinTokenId: token.id,
        });
      }
      assert.equal((await store.agents.list(account.id)).length, 3);
    });

    it('lists the agents of several targets in one call, scoped by account; keeps front and sessions', async () => {
      const token = await joinToken(10);
      const targets = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
      const agents: AgentRecord[] = [];
      for (const [i, targetId] of [targets[0], targets[1], targets[1], undefined].entries()) {
        const credential = await store.apiTokens.create(account.id, {
          name: `agent ${i}`,
          tokenHash: String(i).repeat(64),
          permissions: ['Latchkey: Agent'],
        });
        const agent = await store.agents.create(account.id, {
          hostname: `host-${i}`,
          apiTokenId: credential.id,
          joinTokenId: token.id,
        });
        agents.push(
          targetId === undefined ? agent : (await store.agents.setTarget(account.id, agent.id, targetId))!,
        );
      }
      const beat = await store.agents.recordHeartbeat(
        account.id,
        agents[0]!.id,
        {
          version: '0.2.0',
          distro: 'debian 12',
          sshdConfig: { state: 'trusted' },
          front: { port: 2022, hostKey: 'ssh-ed25519 AAAA' },
          sessions: [
            {
              sessionId: 'abc-1',
              person: 'ada@example.com',
              unixUser: 'deploy',
              program: 'exec',
              command: 'uptime',
              startedAt: '2026-11-24T11:59:00.000Z',
            },
          ],
        },
        NOW,
      );
      const ids = (list: { id: string }[]) => list.map((a) => a.id).sort();
      const found = await store.agents.listForTargets(account.id, [
        ...targets,
        '33333333-3333-4333-8333-333333333333',
      ]);
      assert.deepEqual(ids(found), ids(agents.slice(0, 3)));
      assert.deepEqual(
        found.find((a) => a.id === agents[0]!.id),
        beat,
        'the heartbeat, front and sessions included, reads back as stored',
      );
      assert.deepEqual(await store.agents.listForTargets(account.id, []), []);
      assert.deepEqual(
        await store.agents.listForTargets('00000000-0000-4000-8000-000000000000', targets),
        [],
      );
      const many = Array.from(
        { length: 1200 },
        (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      );
      assert.deepEqual(
        ids(await store.agents.listForTargets(account.id, [...many, targets[1]!])),
        ids(agents.slice(1, 3)),
      );
    });
  });
}
