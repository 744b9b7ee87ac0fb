/** `latchkey admin sessions [end]` over a fake API: which account, the id checked first, a gone session. */
import assert from 'node:assert/strict';
import { LatchkeyError, isLatchkeyError, type Account, type SshSession } from '@latchkey/shared';
import type { SshSessionsApi } from '../../../../cli/src/app/admin/ports.js';
import { endAdminSshSession, listAdminSshSessions } from '../../../../cli/src/app/admin/ssh-sessions.js';

const account = (id: string): Account => ({
  id,
  name: id,
  type: 'standard',
  created_on: '2026-01-01T00:00:00Z',
});

const SESSION: SshSession = {
  session_id: 's-1',
  person: 'alice@example.com',
  unix_user: 'deploy',
  program: 'shell',
  started_at: '2026-12-08T11:57:00Z',
  hostname: 'web-1',
  agent_id: '33333333-3333-4333-8333-333333333333',
  reported_at: '2026-12-08T11:59:50Z',
};

class FakeSessionsApi implements SshSessionsApi {
  readonly url = 'https://access.example.com';
  accountList = [account('acc-1')];
  live = [SESSION];
  calls: string[] = [];
  async accounts() {
    this.calls.push('accounts');
    return this.accountList;
  }
  async listSshSessions(accountId: string) {
    this.calls.push(`list ${accountId}`);
    return this.live;
  }
  async endSshSession(accountId: string, sessionId: string) {
    this.calls.push(`end ${accountId} ${sessionId}`);
    const session = this.live.find((s) => s.session_id === sessionId);
    if (session === undefined) {
      throw new LatchkeyError(
        'not_found',
        `${this.url} refused DELETE /client/v4/accounts/${accountId}/access/ssh_sessions/${sessionId}: no live session ${sessionId}`,
      );
    }
    return { session, termination_ids: [1] };
  }
}

describe('cli/app/admin: live SSH sessions', () => {
  it("lists the sessions of the token's only account", async () => {
    const api = new FakeSessionsApi();
    assert.deepEqual(await listAdminSshSessions(api, {}), [SESSION]);
    assert.deepEqual(api.calls, ['accounts', 'list acc-1']);
  });

  it('uses --account when given, and asks for it when the token sees several', async () => {
    const api = new FakeSessionsApi();
    api.accountList = [account('acc-1'), account('acc-2')];
    await assert.rejects(
      listAdminSshSessions(api, {}),
      (e) => isLatchkeyError(e, 'invalid_argument') && e.pointer === '--account',
    );
    await listAdminSshSessions(api, { account: 'acc-2' });
    assert.deepEqual(api.calls.at(-1), 'list acc-2');
  });

  it('ends a session by its id and answers which it was', async () => {
    const api = new FakeSessionsApi();
    const ended = await endAdminSshSession(api, { sessionId: 's-1' });
    assert.equal(ended.session.person, 'alice@example.com');
    assert.deepEqual(api.calls, ['accounts', 'end acc-1 s-1']);
  });

  it('refuses an id that is not one before asking the server', async () => {
    const api = new FakeSessionsApi();
    await assert.rejects(
      endAdminSshSession(api, { sessionId: '../targets' }),
      (e) => isLatchkeyError(e, 'invalid_argument') && e.pointer === 'SESSION_ID',
    );
    assert.deepEqual(api.calls, []);
  });

  it('a session that is not live: not_found, with the server words and how to list the live ones', async () => {
    const api = new FakeSessionsApi();
    await assert.rejects(
      endAdminSshSession(api, { sessionId: 's-9' }),
      (e) =>
        isLatchkeyError(e, 'not_found') &&
        /no live session s-9/.test(e.message) &&
        /it may have ended already; `latchkey admin sessions` lists the live ones/.test(e.message),
    );
  });

  it('passes other refusals on as they are (a token without "Zero Trust: Edit")', async () => {
    const api = new FakeSessionsApi();
    const refusal = new LatchkeyError('permission_denied', 'lacks the permission "Zero Trust: Edit"');
    api.endSshSession = async () => {
      throw refusal;
    };
    await assert.rejects(endAdminSshSession(api, { sessionId: 's-1' }), (e) => e === refusal);
  });
});
