// Reading the audit trail as a use case over an in-memory fake of the one port it declares
// (AuditLogDeps): its defaults and how the query becomes the store's request. Over HTTP:
// test/server/http/audit-log.test.ts.
import assert from 'node:assert/strict';
import { listAuditEvents, type AuditLogDeps } from '../../../server/src/app/audit-log.js';
import type { Caller } from '../../../server/src/app/caller.js';
import { FakeAuditTrail } from './fakes.js';

const NOW = new Date('2026-03-04T05:06:07Z');
const caller: Caller = {
  accountId: 'account-1',
  tokenId: 'token-1',
  permissions: ['Audit Logs: Read'],
  actor: 'token:token-1',
};

function world() {
  const audit = new FakeAuditTrail(() => NOW);
  const deps: AuditLogDeps = { store: { auditEvents: audit } };
  return { deps, audit };
}

describe('app: listAuditEvents (over a fake)', () => {
  it("asks for the caller's account's events only, 100 a page by default", async () => {
    const { deps, audit } = world();
    await audit.append('account-1', { actor: 'token:a', action: 'target.create', resourceType: 'target' });
    await audit.append('account-2', { actor: 'token:b', action: 'target.delete', resourceType: 'target' });
    await audit.append('account-1', { actor: 'token:a', action: 'target.update', resourceType: 'target' });
    const page = await listAuditEvents(deps, caller, {});
    assert.deepEqual(
      page.items.map((event) => event.action),
      ['target.update', 'target.create'],
    );
    assert.deepEqual(audit.lastListRequest, { page: 1, perPage: 100 });
  });

  it("turns every filter of the query into the store's request", async () => {
    const { deps, audit } = world();
    await listAuditEvents(deps, caller, {
      action: 'certificate.issue',
      resource_type: 'target',
      resource_id: 'target-1',
      actor: 'user:ada@example.com',
      since: '2026-03-01T00:00:00Z',
      page: 3,
      per_page: 20,
    });
    assert.deepEqual(audit.lastListRequest, {
      page: 3,
      perPage: 20,
      action: 'certificate.issue',
      resourceType: 'target',
      resourceId: 'target-1',
      actor: 'user:ada@example.com',
      since: new Date('2026-03-01T00:00:00Z'),
    });
  });
});
