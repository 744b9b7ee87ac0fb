import assert from 'node:assert/strict';
import { decideCertificate, reachableTargets } from '../../../../server/src/domain/access/index.js';
import type { AccessCatalog, Person, TargetGrant } from '../../../../server/src/domain/access/index.js';
import type { InfrastructureAppRecord, PolicyRecord } from '../../../../server/src/domain/records.js';
import { app, group, groupMap, person, policy, target } from './fixtures.js';

const OPS_GROUP = '11111111-1111-4111-8111-111111111111';

const web = target('t-web', 'Web-1');
const db = target('t-db', 'db-1');
const lonely = target('t-lonely', 'lonely');
const targets = [lonely, web, db];

const policies = [
  // Ops (by group name) may log in as deploy or root, with agent forwarding.
  policy(
    'p-ops',
    { include: [{ group: { id: OPS_GROUP } }] },
    { usernames: ['root', 'deploy'], allow_agent_forwarding: true },
  ),
  // Anyone at company.com as app or their email alias, with port forwarding.
  policy(
    'p-staff',
    { include: [{ email_domain: { domain: 'company.com' } }] },
    { usernames: ['app'], allow_email_alias: true, allow_port_forwarding: true },
  ),
  // Backups on the second port only, with MFA.
  policy(
    'p-backup',
    { include: [{ everyone: {} }], require: [{ auth_method: { auth_method: 'mfa' } }] },
    { usernames: ['backup'] },
  ),
  // Nobody matches this one: it must add nothing, including to messages.
  policy('p-geo', { include: [{ geo: { country_code: 'US' } }] }, { usernames: ['geo-user'] }),
  // Matches but grants no connection rules.
  policy('p-bare', { include: [{ everyone: {} }] }),
];

const apps: InfrastructureAppRecord[] = [
  app('a-ops', [[['web-1', 'db-1'], 22]], ['p-ops', 'p-missing']),
  app(
    'a-staff',
    [
      [['WEB-1'], 22],
      [['web-1'], 2222],
    ],
    ['p-staff'],
  ),
  app('a-backup', [[['web-1'], 2222]], ['p-backup', 'p-staff']),
  app('a-geo', [[['db-1'], 22]], ['p-geo']),
  app(
    'a-ignored',
    [
      { target_attributes: { hostname: ['lonely'] }, port: 3389, protocol: 'RDP' },
      { target_attributes: { hostname: ['lonely'] }, port: '22', protocol: 'SSH' },
      { target_attributes: { hostname: 'lonely' }, port: 22, protocol: 'SSH' },
      { port: 22, protocol: 'SSH' },
      'lonely',
      null,
    ],
    ['p-bare'],
  ),
];

function catalog(overrides: Partial<AccessCatalog> = {}): AccessCatalog {
  return {
    apps,
    policies: new Map<string, PolicyRecord>(policies.map((p) => [p.id, p])),
    groups: groupMap(group(OPS_GROUP, 'ops')),
    ...overrides,
  };
}

/** The grants as comparable rows. */
function rows(grants: TargetGrant[]) {
  return grants.map((g) => ({
    host: g.target.hostname,
    port: g.port,
    usernames: g.usernames,
    agent: g.allowAgentForwarding,
    portForwarding: g.allowPortForwarding,
    apps: g.appIds,
    policies: g.policyIds,
  }));
}

describe('server/domain/access/evaluate-access', () => {
  describe('reachableTargets', () => {
    it('unions usernames and forwarding over every matching policy of every covering app, by hostname then port', () => {
      assert.deepEqual(rows(reachableTargets(person(), catalog(), targets)), [
        {
          host: 'db-1',
          port: 22,
          usernames: ['deploy', 'root'],
          agent: true,
          portForwarding: false,
          apps: ['a-ops'],
          policies: ['p-ops'],
        },
        {
          host: 'Web-1',
          port: 22,
          usernames: ['app', 'deploy', 'jdoe', 'root'],
          agent: true,
          portForwarding: true,
          apps: ['a-ops', 'a-staff'],
          policies: ['p-ops', 'p-staff'],
        },
        {
          host: 'Web-1',
          port: 2222,
          usernames: ['app', 'backup', 'jdoe'],
          agent: false,
          portForwarding: true,
          apps: ['a-staff', 'a-backup'],
          policies: ['p-staff', 'p-backup'],
        },
      ]);
    });

    it('evaluates each policy for this person only', () => {
      const outsider = person({ email: 'eve@other.org', groups: [], authMethods: ['pwd'] });
      assert.deepEqual(rows(reachableTargets(outsider, catalog(), targets)), []);
      const opsOnly = person({ email: 'eve@other.org', groups: ['OPS'], authMethods: ['pwd'] });
      assert.deepEqual(
        rows(reachableTargets(opsOnly, catalog(), targets)).map((r) => [r.host, r.port, r.usernames]),
        [
          ['db-1', 22, ['deploy', 'root']],
          ['Web-1', 22, ['deploy', 'root']],
        ],
      );
    });

    it('adds no email alias when the local part is not a valid UNIX username, and omits targets left without usernames', () => {
      const aliasOnly = policy(
        'p-alias',
        { include: [{ everyone: {} }] },
        { usernames: [], allow_email_alias: true },
      );
      const onlyAlias = catalog({
        apps: [app('a-alias', [[['web-1'], 22]], ['p-alias'])],
        policies: new Map([[aliasOnly.id, aliasOnly]]),
      });
      assert.deepEqual(
        rows(reachableTargets(person({ email: 'first.last@company.com' }), onlyAlias, targets)).map(
          (r) => r.usernames,
        ),
        [['first.last']],
      );
      assert.deepEqual(reachableTargets(person({ email: '1st+x@company.com' }), onlyAlias, targets), []);
      const withNames = rows(reachableTargets(person({ email: '1st+x@company.com' }), catalog(), [web]));
      assert.deepEqual(withNames[0]?.usernames, ['app', 'deploy', 'root']);
    });

    it('lists a reusable policy linked by several apps once, and ignores links to missing policies', () => {
      const grant = reachableTargets(person(), catalog(), [web]).find((g) => g.port === 2222);
      assert.deepEqual(grant?.policyIds, ['p-staff', 'p-backup']);
    });

    it('ignores non-SSH and malformed criteria, apps of other types, and targets no app covers', () => {
      const other = { ...app('a-other', [[['lonely'], 22]], ['p-bare', 'p-staff']), type: 'self_hosted' };
      assert.deepEqual(reachableTargets(person(), catalog({ apps: [...apps, other] }), [lonely]), []);
    });

    it('drops stored usernames that are not valid UNIX usernames (they would become principals)', () => {
      const odd = policy(
        'p-odd',
        { include: [{ everyone: {} }] },
        { usernames: ['ok', 'not ok', '', 7, 'x,y'] },
      );
      const oddCatalog = catalog({
        apps: [app('a-odd', [[['db-1'], 22]], ['p-odd'])],
        policies: new Map([[odd.id, odd]]),
      });
      assert.deepEqual(reachableTargets(person(), oddCatalog, targets)[0]?.usernames, ['ok']);
    });

    it('sorts hostnames case-insensitively, then ports, then target ids', () => {
      const everyone = policy('p-all', { include: [{ everyone: {} }] }, { usernames: ['u'] });
      const many = [target('t-2', 'b'), target('t-1', 'B'), target('t-3', 'a'), target('t-4', 'C')];
      const wide = catalog({
        apps: [
          app(
            'a-wide',
            [
              [['a', 'b', 'c'], 22],
              [['b'], 2],
            ],
            ['p-all'],
          ),
        ],
        policies: new Map([[everyone.id, everyone]]),
      });
      assert.deepEqual(
        reachableTargets(person(), wide, many).map((g) => `${g.target.id}:${g.port}`),
        ['t-3:22', 't-1:2', 't-2:2', 't-1:22', 't-2:22', 't-4:22'],
      );
    });
  });

  describe('decideCertificate', () => {
    const decide = (who: Person, targetRecord: typeof web | undefined, username: string, port?: number) =>
      decideCertificate(who, catalog(), targetRecord, {
        targetRef: targetRecord?.id ?? 'nope-id',
        username,
        ...(port === undefined ? {} : { port }),
      });

    it('allows a username of the grant, on the lowest port that allows it when no port is asked', () => {
      const root = decide(person(), web, 'root');
      assert.ok(root.allowed);
      assert.equal(root.grant.port, 22);
      assert.equal(root.grant.allowAgentForwarding, true);
      assert.equal(root.grant.allowPortForwarding, true);
      const backup = decide(person(), web, 'backup');
      assert.ok(backup.allowed);
      assert.equal(backup.grant.port, 2222);
      assert.equal(backup.grant.allowAgentForwarding, false);
      const alias = decide(person(), web, 'jdoe');
      assert.ok(alias.allowed && alias.grant.port === 22);
    });

    it('checks the asked port only', () => {
      const on2222 = decide(person(), web, 'app', 2222);
      assert.ok(on2222.allowed && on2222.grant.port === 2222);
      assert.deepEqual(decide(person(), web, 'backup', 22), {
        allowed: false,
        reason: 'username_not_allowed',
        message: 'you may not log in to Web-1 as backup',
      });
      assert.deepEqual(decide(person(), web, 'root', 2200), {
        allowed: false,
        reason: 'no_app',
        message: 'no infrastructure app covers target t-web on SSH',
      });
    });

    it('answers a missing target and an uncovered one alike, naming only what was asked', () => {
      assert.deepEqual(decide(person(), undefined, 'root'), {
        allowed: false,
        reason: 'no_app',
        message: 'no infrastructure app covers target nope-id on SSH',
      });
      assert.deepEqual(decide(person(), lonely, 'root'), {
        allowed: false,
        reason: 'no_app',
        message: 'no infrastructure app covers target t-lonely on SSH',
      });
    });

    it('says no policy matches, without mentioning a geo rule that could not', () => {
      const outsider = person({ email: 'eve@other.org', groups: [], authMethods: ['pwd'] });
      assert.deepEqual(decide(outsider, db, 'root'), {
        allowed: false,
        reason: 'no_policy',
        message: 'no policy of the apps covering db-1 matches you',
      });
      assert.deepEqual(decide(outsider, web, 'geo-user'), {
        allowed: false,
        reason: 'no_policy',
        message: 'no policy of the apps covering Web-1 matches you',
      });
    });

    it('refuses a username no matching policy grants, naming only the asked username', () => {
      assert.deepEqual(decide(person(), db, 'geo-user'), {
        allowed: false,
        reason: 'username_not_allowed',
        message: 'you may not log in to db-1 as geo-user',
      });
      assert.deepEqual(decide(person(), web, 'Root'), {
        allowed: false,
        reason: 'username_not_allowed',
        message: 'you may not log in to Web-1 as Root',
      });
      const noAlias = person({ email: '1st@company.com' });
      assert.equal(decide(noAlias, web, '1st').allowed, false);
    });

    it('a matching policy without usernames matches but grants nothing', () => {
      const bare = catalog({ apps: [app('a-bare', [[['lonely'], 22]], ['p-bare'])] });
      assert.deepEqual(
        decideCertificate(person(), bare, lonely, { targetRef: 't-lonely', username: 'root' }),
        {
          allowed: false,
          reason: 'username_not_allowed',
          message: 'you may not log in to lonely as root',
        },
      );
    });

    it('never throws on malformed stored rules; they grant nothing', () => {
      const broken = policy(
        'p-broken',
        { include: [{ everyone: 1 }, null, 'x'], exclude: [] },
        { usernames: ['root'] },
      );
      const brokenCatalog = catalog({
        apps: [app('a-broken', [[['lonely'], 22]], ['p-broken'])],
        policies: new Map([[broken.id, broken]]),
      });
      assert.equal(
        decideCertificate(person(), brokenCatalog, lonely, { targetRef: 't', username: 'root' }).allowed,
        false,
      );
    });
  });
});
