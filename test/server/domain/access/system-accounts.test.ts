// Issue 13, "email alias to system accounts": allow_email_alias gave root@corp.test a root certificate.
// An alias never maps to root or a system account (below the target's UID_MIN, as its agent reports
// them; well-known names when it reports nothing) unless a matching policy names that username.
import assert from 'node:assert/strict';
import { decideCertificate, reachableTargets } from '../../../../server/src/domain/access/index.js';
import type { AccessCatalog } from '../../../../server/src/domain/access/index.js';
import { aliasAllowed } from '../../../../server/src/domain/access/system-accounts.js';
import { app, person, policy, target } from './fixtures.js';

const web = target('t-web', 'web-1');
const aliasOnly = policy(
  'p-alias',
  { include: [{ email_domain: { domain: 'corp.test' } }] },
  {
    usernames: ['deploy'],
    allow_email_alias: true,
  },
);
const rootByName = policy(
  'p-root',
  { include: [{ email: { email: 'root@corp.test' } }] },
  {
    usernames: ['root'],
  },
);
const catalog = (...policies: ReturnType<typeof policy>[]): AccessCatalog => ({
  apps: [
    app(
      'a-web',
      [[['web-1'], 22]],
      policies.map((p) => p.id),
    ),
  ],
  policies: new Map(policies.map((p) => [p.id, p])),
  groups: new Map(),
});

describe('domain: email aliases never map to root or system accounts', () => {
  const cases: [string, Parameters<typeof aliasAllowed>[1], boolean][] = [
    ['root', undefined, false],
    ['ROOT', undefined, false],
    ['daemon', undefined, false],
    ['www-data', undefined, false],
    ['postgres', undefined, false],
    ['ubuntu', undefined, false],
    ['jdoe', undefined, true],
    ['svc-app', { uidMin: 1000, systemUsers: ['svc-app', 'nobody'] }, false],
    ['jdoe', { uidMin: 1000, systemUsers: ['svc-app'] }, true],
  ];
  for (const [alias, accounts, allowed] of cases) {
    it(`${alias}${accounts === undefined ? '' : ` (reported: ${accounts.systemUsers?.join(', ')})`}: ${allowed ? 'granted' : 'refused'}`, () =>
      assert.equal(aliasAllowed(alias, accounts), allowed));
  }

  it('the attack: root@corp.test with allow_email_alias gets no root certificate', () => {
    const root = person({ email: 'root@corp.test' });
    const decision = decideCertificate(root, catalog(aliasOnly), web, {
      targetRef: web.id,
      username: 'root',
    });
    assert.equal(decision.allowed, false);
    assert.equal(!decision.allowed && decision.reason, 'username_not_allowed');
    assert.deepEqual(
      reachableTargets(root, catalog(aliasOnly), [web]).map((g) => g.usernames),
      [['deploy']],
    );
  });

  it('a policy that names root explicitly still grants it', () => {
    const root = person({ email: 'root@corp.test' });
    const decision = decideCertificate(root, catalog(aliasOnly, rootByName), web, {
      targetRef: web.id,
      username: 'root',
    });
    assert.equal(decision.allowed, true);
  });

  it("a system account the target's agent reports is no alias there; elsewhere it is", () => {
    const svc = person({ email: 'svc-app@corp.test' });
    const reported = () => ({ uidMin: 1000, systemUsers: ['svc-app'] });
    const there = decideCertificate(
      svc,
      catalog(aliasOnly),
      web,
      { targetRef: web.id, username: 'svc-app' },
      reported,
    );
    assert.equal(there.allowed, false);
    const unknown = decideCertificate(svc, catalog(aliasOnly), web, {
      targetRef: web.id,
      username: 'svc-app',
    });
    assert.equal(unknown.allowed, true, 'nothing reported: not a well-known system name');
    assert.deepEqual(
      reachableTargets(svc, catalog(aliasOnly), [web], reported).map((g) => g.usernames),
      [['deploy']],
    );
  });
});
