/**
 * `latchkey-agent enroll` (app/agent/enroll-agent.ts): a host not yet enrolled trades its join token; an
 * enrolled host proves itself with its current credential and stays the same agent and target; a refused
 * credential makes a new agent (said so) and forgets the old agent's target; an unreachable server changes
 * nothing on disk.
 */
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import { enrollAgent, type EnrollRequest } from '../../../../agent/src/app/agent/enroll-agent.js';
import type { Enrolment } from '../../../../agent/src/app/ports/agent-state.js';
import { FakeAgentServer, FakeHostInfo, MemoryAgentState } from './agent-fakes.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const SERVER = 'https://access.example.com';
const TARGET = '77777777-7777-4777-8777-777777777777';
const AGENT = {
  version: '0.1.0',
  distro: 'Debian GNU/Linux 12',
  machine_id: '0123456789abcdef0123456789abcdef',
};

const REQUEST: EnrollRequest = { serverUrl: `${SERVER}/`, joinToken: 'lkj_x', version: '0.1.0' };

function enrolled(overrides: Partial<Enrolment> = {}): Enrolment {
  return {
    server: SERVER,
    accountId: '66666666-6666-4666-8666-666666666666',
    agentId: '44444444-4444-4444-8444-444444444444',
    apiToken: 'lk_current',
    issuedAt: '2026-11-01T00:00:00.000Z',
    expiresAt: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
}

function setUp() {
  const state = new MemoryAgentState();
  const server = new FakeAgentServer();
  const enroll = (request: EnrollRequest = REQUEST) =>
    enrollAgent({ server, state, host: new FakeHostInfo(), now: () => NOW }, request);
  return { state, server, enroll };
}

describe('agent/app: enroll', () => {
  it('a new host: normalises the hostname, sends the machine id, keeps the credential and settings', async () => {
    const { state, server, enroll } = setUp();
    const { enrolment, outcome } = await enroll({
      ...REQUEST,
      virtualNetwork: 'prod',
      interfaces: ['eth0'],
    });
    assert.deepEqual(outcome, { kind: 'enrolled', warnings: [] });
    assert.deepEqual(server.enrolments, [
      { join_token: 'lkj_x', hostname: 'web-1.example.com', agent: AGENT },
    ]);
    assert.equal(server.reenrolments.length, 0);
    assert.deepEqual(state.enrolment, enrolment);
    assert.equal(enrolment.server, SERVER);
    assert.equal(enrolment.apiToken, 'lk_first');
    assert.equal(enrolment.virtualNetwork, 'prod');
    assert.deepEqual(enrolment.interfaces, ['eth0']);
  });

  it('an enrolled host re-enrols with its current credential, never its join token, and keeps its target', async () => {
    const { state, server, enroll } = setUp();
    state.enrolment = enrolled();
    state.registration = { targetId: TARGET };
    server.answerTargetId = TARGET;
    const { enrolment, outcome } = await enroll();
    assert.deepEqual(outcome, { kind: 'reenrolled', warnings: [] });
    assert.deepEqual(server.reenrolments, [
      { credential: 'lk_current', body: { hostname: 'web-1.example.com', agent: AGENT } },
    ]);
    assert.equal(server.enrolments.length, 0, 'the join token was not used');
    assert.equal(enrolment.apiToken, 'lk_reenrolled');
    assert.deepEqual(state.registration, { targetId: TARGET });
  });

  it('a refused credential (agent removed) makes a new agent with the join token, and forgets the old target', async () => {
    const { state, server, enroll } = setUp();
    state.enrolment = enrolled();
    state.registration = { targetId: TARGET };
    server.reenrollRefusal = new LatchkeyError('unauthenticated', 'the API token was revoked');
    const { enrolment, outcome } = await enroll();
    assert.deepEqual(outcome, {
      kind: 'enrolled_anew',
      previousAgentId: '44444444-4444-4444-8444-444444444444',
      refusal: 'the API token was revoked',
      warnings: [],
    });
    assert.equal(server.enrolments.length, 1);
    assert.equal(enrolment.apiToken, 'lk_first');
    assert.equal(state.registration, undefined, "the old agent's target is not this agent's");
  });

  it("another server's enrolment is not offered to this one: the join token enrols", async () => {
    const { state, server, enroll } = setUp();
    state.enrolment = enrolled({ server: 'https://other.example.com' });
    state.registration = { targetId: TARGET };
    const { outcome } = await enroll();
    assert.deepEqual(outcome, { kind: 'enrolled', warnings: [] });
    assert.equal(server.reenrolments.length, 0, "another server's credential was sent here");
    assert.equal(state.registration, undefined);
  });

  it("a replace token names the replaced agent's target: it becomes this host's registration", async () => {
    const { state, server, enroll } = setUp();
    server.answerTargetId = TARGET;
    await enroll();
    assert.deepEqual(state.registration, { targetId: TARGET });
  });

  it('an unreachable server leaves the enrolment on disk as it was', async () => {
    const { state, server, enroll } = setUp();
    const before = enrolled();
    state.enrolment = before;
    state.registration = { targetId: TARGET };
    server.reachable = false;
    await assert.rejects(
      enroll(),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'unavailable',
    );
    assert.equal(state.enrolment, before);
    assert.deepEqual(state.registration, { targetId: TARGET });
    assert.equal(server.enrolments.length, 0);
  });

  it("passes the server's warnings on (a cloned machine id), without control characters", async () => {
    const { server, enroll } = setUp();
    server.answerWarnings = ['agent 4 (db-1) has the same machine id\u001b[2J'];
    const { outcome } = await enroll();
    assert.deepEqual(outcome.warnings, ['agent 4 (db-1) has the same machine id?[2J']);
  });
});
