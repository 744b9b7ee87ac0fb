import assert from 'node:assert/strict';
import { policyMatches } from '../../../../server/src/domain/access/index.js';
import type { Person } from '../../../../server/src/domain/access/index.js';
import type { JsonValue } from '../../../../server/src/domain/records.js';
import { person, policy } from './fixtures.js';

const YES: JsonValue = { everyone: {} };
const NO: JsonValue = { email: { email: 'someone@else.com' } };
const BAD: JsonValue = { nope: {} };
const GEO: JsonValue = { geo: { country_code: 'US' } };

/** [what, include, require, exclude, matches] */
const table: [string, JsonValue[], JsonValue[], JsonValue[], boolean][] = [
  ['empty include', [], [], [], false],
  ['empty include, require met', [], [YES], [], false],
  ['one include matches', [YES], [], [], true],
  ['no include matches', [NO, NO], [], [], false],
  ['any include matches', [NO, YES], [], [], true],
  ['every require met', [YES], [YES, YES], [], true],
  ['one require not met', [YES], [YES, NO], [], false],
  ['no exclude matches', [YES], [], [NO, NO], true],
  ['one exclude matches', [YES], [], [NO, YES], false],
  ['include, require and exclude all decide', [NO, YES], [YES], [NO], true],
  ['malformed include never matches', [BAD], [], [], false],
  ['malformed include beside a matching one', [BAD, YES], [], [], true],
  ['malformed require is not met', [YES], [BAD], [], false],
  ['malformed exclude excludes (fail closed)', [YES], [], [BAD], false],
  ['geo include never matches', [GEO], [], [], false],
  ['geo require is never met', [YES], [GEO], [], false],
  ['geo exclude never excludes (geo never matches)', [YES], [], [GEO], true],
];

describe('server/domain/access/evaluate-policy', () => {
  for (const [what, include, require, exclude, expected] of table) {
    it(`${what}: ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(policyMatches(policy('p', { include, require, exclude }), person(), new Map()), expected);
    });
  }

  it('a policy whose decision is not "allow" never matches', () => {
    assert.equal(
      policyMatches(policy('p', { include: [YES] }, undefined, 'deny'), person(), new Map()),
      false,
    );
  });

  it('a policy whose rule lists are not arrays never matches and does not throw', () => {
    const broken = { ...policy('p', { include: [YES] }), require: null } as unknown as Parameters<
      typeof policyMatches
    >[0];
    assert.equal(policyMatches(broken, person(), new Map()), false);
  });

  it('equals a straightforward reference formula on seeded random policies and persons', () => {
    const random = mulberry32(0x1a7c4e7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const emails = ['ann@a.com', 'bob@b.org', 'cy@a.com', 'dee@sub.a.com'];
    const methods = ['builtin', 'corp', 'other'];
    const amrs = ['pwd', 'mfa', 'hwk', 'otp'];
    const randomRule = (): JsonValue => {
      switch (Math.floor(random() * 8)) {
        case 0:
          return { email: { email: pick(emails).toUpperCase() } };
        case 1:
          return { email_domain: { domain: pick(['a.com', '@A.com', 'b.org', 'sub.a.com']) } };
        case 2:
          return { everyone: {} };
        case 3:
          return { login_method: { id: pick(methods) } };
        case 4:
          return { auth_method: { auth_method: pick(amrs) } };
        case 5:
          return { geo: { country_code: 'FR' } };
        case 6:
          return { ip: { ip: pick(['10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32']) } };
        default:
          return pick<JsonValue>([{ nope: {} }, null, { email: 3 }, {}]);
      }
    };
    const rules = (max: number): JsonValue[] =>
      Array.from({ length: Math.floor(random() * (max + 1)) }, randomRule);

    let matched = 0;
    for (let round = 0; round < 2000; round++) {
      const who = person({
        email: pick(emails),
        loginMethod: pick(methods),
        authMethods: amrs.filter(() => random() < 0.5),
        groups: [],
        ip: pick(['10.9.8.7', '192.168.2.1', '2001:db8::1', '::ffff:192.168.1.9']),
      });
      const include = rules(3);
      const require = rules(2);
      const exclude = rules(2);
      const expected =
        include.some((rule) => reference(rule, who) === true) &&
        require.every((rule) => reference(rule, who) === true) &&
        !exclude.some((rule) => reference(rule, who) !== false);
      const actual = policyMatches(policy('p', { include, require, exclude }), who, new Map());
      assert.equal(actual, expected, JSON.stringify({ who, include, require, exclude }));
      if (actual) matched++;
    }
    // The generator must exercise both outcomes, or the comparison proves little.
    assert.ok(matched > 200 && matched < 1800, `matched ${matched} of 2000`);
  });
});

/** The selectors of the property test, written the obvious way: true, false, or undefined when malformed. */
function reference(rule: JsonValue, who: Person): boolean | undefined {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return undefined;
  const keys = Object.keys(rule);
  if (keys.length !== 1) return undefined;
  const value = rule[keys[0] as string] as Record<string, JsonValue>;
  if (value === null || typeof value !== 'object') return undefined;
  switch (keys[0]) {
    case 'email':
      return typeof value.email === 'string' ? value.email.toLowerCase() === who.email : undefined;
    case 'email_domain':
      return who.email.split('@')[1] === String(value.domain).replace(/^@/, '').toLowerCase();
    case 'everyone':
      return true;
    case 'login_method':
      return value.id === who.loginMethod;
    case 'auth_method':
      return who.authMethods.includes(String(value.auth_method));
    case 'geo':
      return false;
    case 'ip': {
      const ranges: Record<string, string[]> = {
        '10.0.0.0/8': ['10.9.8.7'],
        '192.168.1.0/24': ['::ffff:192.168.1.9'],
        '2001:db8::/32': ['2001:db8::1'],
      };
      return (ranges[String(value.ip)] ?? []).includes(who.ip ?? '');
    }
    default:
      return undefined;
  }
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
