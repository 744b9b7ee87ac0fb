// The agent's long poll for session terminations over in-memory fakes of the ports it declares
// (SessionControlDeps): without a cursor, or with one above the newest id, it answers the current cursor
// and nothing; otherwise the agent's terminations above the cursor, at most 500 at once; with none it
// waits on the feed and reads again when woken, or answers nothing when the wait ends otherwise. The
// feed is a fake the test settles, so nothing waits on the clock. Over HTTP and SQLite:
// test/integration/server/http/ssh-sessions.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import type { Caller } from '../../../../server/src/app/caller.js';
import type { Repositories } from '../../../../server/src/app/ports/store.js';
import {
  MAX_TERMINATIONS_PER_ANSWER,
  pollSessionControl,
  type SessionControlDeps,
} from '../../../../server/src/app/ssh-sessions/session-control.js';
import type { WaitOutcome } from '../../../../server/src/app/ssh-sessions/termination-feed.js';
import type { AgentRecord, SessionTerminationRecord } from '../../../../server/src/domain/records.js';
import { fake } from '../fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');

const AGENT: AgentRecord = {
  id: 'agent-1',
  accountId: ACCOUNT,
  hostname: 'web-1',
  apiTokenId: 'token-agent-1',
  joinTokenId: 'join-1',
  createdAt: NOW,
};
const caller: Caller = {
  accountId: ACCOUNT,
  tokenId: AGENT.apiTokenId,
  permissions: ['Latchkey: Agent'],
  actor: `token:${AGENT.apiTokenId}`,
};

function world() {
  const terminations: SessionTerminationRecord[] = [];
  const waits: { seen: number; timeoutMs: number; settle: (outcome: WaitOutcome) => void }[] = [];
  let waiting: (() => void) | undefined;
  const add = (overrides: Partial<SessionTerminationRecord> = {}) => {
    const record: SessionTerminationRecord = {
      id: terminations.length + 1,
      accountId: ACCOUNT,
      issuedBefore: NOW,
      reason: 'admin',
      createdAt: NOW,
      ...overrides,
    };
    terminations.push(record);
    return record;
  };
  const deps: SessionControlDeps = {
    clock: () => NOW,
    store: {
      agents: fake<Repositories['agents']>('agents', {
        findByApiTokenId: async (tokenId) => (tokenId === AGENT.apiTokenId ? AGENT : undefined),
      }),
      sessionTerminations: fake<Repositories['sessionTerminations']>('sessionTerminations', {
        latestId: async () => terminations.length,
        listForAgent: async (accountId, agentId, { after, upTo, limit }) =>
          terminations
            .filter(
              (t) =>
                t.accountId === accountId &&
                (t.agentId === undefined || t.agentId === agentId) &&
                t.id > after &&
                t.id <= upTo,
            )
            .slice(0, limit),
      }),
    },
    sessionTerminationFeed: {
      waitForNewerThan: (seen, timeoutMs) =>
        new Promise((settle) => {
          waits.push({ seen, timeoutMs, settle });
          waiting?.();
        }),
    },
  };
  /** Resolves once the poll waits on the feed. */
  const nextWait = () =>
    new Promise<(typeof waits)[number]>((resolve) => {
      waiting = () => resolve(waits[waits.length - 1]!);
    });
  return { deps, add, waits, nextWait };
}

describe('app: session control long poll (over fakes)', () => {
  it('answers the current cursor and nothing without a cursor, or with one above the newest id', async () => {
    const { deps, add, waits } = world();
    add();
    add();
    assert.deepEqual(await pollSessionControl(deps, caller, {}), { terminations: [], cursor: 2 });
    assert.deepEqual(await pollSessionControl(deps, caller, { after: 9 }), { terminations: [], cursor: 2 });
    assert.equal(waits.length, 0);
  });

  it("answers the agent's terminations and the account's, not another agent's, above the cursor", async () => {
    const { deps, add } = world();
    add({ agentId: 'agent-1' });
    add({ agentId: 'agent-2' });
    add();
    add({ accountId: 'account-2' });
    const answer = await pollSessionControl(deps, caller, { after: 0 });
    assert.deepEqual(
      answer.terminations.map((t) => t.id),
      [1, 3],
    );
    assert.equal(answer.cursor, 4);
  });

  it('answers at most 500 at once, the cursor at the last one answered', async () => {
    const { deps, add } = world();
    for (let i = 0; i < MAX_TERMINATIONS_PER_ANSWER + 3; i += 1) add();
    const first = await pollSessionControl(deps, caller, { after: 0 });
    assert.equal(first.terminations.length, MAX_TERMINATIONS_PER_ANSWER);
    assert.equal(first.cursor, MAX_TERMINATIONS_PER_ANSWER);
    const rest = await pollSessionControl(deps, caller, { after: first.cursor });
    assert.deepEqual(
      rest.terminations.map((t) => t.id),
      [501, 502, 503],
    );
  });

  it('waits on the feed when there is nothing, and reads again when woken', async () => {
    const { deps, add, nextWait } = world();
    add();
    const waited = nextWait();
    const poll = pollSessionControl(deps, caller, { after: 1, wait_seconds: 20 });
    const wait = await waited;
    assert.deepEqual([wait.seen, wait.timeoutMs], [1, 20_000]);
    add({ agentId: 'agent-1' });
    wait.settle('changed');
    const answer = await poll;
    assert.deepEqual(
      answer.terminations.map((t) => t.id),
      [2],
    );
    assert.equal(answer.cursor, 2);
  });

  it('answers nothing, the cursor kept, when the wait times out or the agent goes away', async () => {
    for (const outcome of ['timeout', 'aborted', 'closed'] as const) {
      const { deps, add, nextWait } = world();
      add();
      const waited = nextWait();
      const poll = pollSessionControl(deps, caller, { after: 1 });
      (await waited).settle(outcome);
      assert.deepEqual(await poll, { terminations: [], cursor: 1 });
    }
  });

  it('refuses a token that no enrolled agent holds', async () => {
    const { deps } = world();
    await assert.rejects(
      pollSessionControl(deps, { ...caller, tokenId: 'token-other' }, {}),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
  });
});
