// Agent heartbeats as a use case over in-memory fakes of the ports it declares (AgentHeartbeatDeps):
// what is stored, which reports become audit events (drift repairs, a new break-glass, a host
// certificate signed for the front), and who may send one. Over HTTP and SQLite: test/server/agents/.
import assert from 'node:assert/strict';
import {
  LatchkeyError,
  generateSshKeyPair,
  parseCertificate,
  verifyCertificateSignature,
  type AgentHeartbeatBody,
} from '@latchkey/shared';
import {
  listAgents,
  recordAgentHeartbeat,
  type AgentHeartbeatDeps,
} from '../../../../server/src/app/agents/agent-heartbeat.js';
import type { Caller } from '../../../../server/src/app/caller.js';
import type { Repositories } from '../../../../server/src/app/ports/store.js';
import type { AgentRecord, HostCaRecord, TargetRecord } from '../../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeCaKeys, fakeStore } from '../fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');

const TARGET: TargetRecord = {
  id: '00000000-0000-4000-8000-0000000000aa',
  accountId: ACCOUNT,
  hostname: 'web-1',
  ipv4: { address: '10.0.0.1', virtualNetworkId: 'vnet-1' },
  tags: {},
  createdAt: NOW,
  modifiedAt: NOW,
};

function agentRecord(overrides: Partial<AgentRecord> = {}): AgentRecord {
  return {
    id: 'agent-1',
    accountId: ACCOUNT,
    hostname: 'web-1',
    apiTokenId: 'token-agent-1',
    joinTokenId: 'join-1',
    createdAt: NOW,
    ...overrides,
  };
}

const callerOf = (agent: AgentRecord): Caller => ({
  accountId: agent.accountId,
  tokenId: agent.apiTokenId,
  permissions: ['Latchkey: Agent'],
  actor: `token:${agent.apiTokenId}`,
});

const BODY: AgentHeartbeatBody = {
  version: '1.2.3',
  distro: 'debian 12',
  sshd_config: { state: 'trusted' },
};

function world(initial: AgentRecord) {
  const agents = new Map([[initial.id, initial]]);
  let hostCa: HostCaRecord | undefined;
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      agents: fake<Repositories['agents']>('agents', {
        findByApiTokenId: async (tokenId) => [...agents.values()].find((a) => a.apiTokenId === tokenId),
        list: async (accountId) => [...agents.values()].filter((a) => a.accountId === accountId),
        recordHeartbeat: async (accountId, id, heartbeat, seenAt) => {
          const agent = agents.get(id);
          if (agent === undefined || agent.accountId !== accountId) return undefined;
          const stored = { ...agent, heartbeat, lastSeenAt: seenAt };
          agents.set(id, stored);
          return stored;
        },
      }),
      targets: fake<Repositories['targets']>('targets', {
        get: async (accountId, id) => (accountId === ACCOUNT && id === TARGET.id ? TARGET : undefined),
      }),
      hostCas: fake<Repositories['hostCas']>('hostCas', {
        get: async () => hostCa,
        createIfAbsent: async (accountId, input) => (hostCa ??= { accountId, ...input, createdAt: NOW }),
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: AgentHeartbeatDeps = { store, clock: () => NOW, caKeys: fakeCaKeys };
  return { deps, audit, agents, hostCa: () => hostCa };
}

describe('app: recordAgentHeartbeat (agents heartbeat over fakes)', () => {
  it('stores what the agent reports, seen at the clock time, and audits each drift repair', async () => {
    const agent = agentRecord();
    const { deps, audit, agents } = world(agent);
    const outcome = await recordAgentHeartbeat(deps, callerOf(agent), {
      ...BODY,
      clock_offset_ms: -42,
      system_users: ['Daemon', 'daemon', 'bin'],
      drift_repairs: [
        { path: '/etc/ssh/sshd_config', at: '2026-03-04T05:00:00Z', status: 'applied' },
        { path: '/etc/ssh/ca.pub', at: '2026-03-04T05:01:00Z', status: 'rolled_back' },
      ],
    });

    const stored = agents.get(agent.id)!;
    assert.equal(outcome.agent, stored);
    assert.equal(stored.lastSeenAt?.getTime(), NOW.getTime());
    assert.equal(stored.heartbeat?.version, '1.2.3');
    assert.equal(stored.heartbeat?.clockOffsetMs, -42);
    assert.deepEqual(stored.heartbeat?.systemUsers, ['daemon', 'bin']);
    assert.equal(outcome.frontHostCertificate, undefined);

    assert.deepEqual(audit.actions(), ['agent.drift_repair', 'agent.drift_repair']);
    for (const event of audit.events) {
      assert.equal(event.actor, 'agent:agent-1', 'audit events name the agent, not its rotating token');
      assert.equal(event.resourceId, 'agent-1');
      assert.equal(event.inTransaction, true);
    }
    assert.deepEqual(audit.events[1]!.after, {
      path: '/etc/ssh/ca.pub',
      at: '2026-03-04T05:01:00Z',
      status: 'rolled_back',
      hostname: 'web-1',
    });
  });

  it('audits a break-glass once, when it is first reported', async () => {
    const breakGlass = { until: '2026-03-04T06:00:00Z', reason: 'recorder broken' };
    const body = {
      ...BODY,
      recording: {
        recorder_command: 'latchkey-agent front',
        mode: 'strict' as const,
        break_glass: breakGlass,
      },
    };
    const agent = agentRecord();
    const { deps, audit } = world(agent);
    await recordAgentHeartbeat(deps, callerOf(agent), body);
    await recordAgentHeartbeat(deps, callerOf(agent), body);
    assert.deepEqual(audit.actions(), ['agent.break_glass']);
    assert.deepEqual(audit.events[0]!.after, { ...breakGlass, hostname: 'web-1' });
  });

  it('refuses a recorder command with a control character, storing nothing', async () => {
    const agent = agentRecord();
    const { deps, agents, audit } = world(agent);
    await assert.rejects(
      recordAgentHeartbeat(deps, callerOf(agent), {
        ...BODY,
        recording: { recorder_command: 'latchkey-agent\u0007front', mode: 'best-effort' },
      }),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'invalid_argument' &&
        error.message.startsWith('/recording/recorder_command'),
    );
    assert.equal(agents.get(agent.id)!.heartbeat, undefined);
    assert.deepEqual(audit.events, []);
  });

  it('answers a token that is no enrolled agent of the account with not_found', async () => {
    const agent = agentRecord();
    const { deps } = world(agent);
    for (const caller of [
      { ...callerOf(agent), tokenId: 'token-of-an-admin' },
      { ...callerOf(agent), accountId: 'account-2' },
    ]) {
      await assert.rejects(
        recordAgentHeartbeat(deps, caller, BODY),
        (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
      );
    }
  });

  it("signs the front's host key with the account's host CA (made on first need) and audits it", async () => {
    const agent = agentRecord({ targetId: TARGET.id });
    const { deps, audit, agents, hostCa } = world(agent);
    const hostKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('root@web-1');
    const outcome = await recordAgentHeartbeat(deps, callerOf(agent), {
      ...BODY,
      front: { port: 2222, host_key: hostKey },
    });

    assert.ok(outcome.frontHostCertificate !== undefined);
    const cert = parseCertificate(outcome.frontHostCertificate);
    assert.equal(cert.type, 'host');
    assert.ok(verifyCertificateSignature(cert));
    assert.equal(cert.signatureKey.toAuthorizedKey(), hostCa()!.publicKey.split(' ').slice(0, 2).join(' '));
    assert.ok(cert.principals.includes('web-1'));
    assert.equal(agents.get(agent.id)!.heartbeat?.front?.hostCertificate, outcome.frontHostCertificate);
    assert.equal(agents.get(agent.id)!.heartbeat?.front?.port, 2222);

    assert.deepEqual(audit.actions(), ['agent.host_certificate_issue']);
    assert.equal(audit.events[0]!.resourceId, TARGET.id);
    assert.equal((audit.events[0]!.after as { agent_id: string }).agent_id, agent.id);
  });
});

describe('app: listAgents (over a fake)', () => {
  it("lists the caller's account's agents", async () => {
    const agent = agentRecord();
    const { deps } = world(agent);
    assert.deepEqual(await listAgents(deps, callerOf(agent)), [agent]);
    assert.deepEqual(await listAgents(deps, { ...callerOf(agent), accountId: 'account-2' }), []);
  });
});
