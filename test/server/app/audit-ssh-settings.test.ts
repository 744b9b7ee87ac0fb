// The auditors' key settings over in-memory fakes of the ports they declare (AuditSshSettingsDeps):
// setting the key and rotating its seed are audited in the same transaction, with the settings before
// (the "never set" presentation when there were none) and after. Over HTTP and SQLite:
// test/server/http/ssh-auditing.test.ts.
import assert from 'node:assert/strict';
import {
  getAuditSshSettings,
  putAuditSshSettings,
  rotateAuditSshSeed,
  type AuditSshSettingsDeps,
} from '../../../server/src/app/audit-ssh-settings.js';
import type { Caller } from '../../../server/src/app/caller.js';
import type { Repositories } from '../../../server/src/app/ports/store.js';
import type { AuditSshSettingsRecord } from '../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from './fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');
const KEY = Buffer.alloc(32, 7).toString('base64');
const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};

function world() {
  let settings: AuditSshSettingsRecord | undefined;
  let seeds = 0;
  const newSeed = () => `00000000-0000-4000-8000-${String(++seeds).padStart(12, '0')}`;
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      auditSshSettings: fake<Repositories['auditSshSettings']>('auditSshSettings', {
        get: async (accountId) => (accountId === ACCOUNT ? settings : undefined),
        put: async (accountId, publicKey) => {
          settings = {
            accountId,
            publicKey,
            seedId: settings?.publicKey === publicKey ? settings.seedId : newSeed(),
            createdAt: settings?.createdAt ?? NOW,
            updatedAt: NOW,
          };
          return settings;
        },
        rotateSeed: async (accountId) => {
          settings = {
            accountId,
            publicKey: settings?.publicKey ?? '',
            seedId: newSeed(),
            createdAt: settings?.createdAt ?? NOW,
            updatedAt: NOW,
          };
          return settings;
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: AuditSshSettingsDeps = { store, clock: () => NOW };
  return { deps, audit };
}

describe('app: audit SSH settings (over fakes)', () => {
  it('sets the key, audited in the same transaction with nothing before it', async () => {
    const { deps, audit } = world();
    assert.equal(await getAuditSshSettings(deps, admin), undefined);
    const after = await putAuditSshSettings(deps, admin, KEY);
    assert.equal(after.publicKey, KEY);
    assert.deepEqual(await getAuditSshSettings(deps, admin), after);
    assert.deepEqual(audit.actions(), ['audit_ssh_settings.update']);
    const [event] = audit.events;
    assert.equal(event!.resourceId, ACCOUNT);
    assert.equal(event!.before, undefined);
    assert.deepEqual(event!.after, {
      public_key: KEY,
      seed_id: after.seedId,
      created_at: NOW.toISOString(),
      updated_at: NOW.toISOString(),
    });
    assert.equal(event!.inTransaction, true);
  });

  it('rotates the seed, keeping the key, with the settings before and after', async () => {
    const { deps, audit } = world();
    const before = await putAuditSshSettings(deps, admin, KEY);
    const after = await rotateAuditSshSeed(deps, admin);
    assert.equal(after.publicKey, KEY);
    assert.notEqual(after.seedId, before.seedId);
    assert.deepEqual(audit.actions(), ['audit_ssh_settings.update', 'audit_ssh_settings.rotate_seed']);
    const event = audit.events[1]!;
    assert.deepEqual(
      [(event.before as { seed_id: string }).seed_id, (event.after as { seed_id: string }).seed_id],
      [before.seedId, after.seedId],
    );
    assert.equal(event.inTransaction, true);
  });
});
