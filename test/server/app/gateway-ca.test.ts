// The account CA's use cases over in-memory fakes of the ports they declare (GatewayCaDeps,
// GatewayCaKeyDeps): a CA is made with its private key sealed to its account and public key, audited in
// the same transaction, and opened again for signing; a second CA is refused, and so is deleting the CA
// while a rotation is under way (whose next CA is listed beside it). Over HTTP and SQLite:
// test/server/http/access.test.ts and test/server/http/ca-rotation.test.ts.
import assert from 'node:assert/strict';
import { GATEWAY_CA_ALREADY_EXISTS_MESSAGE, LatchkeyError } from '@latchkey/shared';
import type { Caller } from '../../../server/src/app/caller.js';
import {
  createGatewayCa,
  deleteGatewayCa,
  gatewayCaSealingContext,
  listGatewayCas,
  loadGatewayCaPrivateKey,
  type GatewayCaDeps,
} from '../../../server/src/app/gateway-ca.js';
import type { Repositories } from '../../../server/src/app/ports/store.js';
import type { CaRotationRecord, GatewayCaRecord } from '../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeCaKeys, fakeStore } from './fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');
const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};

function world() {
  const cas = new Map<string, GatewayCaRecord>();
  let rotation: CaRotationRecord | undefined;
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      gatewayCas: fake<Repositories['gatewayCas']>('gatewayCas', {
        create: async (accountId, input) => {
          const ca: GatewayCaRecord = { id: `ca-${cas.size + 1}`, accountId, ...input, createdAt: NOW };
          cas.set(accountId, ca);
          return ca;
        },
        get: async (accountId) => cas.get(accountId),
        list: async (accountId) => [...cas.values()].filter((ca) => ca.accountId === accountId),
        delete: async (accountId, id) => {
          const ca = cas.get(accountId);
          if (ca?.id !== id) return undefined;
          cas.delete(accountId);
          return ca;
        },
      }),
      caRotations: fake<Repositories['caRotations']>('caRotations', {
        get: async (accountId) => (rotation?.accountId === accountId ? rotation : undefined),
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: GatewayCaDeps = { store, caKeys: fakeCaKeys };
  return {
    deps,
    audit,
    cas,
    rotate: (next: CaRotationRecord['next']) => {
      rotation = { accountId: ACCOUNT, phase: 'init', next, startedAt: NOW };
    },
  };
}

describe('app: account CA use cases (over fakes)', () => {
  it('makes a CA whose sealed key opens for signing, audited in the same transaction', async () => {
    const { deps, audit, cas } = world();
    const ca = await createGatewayCa(deps, admin, 'ed25519');
    assert.equal(cas.get(ACCOUNT), ca);
    assert.equal(ca.keyAlgorithm, 'ssh-ed25519');
    assert.match(ca.publicKey, /^ssh-ed25519 \S+ latchkey-ssh-ca$/);
    // Sealed to the account and the public key: opening with another context fails.
    await assert.rejects(
      fakeCaKeys.open(ca.encryptedPrivateKey, gatewayCaSealingContext('account-2', ca.publicKey)),
    );
    const { publicKey, privateKey } = await loadGatewayCaPrivateKey(deps, ACCOUNT);
    assert.equal(publicKey, ca.publicKey);
    assert.equal(privateKey.publicKey.toAuthorizedKey('latchkey-ssh-ca'), ca.publicKey);
    assert.deepEqual(audit.actions(), ['gateway_ca.create']);
    assert.equal(audit.events[0]!.resourceId, ca.id);
    assert.equal(audit.events[0]!.inTransaction, true);
  });

  it('refuses a second CA (409) before making a key', async () => {
    const { deps, audit } = world();
    await createGatewayCa(deps, admin, 'ed25519');
    const sealed: string[] = [];
    const watching: GatewayCaDeps = {
      ...deps,
      caKeys: {
        ...fakeCaKeys,
        seal: async (plaintext, context) => {
          sealed.push(context);
          return fakeCaKeys.seal(plaintext, context);
        },
      },
    };
    await assert.rejects(
      createGatewayCa(watching, admin, 'ecdsa-p256'),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'conflict' &&
        error.message === GATEWAY_CA_ALREADY_EXISTS_MESSAGE,
    );
    assert.deepEqual(sealed, []);
    assert.deepEqual(audit.actions(), ['gateway_ca.create']);
  });

  it('lists the next CA during a rotation and refuses to delete the CA until it ends', async () => {
    const { deps, audit, cas, rotate } = world();
    const ca = await createGatewayCa(deps, admin, 'ed25519');
    const next = {
      id: 'ca-next',
      publicKey: 'ssh-ed25519 AAAA next',
      encryptedPrivateKey: new Uint8Array(),
      keyAlgorithm: 'ssh-ed25519',
    };
    rotate(next);
    assert.deepEqual(
      (await listGatewayCas(deps, admin)).map((listed) => listed.id),
      [ca.id, 'ca-next'],
    );
    await assert.rejects(
      deleteGatewayCa(deps, admin, ca.id),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'conflict' &&
        error.message.startsWith('a CA rotation is under way'),
    );
    assert.equal(cas.get(ACCOUNT), ca);
    assert.deepEqual(audit.actions(), ['gateway_ca.create']);
  });

  it('deletes the CA when no rotation is under way, auditing it', async () => {
    const { deps, audit, cas } = world();
    const ca = await createGatewayCa(deps, admin, 'ed25519');
    await deleteGatewayCa(deps, admin, ca.id);
    assert.equal(cas.size, 0);
    assert.deepEqual(audit.actions(), ['gateway_ca.create', 'gateway_ca.delete']);
    assert.equal(audit.events[1]!.inTransaction, true);
    await assert.rejects(
      loadGatewayCaPrivateKey(deps, ACCOUNT),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'not_found',
    );
  });
});
