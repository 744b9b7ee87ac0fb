/** Upstream identities on SQLite and PostgreSQL: keyed by (issuer, subject), one unlinked holder per email. */
import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { openStore } from '../../../../server/src/adapters/db/open-store.js';
import type { Store } from '../../../../server/src/app/ports/store.js';
import { storeBackends } from '../support/store-backends.js';

for (const backend of storeBackends('upstream-identities')) {
  describe(`upstream identities store on ${backend.name}`, function () {
    this.timeout(60_000);
    let store: Store;
    let accountId: string;

    before(() => backend.setUp());
    after(() => backend.tearDown());
    beforeEach(async () => {
      store = await openStore(await backend.freshDatabase());
      accountId = (await store.accounts.ensureDefaultAccount()).account.id;
    });
    afterEach(async () => store?.close());

    const identity = (issuer: string, subject: string, email: string) => ({
      accountId,
      issuer,
      subject,
      providerId: issuer.replace(/^https:\/\//, ''),
      email,
    });

    it('keeps one identity per (issuer, subject), updates its email, and one unlinked holder per email', async () => {
      const ann = await store.upstreamIdentities.save(identity('https://corp', 'ann', 'Ann@Corp.example'));
      assert.equal(ann.email, 'ann@corp.example');
      assert.equal(ann.linked, false);
      await store.upstreamIdentities.save(identity('https://corp', 'ann', 'ann.l@corp.example'));
      assert.equal(
        (await store.upstreamIdentities.get(accountId, 'https://corp', 'ann'))?.email,
        'ann.l@corp.example',
      );
      await assert.rejects(
        store.upstreamIdentities.save(identity('https://partner', 'x', 'ann.l@corp.example')),
        (error) => isLatchkeyError(error, 'conflict'),
      );
      await store.upstreamIdentities.save({
        ...identity('https://partner', 'x', 'ann.l@corp.example'),
        linked: true,
      });
      const both = await store.upstreamIdentities.listByEmail(accountId, 'ANN.L@corp.example');
      assert.deepEqual(
        both.map((i) => [i.issuer, i.subject, i.linked]),
        [
          ['https://corp', 'ann', false],
          ['https://partner', 'x', true],
        ],
      );
    });
  });
}
