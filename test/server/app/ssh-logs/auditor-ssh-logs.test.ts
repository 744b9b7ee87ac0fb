// What auditors do with session logs, as use cases over in-memory fakes of the ports they declare
// (AuditorSshLogsDeps): a download is audited before its first byte is read, an unknown log is
// not_found and audits nothing, a list query becomes the store's request. Over HTTP: test/server/http/.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import type { Caller } from '../../../../server/src/app/caller.js';
import type { Repositories, SshLogListRequest } from '../../../../server/src/app/ports/store.js';
import {
  downloadSshLog,
  getSshLog,
  listSshLogs,
  type AuditorSshLogsDeps,
} from '../../../../server/src/app/ssh-logs/auditor-ssh-logs.js';
import type { SshLogRecord } from '../../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from '../fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');

const LOG: SshLogRecord = {
  id: 'session-1.20260304T050000Z.abcd',
  accountId: ACCOUNT,
  agentId: 'agent-1',
  sessionId: 'session-1',
  userEmail: 'ada@example.com',
  username: 'deploy',
  targetId: 'target-1',
  pty: true,
  programType: 'shell',
  sessionStartAt: new Date('2026-03-04T05:00:00Z'),
  status: 'complete',
  sizeBytes: 3,
  sha256: 'ab'.repeat(32),
  uploadedAt: NOW,
};

const auditor: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-auditor',
  permissions: ['Access: SSH Auditing Read'],
  actor: 'token:token-auditor',
};

function world() {
  const requests: SshLogListRequest[] = [];
  /** Which happened first: the audit event or the first byte read. */
  const order: string[] = [];
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      sshLogs: fake<Repositories['sshLogs']>('sshLogs', {
        get: async (accountId, id) => (accountId === LOG.accountId && id === LOG.id ? LOG : undefined),
        list: async (_accountId, request = {}) => {
          requests.push(request);
          return { items: [LOG], page: 1, perPage: 100, totalCount: 1 };
        },
        open: async (accountId, id) => {
          if (accountId !== LOG.accountId || id !== LOG.id) return undefined;
          async function* content() {
            order.push('read');
            yield new Uint8Array([1, 2, 3]);
          }
          return { log: LOG, content: content() };
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: AuditorSshLogsDeps = { store };
  const originalAppend = audit.append.bind(audit);
  audit.append = async (accountId, input) => {
    order.push('audit');
    return originalAppend(accountId, input);
  };
  return { deps, audit, requests, order };
}

describe('app: auditor session logs (over fakes)', () => {
  it('audits a download, in a transaction, before the first byte is read', async () => {
    const { deps, audit, order } = world();
    const download = await downloadSshLog(deps, auditor, LOG.id);
    assert.equal(download.log, LOG);
    const bytes: number[] = [];
    for await (const piece of download.content) bytes.push(...piece);
    assert.deepEqual(bytes, [1, 2, 3]);
    assert.deepEqual(order, ['audit', 'read']);
    assert.deepEqual(audit.actions(), ['ssh_log.download']);
    const event = audit.events[0]!;
    assert.equal(event.actor, 'token:token-auditor');
    assert.equal(event.resourceType, 'ssh_log');
    assert.equal(event.resourceId, LOG.id);
    assert.equal(event.inTransaction, true);
    assert.deepEqual(event.after, { session_id: 'session-1', size_bytes: 3, sha256: LOG.sha256 });
  });

  it('answers not_found for a log of no account or another one, and audits nothing', async () => {
    const { deps, audit } = world();
    for (const [caller, id] of [
      [auditor, 'no-such-log'],
      [{ ...auditor, accountId: 'account-2' }, LOG.id],
    ] as const) {
      await assert.rejects(
        downloadSshLog(deps, caller, id),
        (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
      );
      await assert.rejects(
        getSshLog(deps, caller, id),
        (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
      );
    }
    assert.deepEqual(audit.events, []);
  });

  it('reads one log without auditing it', async () => {
    const { deps, audit } = world();
    assert.equal(await getSshLog(deps, auditor, LOG.id), LOG);
    assert.deepEqual(audit.events, []);
  });

  it("turns the list query into the store's request: only the filters given, times as dates", async () => {
    const { deps, requests } = world();
    await listSshLogs(deps, auditor, {});
    await listSshLogs(deps, auditor, {
      user_email: 'Ada@Example.com',
      status: 'incomplete',
      since: '2026-03-01T00:00:00Z',
      page: 2,
      per_page: 10,
    });
    assert.deepEqual(requests, [
      {},
      {
        userEmail: 'Ada@Example.com',
        status: 'incomplete',
        since: new Date('2026-03-01T00:00:00Z'),
        page: 2,
        perPage: 10,
      },
    ]);
  });
});
