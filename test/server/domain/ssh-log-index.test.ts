import assert from 'node:assert/strict';
import { vouchedIndex } from '../../../server/src/domain/ssh-log-index.js';
import type { IssuedSessionRecord } from '../../../server/src/domain/records.js';

const TARGET = '11111111-1111-4111-8111-111111111111';
const OTHER = '33333333-3333-4333-8333-333333333333';
const issued: IssuedSessionRecord = {
  accountId: 'account',
  sessionId: 'sess-1',
  targetId: TARGET,
  targetHostname: 'web-1',
  person: 'alice@example.com',
  userId: 'user-1',
  username: 'alice',
  signInSessionId: 'sign-in',
  serial: '1',
  boundToTarget: false,
  issuedAt: new Date('2026-11-24T10:00:00Z'),
  validBefore: new Date('2026-11-24T10:05:00Z'),
};
const claim = { session_id: 'sess-1', user_email: 'Alice@Example.com', username: 'alice', target_id: TARGET };

describe('domain: the index of an uploaded session log comes from what was issued', () => {
  it('a claim that matches what was issued: the index is the server record', () => {
    assert.deepEqual(vouchedIndex({ targetId: TARGET }, claim, issued), {
      ok: true,
      index: {
        sessionId: 'sess-1',
        userEmail: 'alice@example.com',
        userId: 'user-1',
        username: 'alice',
        targetId: TARGET,
        targetHostname: 'web-1',
      },
    });
  });

  it('empty person and target claims are no claims', () => {
    const decision = vouchedIndex({ targetId: TARGET }, { ...claim, user_email: '', target_id: ' ' }, issued);
    assert.equal(decision.ok, true);
  });

  const refusals: [string, { targetId?: string }, typeof claim, IssuedSessionRecord | undefined, RegExp][] = [
    ['an agent without a target', {}, claim, issued, /has registered no target/],
    ['a session never issued', { targetId: TARGET }, claim, undefined, /was never issued by this server/],
    [
      "another target's session",
      { targetId: OTHER },
      { ...claim, target_id: OTHER },
      issued,
      new RegExp(`issued for target ${TARGET} \\(web-1\\), not for this agent's target ${OTHER}`),
    ],
    ['another claimed target', { targetId: TARGET }, { ...claim, target_id: OTHER }, issued, /claims target/],
    [
      'another person',
      { targetId: TARGET },
      { ...claim, user_email: 'eve@example.com' },
      issued,
      /claims person eve@example.com/,
    ],
    [
      'another UNIX user',
      { targetId: TARGET },
      { ...claim, username: 'root' },
      issued,
      /claims UNIX user root/,
    ],
  ];
  for (const [what, agent, metadata, record, message] of refusals) {
    it(`refuses ${what}, naming the mismatch`, () => {
      const decision = vouchedIndex(agent, metadata, record);
      assert.equal(decision.ok, false);
      assert.match((decision as { mismatch: string }).mismatch, message);
    });
  }
});
