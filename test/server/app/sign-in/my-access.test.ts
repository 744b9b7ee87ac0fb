// Certificate issuing and "my targets" as use cases over in-memory fakes of the ports they declare
// (IssueCertificateDeps, ListMyTargetsDeps): policy decides, the certificate says what it allowed, and
// the issuance or the denial is audited. The same flows over HTTP and SQLite: test/server/sign-in/.
import assert from 'node:assert/strict';
import {
  LatchkeyError,
  generateSshKeyPair,
  parseCertificate,
  verifyCertificateSignature,
} from '@latchkey/shared';
import { gatewayCaSealingContext } from '../../../../server/src/app/gateway-ca.js';
import type { Repositories } from '../../../../server/src/app/ports/store.js';
import {
  issueMyCertificate,
  listMyTargets,
  type IssueCertificateDeps,
  type ListMyTargetsDeps,
} from '../../../../server/src/app/sign-in/my-access.js';
import type { PersonCaller } from '../../../../server/src/app/sign-in/person-caller.js';
import { DEFAULT_SIGN_IN_SETTINGS } from '../../../../server/src/domain/sign-in-settings.js';
import type {
  InfrastructureAppRecord,
  IssuedSessionRecord,
  PolicyRecord,
  TargetRecord,
} from '../../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeCaKeys, fakeStore } from '../fakes.js';

const ACCOUNT = 'account-1';
const NOW = new Date('2026-03-04T05:06:07Z');
const ca = generateSshKeyPair('ed25519');
const caPublicKey = ca.publicKey.toAuthorizedKey('latchkey-ssh-ca');
const subjectKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();

function target(id: string, hostname: string, address: string): TargetRecord {
  return {
    id,
    accountId: ACCOUNT,
    hostname,
    ipv4: { address, virtualNetworkId: 'vnet-1' },
    tags: {},
    createdAt: NOW,
    modifiedAt: NOW,
  };
}

const WEB = target('00000000-0000-4000-8000-000000000001', 'web-1', '10.0.0.1');
const DB = target('00000000-0000-4000-8000-000000000002', 'db-1', '10.0.0.2');

const DEPLOY_POLICY: PolicyRecord = {
  id: 'policy-1',
  accountId: ACCOUNT,
  name: 'example.com as deploy',
  decision: 'allow',
  include: [{ email_domain: { domain: 'example.com' } }],
  require: [],
  exclude: [],
  connectionRules: { ssh: { usernames: ['deploy'] } },
  reusable: true,
  createdAt: NOW,
  updatedAt: NOW,
};

const WEB_APP: InfrastructureAppRecord = {
  id: 'app-1',
  accountId: ACCOUNT,
  name: 'web',
  type: 'infrastructure',
  aud: 'a'.repeat(64),
  targetCriteria: [{ target_attributes: { hostname: ['web-1'] }, port: 22, protocol: 'SSH' }],
  policies: [{ policyId: DEPLOY_POLICY.id, precedence: 1 }],
  createdAt: NOW,
  updatedAt: NOW,
};

const ada: PersonCaller = {
  accountId: ACCOUNT,
  sessionId: 'sign-in-1',
  person: { email: 'ada@example.com', groups: [], loginMethod: 'builtin', authMethods: ['pwd'], claims: {} },
  clientId: 'latchkey-cli',
  expiresAt: new Date(NOW.getTime() + 600_000),
  actor: 'user:ada@example.com',
};

/** An account with web-1 and db-1, its CA, and `apps` (with the one deploy policy). */
async function world(apps: InfrastructureAppRecord[]) {
  const targets = [WEB, DB];
  const issued: IssuedSessionRecord[] = [];
  const sealedCaKey = await fakeCaKeys.seal(
    new TextEncoder().encode(ca.toPkcs8Pem()),
    gatewayCaSealingContext(ACCOUNT, caPublicKey),
  );
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const store = fakeStore(
    {
      accounts: fake<Repositories['accounts']>('accounts', { accessConfigVersion: async () => '1' }),
      apps: fake<Repositories['apps']>('apps', { list: async () => apps }),
      policies: fake<Repositories['policies']>('policies', { list: async () => [DEPLOY_POLICY] }),
      groups: fake<Repositories['groups']>('groups', { list: async () => [] }),
      auditSshSettings: fake<Repositories['auditSshSettings']>('auditSshSettings', {
        get: async () => undefined,
      }),
      caRotations: fake<Repositories['caRotations']>('caRotations', { get: async () => undefined }),
      gatewayCas: fake<Repositories['gatewayCas']>('gatewayCas', {
        get: async (accountId) =>
          accountId !== ACCOUNT
            ? undefined
            : {
                id: 'ca-1',
                accountId,
                publicKey: caPublicKey,
                encryptedPrivateKey: sealedCaKey,
                keyAlgorithm: 'ssh-ed25519',
                createdAt: NOW,
              },
      }),
      targets: fake<Repositories['targets']>('targets', {
        get: async (accountId, id) => targets.find((t) => t.accountId === accountId && t.id === id),
        list: async (accountId, request = {}) => {
          const items = targets.filter(
            (t) =>
              t.accountId === accountId &&
              (request.hostname === undefined || t.hostname.toLowerCase() === request.hostname.toLowerCase()),
          );
          return { items, page: 1, perPage: request.perPage ?? 1000, totalCount: items.length };
        },
      }),
      agents: fake<Repositories['agents']>('agents', {
        listForTarget: async () => [],
        listForTargets: async () => [],
      }),
      hostCas: fake<Repositories['hostCas']>('hostCas', { get: async () => undefined }),
      virtualNetworks: fake<Repositories['virtualNetworks']>('virtualNetworks', {
        list: async () => [
          {
            id: 'vnet-1',
            accountId: ACCOUNT,
            name: 'default',
            comment: '',
            isDefaultNetwork: true,
            createdAt: NOW,
          },
        ],
      }),
      issuedSessions: fake<Repositories['issuedSessions']>('issuedSessions', {
        record: async (record) => {
          issued.push(record);
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );
  const deps: IssueCertificateDeps & ListMyTargetsDeps = {
    store,
    clock: () => NOW,
    randomBytes: (length) => new Uint8Array(length).fill(0xab),
    caKeys: fakeCaKeys,
    signIn: { publicUrl: 'https://latchkey.test', ...DEFAULT_SIGN_IN_SETTINGS },
  };
  return { deps, audit, issued, transactions };
}

describe('app: issueMyCertificate (certificate issuing over fakes)', () => {
  it('signs a certificate for the username policy grants, records the session and audits it', async () => {
    const { deps, audit, issued, transactions } = await world([WEB_APP]);
    const result = await issueMyCertificate(deps, ada, {
      targetId: WEB.id,
      username: 'deploy',
      publicKey: subjectKey,
    });

    const cert = parseCertificate(result.certificate);
    assert.ok(verifyCertificateSignature(cert));
    assert.equal(cert.signatureKey.toAuthorizedKey(), ca.publicKey.toAuthorizedKey());
    assert.deepEqual(cert.principals, ['deploy']);
    assert.equal(cert.keyId, `ada@example.com session=${result.sessionId}`);
    assert.equal(
      cert.validBefore.getTime(),
      NOW.getTime() + DEFAULT_SIGN_IN_SETTINGS.certificateTtlSeconds * 1000,
    );
    assert.deepEqual(Object.keys(cert.extensions), ['permit-pty']);
    assert.deepEqual(result.target, { id: WEB.id, hostname: 'web-1', address: '10.0.0.1', port: 22 });

    assert.equal(issued.length, 1);
    assert.equal(issued[0]!.sessionId, result.sessionId);
    assert.equal(issued[0]!.targetId, WEB.id);
    assert.equal(issued[0]!.username, 'deploy');
    assert.equal(issued[0]!.serial, cert.serial.toString());
    assert.equal(issued[0]!.issuedAt.getTime(), NOW.getTime());

    assert.deepEqual(audit.actions(), ['certificate.issue']);
    const event = audit.events[0]!;
    assert.equal(event.actor, 'user:ada@example.com');
    assert.equal(event.resourceId, WEB.id);
    assert.equal(event.inTransaction, true, 'the issuance and its audit event are written together');
    assert.equal(transactions.run, 1);
    const after = event.after as Record<string, unknown>;
    assert.equal(after.username, 'deploy');
    assert.equal(after.serial, cert.serial.toString());
    assert.equal(after.session_id, result.sessionId);
  });

  it('refuses a target no app covers (no policy applies): access_denied, audited, nothing issued', async () => {
    const { deps, audit, issued } = await world([]);
    await assert.rejects(
      issueMyCertificate(deps, ada, { targetId: WEB.id, username: 'deploy', publicKey: subjectKey }),
      (error: unknown) =>
        error instanceof LatchkeyError &&
        error.code === 'access_denied' &&
        /no infrastructure app/.test(error.message),
    );
    assert.deepEqual(issued, []);
    assert.deepEqual(audit.actions(), ['certificate.deny']);
    assert.equal(audit.events[0]!.resourceId, WEB.id);
    assert.deepEqual(audit.events[0]!.after, { username: 'deploy', reason: 'no_app', session: 'sign-in-1' });
  });

  it('refuses a username the policy does not grant, and a person no policy matches', async () => {
    const { deps, audit } = await world([WEB_APP]);
    await assert.rejects(
      issueMyCertificate(deps, ada, { targetId: WEB.id, username: 'root', publicKey: subjectKey }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'access_denied',
    );
    const mallory: PersonCaller = {
      ...ada,
      person: { ...ada.person, email: 'mallory@elsewhere.org' },
      actor: 'user:mallory@elsewhere.org',
    };
    await assert.rejects(
      issueMyCertificate(deps, mallory, { targetId: WEB.id, username: 'deploy', publicKey: subjectKey }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'access_denied',
    );
    assert.deepEqual(
      audit.events.map((event) => [event.action, (event.after as { reason: string }).reason]),
      [
        ['certificate.deny', 'username_not_allowed'],
        ['certificate.deny', 'no_policy'],
      ],
    );
  });

  it('refuses to certify the CA its own key, before any decision is audited', async () => {
    const { deps, audit } = await world([WEB_APP]);
    await assert.rejects(
      issueMyCertificate(deps, ada, { targetId: WEB.id, username: 'deploy', publicKey: caPublicKey }),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'invalid_argument',
    );
    assert.deepEqual(audit.events, []);
  });
});

describe('app: listMyTargets (my access over fakes)', () => {
  it('lists the targets an app names and a policy grants, with their usernames and network', async () => {
    const { deps } = await world([WEB_APP]);
    const reachable = await listMyTargets(deps, ada);
    assert.deepEqual(
      reachable.map((entry) => [entry.grant.target.hostname, entry.grant.port, entry.grant.usernames]),
      [['web-1', 22, ['deploy']]],
    );
    assert.equal(reachable[0]!.virtualNetwork?.name, 'default');
  });

  it('lists nothing for a person no policy matches', async () => {
    const { deps } = await world([WEB_APP]);
    const reachable = await listMyTargets(deps, {
      ...ada,
      person: { ...ada.person, email: 'mallory@elsewhere.org' },
    });
    assert.deepEqual(reachable, []);
  });
});
