/** Builders of the records and people the access evaluation tests use (plain data, fixed dates). */
import type {
  AccessGroupRecord,
  InfrastructureAppRecord,
  JsonObject,
  JsonValue,
  PolicyRecord,
  TargetRecord,
} from '../../../../server/src/domain/records.js';
import type { Person } from '../../../../server/src/domain/access/index.js';

const ACCOUNT = '00000000-0000-4000-8000-000000000000';
const EPOCH = new Date('2026-01-01T00:00:00.000Z');

export function person(overrides: Partial<Person> = {}): Person {
  return {
    email: 'jdoe@company.com',
    groups: ['Ops', 'dev'],
    loginMethod: 'builtin',
    authMethods: ['pwd', 'mfa'],
    claims: {},
    ip: '10.1.2.3',
    ...overrides,
  };
}

export function group(
  id: string,
  name: string,
  rules: { include?: JsonValue[]; require?: JsonValue[]; exclude?: JsonValue[] } = {},
): AccessGroupRecord {
  return {
    id,
    accountId: ACCOUNT,
    name,
    include: rules.include ?? [],
    require: rules.require ?? [],
    exclude: rules.exclude ?? [],
    createdAt: EPOCH,
    updatedAt: EPOCH,
  };
}

export function groupMap(...groups: AccessGroupRecord[]): Map<string, AccessGroupRecord> {
  return new Map(groups.map((g) => [g.id, g]));
}

export function policy(
  id: string,
  rules: { include?: JsonValue[]; require?: JsonValue[]; exclude?: JsonValue[] },
  ssh?: JsonObject,
  decision = 'allow',
): PolicyRecord {
  return {
    id,
    accountId: ACCOUNT,
    name: `policy ${id}`,
    decision,
    include: rules.include ?? [],
    require: rules.require ?? [],
    exclude: rules.exclude ?? [],
    ...(ssh === undefined ? {} : { connectionRules: { ssh } }),
    reusable: false,
    createdAt: EPOCH,
    updatedAt: EPOCH,
  };
}

/** An infrastructure app; `criteria` are [hostnames, port] pairs (protocol SSH), or raw criteria JSON. */
export function app(
  id: string,
  criteria: ([string[], number] | JsonValue)[],
  policyIds: string[],
): InfrastructureAppRecord {
  return {
    id,
    accountId: ACCOUNT,
    name: `app ${id}`,
    type: 'infrastructure',
    aud: 'a'.repeat(64),
    targetCriteria: criteria.map((criterion) =>
      isPair(criterion)
        ? { target_attributes: { hostname: criterion[0] }, port: criterion[1], protocol: 'SSH' }
        : criterion,
    ),
    policies: policyIds.map((policyId, index) => ({ policyId, precedence: index + 1 })),
    createdAt: EPOCH,
    updatedAt: EPOCH,
  };
}

function isPair(value: [string[], number] | JsonValue): value is [string[], number] {
  return (
    Array.isArray(value) && value.length === 2 && Array.isArray(value[0]) && typeof value[1] === 'number'
  );
}

export function target(id: string, hostname: string): TargetRecord {
  return {
    id,
    accountId: ACCOUNT,
    hostname,
    ipv4: { address: '192.0.2.1', virtualNetworkId: '00000000-0000-4000-8000-0000000000ff' },
    createdAt: EPOCH,
    modifiedAt: EPOCH,
  };
}
