// The CA rotation's use cases over in-memory fakes of the ports they declare (CaRotationDeps): start
// makes the next CA sealed like the CA's own; switch waits for the agents heard from lately to trust it
// (unless forced); complete waits until no certificate of the old CA can be valid, then puts the next
// CA in its place under its id; cancel is refused after the switch. Every phase is audited in its
// transaction. Over HTTP and SQLite: test/server/http/ca-rotation.test.ts.
import assert from 'node:assert/strict';
import { LatchkeyError, generateSshKeyPair, parseSshPublicKey } from '@latchkey/shared';
import {
  cancelCaRotation,
  completeCaRotation,
  getCaRotation,
  startCaRotation,
  switchCaRotation,
  type CaRotationDeps,
} from '../../../server/src/app/ca-rotation.js';
import type { Caller } from '../../../server/src/app/caller.js';
import { gatewayCaSealingContext } from '../../../server/src/app/gateway-ca.js';
import type { Repositories } from '../../../server/src/app/ports/store.js';
import type { AgentRecord, CaRotationRecord, GatewayCaRecord } from '../../../server/src/domain/records.js';
import { uuidFromBytes } from '../../../server/src/domain/uuid-from-bytes.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeCaKeys, fakeStore } from './fakes.js';

const ACCOUNT = 'account-1';
const START = new Date('2026-03-04T05:06:07Z');
const MAX_TTL_SECONDS = 3600;
const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};

function world(options: { withCa?: boolean } = {}) {
  let now = START;
  let ca: GatewayCaRecord | undefined =
    options.withCa === false
      ? undefined
      : {
          id: 'ca-1',
          accountId: ACCOUNT,
          publicKey: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('latchkey-ssh-ca'),
          encryptedPrivateKey: new Uint8Array([1]),
          keyAlgorithm: 'ssh-ed25519',
          createdAt: START,
        };
  let rotation: CaRotationRecord | undefined;
  const agents: AgentRecord[] = [];
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => now, transactions);
  const store = fakeStore(
    {
      gatewayCas: fake<Repositories['gatewayCas']>('gatewayCas', {
        get: async () => ca,
        delete: async (_accountId, id) => {
          const deleted = ca?.id === id ? ca : undefined;
          if (deleted !== undefined) ca = undefined;
          return deleted;
        },
        create: async (accountId, input) => {
          ca = { id: input.id ?? 'ca-new', accountId, ...input, createdAt: now };
          return ca;
        },
      }),
      caRotations: fake<Repositories['caRotations']>('caRotations', {
        get: async () => rotation,
        create: async (accountId, input) => {
          rotation = { accountId, phase: 'init', ...input };
          return rotation;
        },
        switchToNext: async (_accountId, at, retireAfter) => {
          if (rotation?.phase !== 'init') return undefined;
          rotation = { ...rotation, phase: 'update_clients', switchedAt: at, retireAfter };
          return rotation;
        },
        deleteInPhase: async (_accountId, phase) => {
          const ended = rotation?.phase === phase ? rotation : undefined;
          if (ended !== undefined) rotation = undefined;
          return ended;
        },
      }),
      agents: fake<Repositories['agents']>('agents', { list: async () => agents }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: CaRotationDeps = {
    store,
    caKeys: fakeCaKeys,
    clock: () => now,
    randomBytes: (length) => new Uint8Array(length).fill(0x42),
    signIn: { maxCertificateTtlSeconds: MAX_TTL_SECONDS },
  };
  return {
    deps,
    audit,
    agents,
    ca: () => ca,
    rotation: () => rotation,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

function agentSeen(lastSeenAt: Date, fingerprints: string[]): AgentRecord {
  return {
    id: 'agent-1',
    accountId: ACCOUNT,
    hostname: 'web-1',
    apiTokenId: 'token-agent-1',
    joinTokenId: 'join-1',
    createdAt: START,
    lastSeenAt,
    heartbeat: {
      version: '1.0.0',
      distro: 'debian 12',
      sshdConfig: { state: 'trusted', ca_key_fingerprints: fingerprints },
    },
  };
}

const conflict = (start: string) => (error: unknown) =>
  error instanceof LatchkeyError && error.code === 'conflict' && error.message.startsWith(start);

describe('app: CA rotation use cases (over fakes)', () => {
  it('refuses to start without a CA (not_found)', async () => {
    const { deps, audit } = world({ withCa: false });
    await assert.rejects(
      startCaRotation(deps, admin),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
    assert.deepEqual(audit.events, []);
  });

  it('starts a rotation whose next CA is sealed like the CA, audited in the transaction', async () => {
    const { deps, audit, ca } = world();
    const started = await startCaRotation(deps, admin);
    assert.equal(started.phase, 'init');
    const next = started.rotation!.next;
    assert.equal(next.id, uuidFromBytes(new Uint8Array(16).fill(0x42)));
    assert.equal(next.keyAlgorithm, ca()!.keyAlgorithm);
    await fakeCaKeys.open(next.encryptedPrivateKey, gatewayCaSealingContext(ACCOUNT, next.publicKey));
    assert.deepEqual(audit.actions(), ['gateway_ca.rotation.start']);
    assert.equal(audit.events[0]!.resourceId, 'ca-1');
    assert.equal(audit.events[0]!.inTransaction, true);
  });

  it('waits for agents heard from lately to trust the next CA, unless forced', async () => {
    const { deps, audit, agents, rotation } = world();
    const { rotation: started } = await startCaRotation(deps, admin);
    agents.push(agentSeen(new Date(START.getTime() - 60_000), []));
    await assert.rejects(switchCaRotation(deps, admin, { force: false }), conflict('1 agent(s) heard from'));
    assert.equal(rotation()!.phase, 'init');
    // Once the agent lists the next CA's fingerprint, the switch goes through.
    agents[0] = agentSeen(START, [parseSshPublicKey(started!.next.publicKey).fingerprint()]);
    const switched = await switchCaRotation(deps, admin, { force: false });
    assert.equal(switched.phase, 'update_clients');
    assert.deepEqual(switched.completableAt, new Date(START.getTime() + MAX_TTL_SECONDS * 1000 + 60_000));
    assert.deepEqual(audit.actions(), ['gateway_ca.rotation.start', 'gateway_ca.rotation.switch']);
    assert.equal((audit.events[1]!.after as { forced_past?: unknown }).forced_past, undefined);
  });

  it('forces a switch past lagging agents, naming them in the audit event', async () => {
    const { deps, audit, agents } = world();
    await startCaRotation(deps, admin);
    agents.push(agentSeen(START, []));
    await switchCaRotation(deps, admin, { force: true });
    assert.deepEqual((audit.events[1]!.after as { forced_past: string[] }).forced_past, ['web-1']);
  });

  it('completes only once the old CA can sign nothing valid, putting the next CA in its place', async () => {
    const { deps, audit, ca, advance } = world();
    const { rotation: started } = await startCaRotation(deps, admin);
    await switchCaRotation(deps, admin, { force: false });
    await assert.rejects(cancelCaRotation(deps, admin), conflict('a rotation can cancel only in phase init'));
    advance(MAX_TTL_SECONDS * 1000);
    await assert.rejects(completeCaRotation(deps, admin), conflict('certificates the current CA signed'));
    assert.equal(ca()!.id, 'ca-1');
    advance(60_000);
    const completed = await completeCaRotation(deps, admin);
    assert.equal(completed.phase, 'standby');
    assert.equal(ca()!.id, started!.next.id);
    assert.equal(ca()!.publicKey, started!.next.publicKey);
    assert.deepEqual((await getCaRotation(deps, admin)).phase, 'standby');
    assert.deepEqual(audit.actions(), [
      'gateway_ca.rotation.start',
      'gateway_ca.rotation.switch',
      'gateway_ca.rotation.complete',
    ]);
    assert.ok(audit.events.every((event) => event.inTransaction));
  });

  it('cancels a rotation in init, back to standby', async () => {
    const { deps, audit, rotation } = world();
    await startCaRotation(deps, admin);
    const cancelled = await cancelCaRotation(deps, admin);
    assert.equal(cancelled.phase, 'standby');
    assert.equal(rotation(), undefined);
    assert.deepEqual(audit.actions(), ['gateway_ca.rotation.start', 'gateway_ca.rotation.cancel']);
  });
});
