// An in-memory account for the agent use-case tests (test/server/app/agents/): join tokens, agents, their
// credentials (API tokens) and targets, with the compare-and-swaps the store promises (a join token's
// use, an agent's credential, an agent's target), transactions and the audit trail. Every repository
// keeps only the methods the agent use cases call (see ../fakes.ts: any other call throws, naming it).
import type { Caller } from '../../../../server/src/app/caller.js';
import type { Repositories } from '../../../../server/src/app/ports/store.js';
import { hashApiTokenSecret } from '../../../../server/src/domain/api-token-secret.js';
import { AGENT_PERMISSION } from '../../../../server/src/domain/permissions.js';
import type {
  AgentRecord,
  ApiTokenRecord,
  JoinTokenRecord,
  TargetRecord,
} from '../../../../server/src/domain/records.js';
import { FakeAuditTrail, FakeTransactions, fake, fakeStore } from '../fakes.js';

export const ACCOUNT = 'account-1';
export const NOW = new Date('2026-03-04T05:06:07Z');

export const admin: Caller = {
  accountId: ACCOUNT,
  tokenId: 'token-admin',
  permissions: ['Zero Trust: Edit'],
  actor: 'token:token-admin',
};

/** The caller an agent's credential makes (what authentication answers for it). */
export function callerOf(agent: AgentRecord): Caller {
  return {
    accountId: agent.accountId,
    tokenId: agent.apiTokenId,
    permissions: [AGENT_PERMISSION],
    actor: `token:${agent.apiTokenId}`,
  };
}

export function agentWorld() {
  const joinTokens = new Map<string, JoinTokenRecord>();
  const agents = new Map<string, AgentRecord>();
  const apiTokens = new Map<string, ApiTokenRecord>();
  const targets = new Map<string, TargetRecord>();
  let ids = 0;
  const newId = (kind: string) => `${kind}-${++ids}`;
  let bytes = 0;
  const transactions = new FakeTransactions();
  const audit = new FakeAuditTrail(() => NOW, transactions);
  const mine = <T extends { accountId: string }>(record: T | undefined, accountId: string) =>
    record?.accountId === accountId ? record : undefined;

  const store = fakeStore(
    {
      joinTokens: fake<Repositories['joinTokens']>('joinTokens', {
        create: async (accountId, input) => {
          const record: JoinTokenRecord = { id: newId('join'), accountId, ...input, uses: 0, createdAt: NOW };
          joinTokens.set(record.id, record);
          return record;
        },
        findByHash: async (hash) => [...joinTokens.values()].find((token) => token.tokenHash === hash),
        list: async (accountId) => [...joinTokens.values()].filter((token) => token.accountId === accountId),
        consumeUse: async (id, at) => {
          const token = joinTokens.get(id);
          if (
            token === undefined ||
            token.revokedAt !== undefined ||
            token.expiresAt.getTime() <= at.getTime() ||
            token.uses >= token.maxUses
          )
            return false;
          joinTokens.set(id, { ...token, uses: token.uses + 1 });
          return true;
        },
        revoke: async (accountId, id) => {
          const token = mine(joinTokens.get(id), accountId);
          if (token === undefined) return undefined;
          const revoked = { ...token, revokedAt: token.revokedAt ?? NOW };
          joinTokens.set(id, revoked);
          return revoked;
        },
      }),
      agents: fake<Repositories['agents']>('agents', {
        create: async (accountId, input) => {
          const agent: AgentRecord = { id: newId('agent'), accountId, ...input, createdAt: NOW };
          agents.set(agent.id, agent);
          return agent;
        },
        get: async (accountId, id) => mine(agents.get(id), accountId),
        findByApiTokenId: async (tokenId) => [...agents.values()].find((a) => a.apiTokenId === tokenId),
        findByMachineId: async (accountId, machineId) =>
          [...agents.values()].find((a) => a.accountId === accountId && a.machineId === machineId),
        listForTargets: async (accountId, targetIds) =>
          [...agents.values()].filter(
            (a) => a.accountId === accountId && a.targetId !== undefined && targetIds.includes(a.targetId),
          ),
        replaceCredential: async (accountId, id, change) => {
          const agent = mine(agents.get(id), accountId);
          if (agent === undefined || agent.apiTokenId !== change.previousApiTokenId) return undefined;
          const { previousApiTokenId: _previous, machineId, ...rest } = change;
          const renewed: AgentRecord = {
            ...agent,
            ...rest,
            ...(machineId === undefined ? {} : machineId === null ? { machineId: undefined } : { machineId }),
          };
          agents.set(id, renewed);
          return renewed;
        },
        claimTarget: async (accountId, id, targetId, expected) => {
          const agent = mine(agents.get(id), accountId);
          if (agent === undefined || agent.targetId !== expected) return false;
          agents.set(id, { ...agent, targetId });
          return true;
        },
        delete: async (accountId, id) => {
          const agent = mine(agents.get(id), accountId);
          if (agent !== undefined) agents.delete(id);
          return agent;
        },
      }),
      apiTokens: fake<Repositories['apiTokens']>('apiTokens', {
        create: async (accountId, input) => {
          const record: ApiTokenRecord = { id: newId('token'), accountId, ...input, createdAt: NOW };
          apiTokens.set(record.id, record);
          return record;
        },
        revoke: async (accountId, id) => {
          const token = mine(apiTokens.get(id), accountId);
          if (token === undefined) return undefined;
          const revoked = { ...token, revokedAt: token.revokedAt ?? NOW };
          apiTokens.set(id, revoked);
          return revoked;
        },
      }),
      targets: fake<Repositories['targets']>('targets', {
        create: async (accountId, input) => {
          const target: TargetRecord = {
            id: newId('target'),
            accountId,
            hostname: input.hostname,
            tags: input.tags ?? {},
            createdAt: NOW,
            modifiedAt: NOW,
          };
          targets.set(target.id, target);
          return target;
        },
        get: async (accountId, id) => mine(targets.get(id), accountId),
        list: async (accountId, request = {}) => {
          const items = [...targets.values()].filter(
            (t) =>
              t.accountId === accountId &&
              (request.hostname === undefined || t.hostname.toLowerCase() === request.hostname.toLowerCase()),
          );
          return { items, page: 1, perPage: request.perPage ?? 1000, totalCount: items.length };
        },
        replace: async (accountId, id, input) => {
          const target = mine(targets.get(id), accountId);
          if (target === undefined) return undefined;
          const replaced = { ...target, hostname: input.hostname, modifiedAt: NOW };
          targets.set(id, replaced);
          return replaced;
        },
        delete: async (accountId, id) => {
          const target = mine(targets.get(id), accountId);
          if (target !== undefined) targets.delete(id);
          return target;
        },
      }),
      auditEvents: audit,
    },
    transactions,
  );

  /** A join token with this secret (one use, valid for an hour unless told otherwise). */
  function addJoinToken(secret: string, overrides: Partial<JoinTokenRecord> = {}): JoinTokenRecord {
    const record: JoinTokenRecord = {
      id: newId('join'),
      accountId: ACCOUNT,
      name: 'hosts',
      tokenHash: hashApiTokenSecret(secret),
      maxUses: 1,
      uses: 0,
      expiresAt: new Date(NOW.getTime() + 3_600_000),
      createdAt: NOW,
      ...overrides,
    };
    joinTokens.set(record.id, record);
    return record;
  }

  /** An enrolled agent with its credential, registered as a target when `hostname` has one. */
  function addAgent(hostname: string, options: { target?: boolean; machineId?: string } = {}): AgentRecord {
    const token: ApiTokenRecord = {
      id: newId('token'),
      accountId: ACCOUNT,
      name: `agent ${hostname}`,
      tokenHash: hashApiTokenSecret(`lk_${hostname}`),
      permissions: [AGENT_PERMISSION],
      createdAt: NOW,
    };
    apiTokens.set(token.id, token);
    let targetId: string | undefined;
    if (options.target === true) {
      targetId = newId('target');
      targets.set(targetId, {
        id: targetId,
        accountId: ACCOUNT,
        hostname,
        tags: {},
        createdAt: NOW,
        modifiedAt: NOW,
      });
    }
    const agent: AgentRecord = {
      id: newId('agent'),
      accountId: ACCOUNT,
      hostname,
      apiTokenId: token.id,
      joinTokenId: 'join-0',
      createdAt: NOW,
      ...(targetId === undefined ? {} : { targetId }),
      ...(options.machineId === undefined ? {} : { machineId: options.machineId }),
    };
    agents.set(agent.id, agent);
    return agent;
  }

  return {
    deps: {
      store,
      clock: () => NOW,
      randomBytes: (length: number) => new Uint8Array(length).fill(++bytes),
    },
    audit,
    joinTokens,
    agents,
    apiTokens,
    targets,
    addJoinToken,
    addAgent,
  };
}
