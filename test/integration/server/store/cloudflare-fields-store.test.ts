/**
 * Issue 16's stored fields (migration 0015) on SQLite and a real PostgreSQL: target tags (stored, kept by
 * a replace without tags, filtered by key and value), an access group's is_default, an app's mfa_config,
 * a reusable policy without connection_rules, the seed rotation of the session-log settings, and
 * Cloudflare-style account ids.
 */
import assert from 'node:assert/strict';
import { openStore } from '../../../../server/src/adapters/db/open-store.js';
import type { Store } from '../../../../server/src/app/ports/store.js';
import type { AccountRecord } from '../../../../server/src/domain/records.js';
import { storeBackends } from '../support/store-backends.js';

for (const backend of storeBackends('cloudflare-fields-store')) {
  describe(`store on ${backend.name}: Cloudflare fields (issue 16)`, function () {
    this.timeout(60_000);
    let store: Store;
    let account: AccountRecord;

    before(() => backend.setUp());
    after(() => backend.tearDown());
    beforeEach(async () => {
      store = await openStore(await backend.freshDatabase());
      account = (await store.accounts.ensureDefaultAccount()).account;
    });
    afterEach(async () => store?.close());

    it('a new account id is 32 hex characters', () => {
      assert.match(account.id, /^[0-9a-f]{32}$/);
    });

    it('stores target tags, filters by every tag given, and keeps them on a replace without tags', async () => {
      const web = await store.targets.create(account.id, {
        hostname: 'web',
        ipv4: { address: '10.0.0.1' },
        tags: { env: 'prod', 'team name': 'web "one"' },
      });
      await store.targets.create(account.id, {
        hostname: 'db',
        ipv4: { address: '10.0.0.2' },
        tags: { env: 'prod' },
      });
      await store.targets.create(account.id, { hostname: 'bare', ipv4: { address: '10.0.0.3' } });
      assert.deepEqual(web.tags, { env: 'prod', 'team name': 'web "one"' });
      assert.deepEqual((await store.targets.get(account.id, web.id))?.tags, web.tags);

      const hostnames = async (tags: { key: string; value: string }[]) =>
        (await store.targets.list(account.id, { tags })).items.map((t) => t.hostname).sort();
      assert.deepEqual(await hostnames([{ key: 'env', value: 'prod' }]), ['db', 'web']);
      assert.deepEqual(
        await hostnames([
          { key: 'env', value: 'prod' },
          { key: 'team name', value: 'web "one"' },
        ]),
        ['web'],
      );
      assert.deepEqual(await hostnames([{ key: 'env', value: 'staging' }]), []);
      assert.equal(
        (await store.targets.list(account.id, { tags: [{ key: 'env', value: 'prod' }] })).totalCount,
        2,
      );

      const replaced = await store.targets.replace(account.id, web.id, {
        hostname: 'web',
        ipv4: { address: '10.0.0.9' },
      });
      assert.deepEqual(replaced?.tags, web.tags, 'no tags given: kept');
      const cleared = await store.targets.replace(account.id, web.id, {
        hostname: 'web',
        ipv4: { address: '10.0.0.9' },
        tags: {},
      });
      assert.deepEqual(cleared?.tags, {});
      assert.deepEqual((await store.targets.get(account.id, web.id))?.tags, {});
    });

    it("stores a group's is_default and an app's mfa_config; a policy may lack connection_rules", async () => {
      const group = await store.groups.create(account.id, {
        name: 'ops',
        isDefault: true,
        include: [{ everyone: {} }],
      });
      assert.equal(group.isDefault, true);
      assert.equal((await store.groups.get(account.id, group.id))?.isDefault, true);
      const plain = await store.groups.create(account.id, { name: 'dev', include: [{ everyone: {} }] });
      assert.equal(plain.isDefault, false);

      const policy = await store.policies.create(account.id, {
        name: 'bare',
        decision: 'allow',
        include: [{ everyone: {} }],
        reusable: true,
      });
      assert.equal((await store.policies.get(account.id, policy.id))?.connectionRules, undefined);

      const mfaConfig = { allowed_authenticators: ['piv_key'], session_duration: '12h' };
      const app = await store.apps.create(account.id, {
        name: 'app',
        type: 'infrastructure',
        targetCriteria: [{ include: { tags: { env: ['prod'] } }, port: 22, protocol: 'SSH' }],
        policies: [],
        mfaConfig,
      });
      assert.deepEqual((await store.apps.get(account.id, app.id))?.mfaConfig, mfaConfig);
      const replaced = await store.apps.replace(account.id, app.id, {
        name: 'app',
        type: 'infrastructure',
        targetCriteria: app.targetCriteria,
        policies: [],
      });
      assert.equal(replaced?.mfaConfig, undefined);
      assert.equal((await store.apps.get(account.id, app.id))?.mfaConfig, undefined);
    });

    it('rotates the seed of the session-log settings, keeping the key (also before any key)', async () => {
      const first = await store.auditSshSettings.rotateSeed(account.id);
      assert.equal(first.publicKey, '');
      const key = Buffer.alloc(32, 1).toString('base64');
      const set = await store.auditSshSettings.put(account.id, key);
      const rotated = await store.auditSshSettings.rotateSeed(account.id);
      assert.equal(rotated.publicKey, key);
      assert.notEqual(rotated.seedId, set.seedId);
      assert.equal((await store.auditSshSettings.get(account.id))?.seedId, rotated.seedId);
    });
  });
}
