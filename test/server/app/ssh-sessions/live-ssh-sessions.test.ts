// Ending a live session as a use case over in-memory fakes of the ports it declares
// (LiveSshSessionsDeps): one order per agent that reports the session, audited in the same transaction,
// the agents' feed woken after it; a session no recent heartbeat reports is not_found.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import type { Caller } from '../../../../server/src/app/caller.js';
import type { Repositories } from '../../../../server/src/app/ports/store.js';
import {
  endLiveSession,
  listLiveSessions,
  type LiveSshSessionsDeps,
} from '../../../../server/src/app/ssh-sessions/live-ssh-sessions.js';
import type { AgentRecord, SessionTerminationRecord } from '../../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from '../fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');
const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};

function agentReporting(id: string, lastSeenAt: Date, sessionIds: string[]): AgentRecord {
  return {
    id,
    accountId: ACCOUNT,
    hostname: `host-${id}`,
    apiTokenId: `token-${id}`,
    joinTokenId: 'join-1',
    targetId: `target-${id}`,
    heartbeat: {
      version: '1.0.0',
      distro: 'debian 12',
      sshdConfig: { state: 'trusted' },
      sessions: sessionIds.map((sessionId) => ({
        sessionId,
        person: 'ada@example.com',
        unixUser: 'deploy',
        program: 'shell',
        startedAt: '2026-03-04T05:00:00Z',
      })),
    },
    lastSeenAt,
    createdAt: NOW,
  };
}

function world(agents: AgentRecord[]) {
  const orders: SessionTerminationRecord[] = [];
  const wakeUps: { ordersStored: number; inTransaction: boolean }[] = [];
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      agents: fake<Repositories['agents']>('agents', {
        list: async (accountId) => agents.filter((agent) => agent.accountId === accountId),
      }),
      sessionTerminations: fake<Repositories['sessionTerminations']>('sessionTerminations', {
        create: async (accountId, input) => {
          const order = { id: orders.length + 1, accountId, ...input, createdAt: NOW };
          orders.push(order);
          return order;
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: LiveSshSessionsDeps = {
    store,
    clock: () => NOW,
    sessionTerminationFeed: {
      notify: () => wakeUps.push({ ordersStored: orders.length, inTransaction: transactions.open }),
    },
  };
  return { deps, audit, orders, wakeUps };
}

describe('app: live SSH sessions (over fakes)', () => {
  const recently = new Date(NOW.getTime() - 60_000);
  const longAgo = new Date(NOW.getTime() - 10 * 60_000);

  it('lists the sessions of agents heard from recently only', async () => {
    const { deps } = world([agentReporting('a', recently, ['s-1']), agentReporting('b', longAgo, ['s-2'])]);
    const sessions = await listLiveSessions(deps, admin);
    assert.deepEqual(
      sessions.map((session) => [session.sessionId, session.agentId]),
      [['s-1', 'a']],
    );
  });

  it('orders each agent reporting the session to end it, audits it, then wakes the agents', async () => {
    const { deps, audit, orders, wakeUps } = world([
      agentReporting('a', recently, ['s-1']),
      agentReporting('b', recently, ['s-1', 's-2']),
    ]);
    const ended = await endLiveSession(deps, admin, 's-1');
    assert.deepEqual(
      orders.map((order) => [order.agentId, order.sessionId, order.reason]),
      [
        ['a', 's-1', 'ended_by_admin'],
        ['b', 's-1', 'ended_by_admin'],
      ],
    );
    assert.deepEqual(ended.terminations, orders);
    assert.deepEqual(audit.actions(), ['ssh_session.end']);
    assert.equal(audit.events[0]!.inTransaction, true);
    assert.deepEqual((audit.events[0]!.after as { agent_ids: string[] }).agent_ids, ['a', 'b']);
    assert.deepEqual(wakeUps, [{ ordersStored: 2, inTransaction: false }]);
  });

  it('answers not_found for a session only a silent agent reports, ordering nothing', async () => {
    const { deps, audit, orders, wakeUps } = world([agentReporting('b', longAgo, ['s-2'])]);
    await assert.rejects(
      endLiveSession(deps, admin, 's-2'),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
    assert.deepEqual([orders, audit.events, wakeUps], [[], [], []]);
  });
});
