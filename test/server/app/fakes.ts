// In-memory fakes for use-case tests (test/server/app/): a use case declares the few repositories and
// services it needs (its `…Deps` type), and a test hands it these instead of HTTP and a database.
import type { AuditEventInput, AuditEventListRequest, Page } from '../../../server/src/app/ports/store.js';
import type { CaKeyProtector } from '../../../server/src/app/ca-key-protector.js';
import type { AuditEventRecord } from '../../../server/src/domain/records.js';

/**
 * A repository with only the methods a test gives it: any other method the use case calls throws,
 * naming it, so a test cannot pass by accident through a method nobody faked.
 */
export function fake<T extends object>(name: string, methods: Partial<T>): T {
  return new Proxy(methods, {
    get(target, key) {
      if (key in target) return (target as Record<PropertyKey, unknown>)[key];
      if (typeof key === 'symbol' || key === 'then') return undefined;
      return () => {
        throw new Error(`${name}.${key} is not faked here, but the use case called it`);
      };
    },
  }) as T;
}

/** The transactions a fake store ran: whether one is open now (audit events check they are written in one). */
export class FakeTransactions {
  depth = 0;
  /** How many ran to their end. */
  run = 0;
  get open(): boolean {
    return this.depth > 0;
  }
}

/** The repositories, and transactions that run on the same repositories (no rollback). */
export function fakeStore<R extends object>(
  repositories: R,
  transactions = new FakeTransactions(),
): R & { transaction<T>(fn: (tx: R) => Promise<T>): Promise<T> } {
  return {
    ...repositories,
    async transaction<T>(fn: (tx: R) => Promise<T>): Promise<T> {
      transactions.depth += 1;
      try {
        return await fn(repositories);
      } finally {
        transactions.depth -= 1;
        transactions.run += 1;
      }
    },
  };
}

export type RecordedAuditEvent = AuditEventRecord & { inTransaction: boolean };

/** The audit trail: appends are kept in order, each noting whether a transaction was open. */
export class FakeAuditTrail {
  readonly events: RecordedAuditEvent[] = [];
  lastListRequest: AuditEventListRequest | undefined;

  constructor(
    private readonly now: () => Date,
    private readonly transactions = new FakeTransactions(),
  ) {}

  async append(accountId: string, input: AuditEventInput): Promise<AuditEventRecord> {
    const record: AuditEventRecord = {
      id: `event-${this.events.length + 1}`,
      accountId,
      ...input,
      createdAt: this.now(),
    };
    this.events.push({ ...record, inTransaction: this.transactions.open });
    return record;
  }

  async list(accountId: string, request: AuditEventListRequest = {}): Promise<Page<AuditEventRecord>> {
    this.lastListRequest = request;
    const items = this.events
      .filter((event) => event.accountId === accountId)
      .map(({ inTransaction: _inTransaction, ...event }) => event)
      .reverse();
    return { items, page: request.page ?? 1, perPage: request.perPage ?? 100, totalCount: items.length };
  }

  actions(): string[] {
    return this.events.map((event) => event.action);
  }
}

/**
 * A key protector whose "sealing" only binds the context (the key stays readable): enough for use cases
 * that seal and open CA keys, and it still refuses a key opened with another context.
 */
export const fakeCaKeys: CaKeyProtector = {
  async seal(plaintext, context) {
    const prefix = new TextEncoder().encode(`${context}\n\n`);
    return new Uint8Array([...prefix, ...plaintext]);
  },
  async open(sealed, context) {
    const prefix = new TextEncoder().encode(`${context}\n\n`);
    if (!prefix.every((byte, index) => sealed[index] === byte))
      throw new Error('sealed with another context');
    return sealed.subarray(prefix.length);
  },
};
