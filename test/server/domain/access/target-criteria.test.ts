/**
 * Issue 16: the rule form of `target_criteria` (include / require / exclude over hostnames and tags)
 * decides like the flat form, and an app's `mfa_config` is enforced against the sign-in's `amr`.
 */
import assert from 'node:assert/strict';
import { decideCertificate, reachableTargets } from '../../../../server/src/domain/access/index.js';
import type { AccessCatalog } from '../../../../server/src/domain/access/index.js';
import { criteriaHostnames, criterionMatches } from '../../../../server/src/domain/access/target-criteria.js';
import type {
  InfrastructureAppRecord,
  JsonValue,
  TargetRecord,
} from '../../../../server/src/domain/records.js';
import { app, person, policy, target } from './fixtures.js';

function tagged(id: string, hostname: string, tags: Record<string, string>): TargetRecord {
  return { ...target(id, hostname), tags };
}

const web1 = tagged('t-web1', 'web-1', { env: 'prod', team: 'web' });
const web2 = tagged('t-web2', 'web-2', { env: 'staging', team: 'web' });
const db1 = tagged('t-db1', 'db-1', { env: 'prod', team: 'db' });
const bare = target('t-bare', 'bare');

const ssh = (rules: JsonValue): JsonValue => ({ ...(rules as object), port: 22, protocol: 'SSH' });

describe('domain: target criteria in the rule form', () => {
  const cases: { name: string; criterion: JsonValue; matches: TargetRecord[] }[] = [
    { name: 'flat hostnames (case-insensitive)', criterion: ssh({ target_attributes: { hostname: ['WEB-1', 'db-1'] } }), matches: [web1, db1] },
    { name: 'include hostnames, like the flat form', criterion: ssh({ include: { target_attributes: { hostname: ['WEB-1', 'db-1'] } } }), matches: [web1, db1] },
    { name: 'include a tag: any of its values', criterion: ssh({ include: { tags: { env: ['prod', 'qa'] } } }), matches: [web1, db1] },
    { name: 'include: any selector (hostname or tag)', criterion: ssh({ include: { target_attributes: { hostname: ['bare'] }, tags: { team: ['db'] } } }), matches: [db1, bare] },
    { name: 'require: every selector', criterion: ssh({ include: { tags: { team: ['web', 'db'] } }, require: { tags: { env: ['prod'], team: ['web'] } } }), matches: [web1] },
    { name: 'exclude: no selector', criterion: ssh({ include: { tags: { team: ['web', 'db'] } }, exclude: { target_attributes: { hostname: ['web-2'] } } }), matches: [web1, db1] },
    { name: 'a tag the target lacks never matches', criterion: ssh({ include: { tags: { owner: ['x'] } } }), matches: [] },
    { name: 'not SSH: nothing', criterion: { include: { tags: { env: ['prod'] } }, port: 3389, protocol: 'RDP' }, matches: [] },
  ]; // prettier-ignore

  for (const { name, criterion, matches } of cases) {
    it(`${name}: certificates and listings agree`, () => {
      const catalog: AccessCatalog = {
        apps: [app('a', [criterion], ['p'])],
        policies: new Map([['p', policy('p', { include: [{ everyone: {} }] }, { usernames: ['ops'] })]]),
        groups: new Map(),
      };
      const all = [web1, web2, db1, bare];
      const expected = matches.map((t) => t.id).sort();
      const reachable = reachableTargets(person(), catalog, all)
        .map((g) => g.target.id)
        .sort();
      assert.deepEqual(reachable, expected);
      const allowed = all
        .filter((t) => decideCertificate(person(), catalog, t, { targetRef: t.id, username: 'ops' }).allowed)
        .map((t) => t.id)
        .sort();
      assert.deepEqual(allowed, expected);
      const matching = all.filter((t) => (criterionMatches(criterion, t) ? sshOnly(criterion) : false));
      assert.deepEqual(matching.map((t) => t.id).sort(), expected);
    });
  }

  it('criteriaHostnames names the hostnames of both forms (the apps list filter)', () => {
    assert.deepEqual(
      criteriaHostnames([
        ssh({ target_attributes: { hostname: ['A'] } }),
        ssh({
          include: { target_attributes: { hostname: ['b'] } },
          exclude: { target_attributes: { hostname: ['c'] } },
        }),
      ]),
      ['a', 'b'],
    );
  });
});

function sshOnly(criterion: JsonValue): boolean {
  return (criterion as { protocol?: unknown }).protocol === 'SSH';
}

describe("domain: an app's mfa_config against the sign-in's amr", () => {
  const withMfa = (mfaConfig: JsonValue | undefined): AccessCatalog => {
    const a: InfrastructureAppRecord = app('a', [[['web-1'], 22]], ['p']);
    if (mfaConfig !== undefined) a.mfaConfig = mfaConfig as InfrastructureAppRecord['mfaConfig'];
    return {
      apps: [a],
      policies: new Map([['p', policy('p', { include: [{ everyone: {} }] }, { usernames: ['ops'] })]]),
      groups: new Map(),
    };
  };
  const cases: { config: JsonValue | undefined; amr: string[]; allowed: boolean }[] = [
    { config: undefined, amr: ['pwd'], allowed: true },
    { config: { mfa_disabled: true, allowed_authenticators: ['piv_key'] }, amr: ['pwd'], allowed: true },
    { config: {}, amr: ['pwd'], allowed: false },
    { config: {}, amr: ['pwd', 'mfa'], allowed: true },
    { config: {}, amr: ['pwd', 'otp'], allowed: true },
    { config: { allowed_authenticators: ['ssh_fido2_key'] }, amr: ['pwd', 'mfa'], allowed: false },
    { config: { allowed_authenticators: ['ssh_fido2_key'] }, amr: ['hwk'], allowed: true },
    { config: { allowed_authenticators: ['piv_key'] }, amr: ['pwd', 'sc'], allowed: true },
    { config: { allowed_authenticators: ['ssh_fido2_key'] }, amr: ['pwd', 'sc'], allowed: false },
  ];
  for (const { config, amr, allowed } of cases) {
    it(`${JSON.stringify(config)} with amr ${amr.join(',')}: ${allowed ? 'allowed' : 'refused'}`, () => {
      const who = person({ authMethods: amr });
      const decision = decideCertificate(who, withMfa(config), web1, { targetRef: web1.id, username: 'ops' });
      assert.equal(decision.allowed, allowed, JSON.stringify(decision));
      assert.equal(reachableTargets(who, withMfa(config), [web1]).length, allowed ? 1 : 0);
      if (!decision.allowed) {
        assert.equal(decision.reason, 'mfa_required');
        assert.match(decision.message, /multi-factor/);
        assert.ok(decision.message.includes(amr.join(', ')), decision.message);
      }
    });
  }
});

describe("domain: an app's mfa_config.session_duration against the age of the sign-in's authentication", () => {
  const catalog = (mfaConfig: JsonValue): AccessCatalog => {
    const a: InfrastructureAppRecord = app('a', [[['web-1'], 22]], ['p']);
    a.mfaConfig = mfaConfig as InfrastructureAppRecord['mfaConfig'];
    return {
      apps: [a],
      policies: new Map([['p', policy('p', { include: [{ everyone: {} }] }, { usernames: ['ops'] })]]),
      groups: new Map(),
    };
  };
  const cases: { config: JsonValue; ago: number | undefined; allowed: boolean }[] = [
    { config: { session_duration: '5m' }, ago: 300, allowed: true },
    { config: { session_duration: '5m' }, ago: 301, allowed: false },
    { config: { session_duration: '24h' }, ago: 23 * 3600, allowed: true },
    { config: { session_duration: '24h' }, ago: 24 * 3600 + 90, allowed: false },
    { config: { session_duration: '5m' }, ago: undefined, allowed: false },
    { config: {}, ago: 720 * 3600, allowed: true },
    // No MFA required, so no MFA session to bound.
    { config: { session_duration: '5m', mfa_disabled: true }, ago: 3600, allowed: true },
  ];
  for (const { config, ago, allowed } of cases) {
    it(`${JSON.stringify(config)} authenticated ${ago === undefined ? 'at an unknown time' : `${ago}s ago`}: ${allowed ? 'allowed' : 'refused'}`, () => {
      const who = person({
        authMethods: ['pwd', 'mfa'],
        ...(ago === undefined ? {} : { authenticatedSecondsAgo: ago }),
      });
      const decision = decideCertificate(who, catalog(config), web1, { targetRef: web1.id, username: 'ops' });
      assert.equal(decision.allowed, allowed, JSON.stringify(decision));
      assert.equal(reachableTargets(who, catalog(config), [web1]).length, allowed ? 1 : 0);
      if (!decision.allowed) {
        assert.equal(decision.reason, 'mfa_session_expired');
        assert.match(decision.message, /sign in again/);
        assert.match(
          decision.message,
          ago === 24 * 3600 + 90 ? /24h1m30s ago/ : ago === undefined ? /unknown/ : /5m1s ago/,
        );
      }
    });
  }

  it('a sign-in without the MFA is refused for the MFA, not for its age', () => {
    const who = person({ authMethods: ['pwd'], authenticatedSecondsAgo: 3600 });
    const decision = decideCertificate(who, catalog({ session_duration: '5m' }), web1, {
      targetRef: web1.id,
      username: 'ops',
    });
    assert.equal(decision.allowed, false);
    assert.equal(!decision.allowed && decision.reason, 'mfa_required');
  });
});
