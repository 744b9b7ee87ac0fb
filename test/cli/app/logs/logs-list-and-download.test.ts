import assert from 'node:assert/strict';
import type { Account, SshLog } from '@latchkey/shared';
import { resolveAccountId } from '../../../../cli/src/app/api-token-account.js';
import { downloadLog } from '../../../../cli/src/app/logs/download-log.js';
import { listLogs } from '../../../../cli/src/app/logs/list-logs.js';
import type { AuditApi, LogListQuery } from '../../../../cli/src/app/logs/ports.js';

function account(id: string): Account {
  return { id, name: id, type: 'standard', created_on: '2026-01-01T00:00:00Z' };
}

/** An AuditApi over `total` logs, paging as the server does, recording the calls. */
function fakeApi(total: number, accounts = [account('acc-1')]) {
  const calls: { accountId: string; query: LogListQuery }[] = [];
  const downloads: unknown[][] = [];
  const logs = Array.from(
    { length: total },
    (_, index) => ({ id: `log-${index}`, sha256: 'AB'.repeat(32) }) as SshLog,
  );
  const api: AuditApi = {
    url: 'http://127.0.0.1:1',
    accounts: async () => accounts,
    listLogs: async (accountId, query) => {
      calls.push({ accountId, query });
      const perPage = query.per_page ?? 20;
      const page = query.page ?? 1;
      return {
        logs: logs.slice((page - 1) * perPage, page * perPage),
        totalPages: Math.ceil(total / perPage),
        totalCount: total,
      };
    },
    getLog: async (_accountId, logId) => logs.find((log) => log.id === logId)!,
    downloadLog: async (...args) => {
      downloads.push(args.slice(0, 4));
      return { bytes: 10, sha256: 'ab'.repeat(32) };
    },
  };
  return { api, calls, downloads };
}

describe('cli/app/logs: list and download', () => {
  it('pages until it has --limit logs or the server has no more', async () => {
    const many = fakeApi(250);
    const got = await listLogs(many.api, { query: { user_email: 'ada@example.com' }, limit: 230 });
    assert.equal(got.length, 230);
    assert.deepEqual(
      many.calls.map((call) => [call.accountId, call.query.page, call.query.per_page, call.query.user_email]),
      [
        ['acc-1', 1, 100, 'ada@example.com'],
        ['acc-1', 2, 100, 'ada@example.com'],
        ['acc-1', 3, 100, 'ada@example.com'],
      ],
    );
    const few = fakeApi(3);
    assert.equal((await listLogs(few.api, { query: {}, limit: 100 })).length, 3);
    assert.equal(few.calls.length, 1);
  });

  it('uses the only account the token sees, or asks for --account', async () => {
    assert.equal(await resolveAccountId(fakeApi(0).api, undefined), 'acc-1');
    assert.equal(await resolveAccountId(fakeApi(0, []).api, 'given'), 'given');
    await assert.rejects(resolveAccountId(fakeApi(0, []).api, undefined), { message: /sees no account/ });
    await assert.rejects(resolveAccountId(fakeApi(0, [account('a'), account('b')]).api, undefined), {
      code: 'invalid_argument',
      message: /2 accounts \(a, b\).*--account/,
    });
  });

  it("downloads to LOG_ID.sshlog by default, checked against the index entry's sha256", async () => {
    const fake = fakeApi(2);
    const result = await downloadLog(fake.api, { logId: 'log-1', onProgress: () => {} });
    assert.equal(result.output, 'log-1.sshlog');
    assert.deepEqual(fake.downloads, [['acc-1', 'log-1', 'log-1.sshlog', 'ab'.repeat(32)]]);
  });
});
