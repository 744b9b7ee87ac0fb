import type {
  Account,
  Agent,
  AuditEvent,
  AuditEventListQuery,
  JoinToken,
  JoinTokenCreateBody,
  SshSession,
  SshSessionEnd,
  Target,
  TargetInputBody,
  VirtualNetwork,
} from '@latchkey/shared';

/** One page of a list, with the server's page count when it said one. */
export interface Page<T> {
  items: T[];
  totalPages?: number;
}

/** The access server's admin API, with an API token (adapters/http/admin-api-client.ts). */
export interface AdminApi {
  readonly url: string;
  accounts(): Promise<Account[]>;
  /** Zero Trust: Read. */
  listTargets(
    accountId: string,
    query: { hostname?: string; page: number; per_page: number },
  ): Promise<Page<Target>>;
  /** Zero Trust: Read; a not_found LatchkeyError when there is none. */
  getTarget(accountId: string, targetId: string): Promise<Target>;
  /** Zero Trust: Edit. */
  createTarget(accountId: string, body: TargetInputBody): Promise<Target>;
  /** Zero Trust: Edit. */
  deleteTarget(accountId: string, targetId: string): Promise<void>;
  /** Zero Trust: Read. */
  listVirtualNetworks(accountId: string, query: { name?: string }): Promise<VirtualNetwork[]>;
  /** Zero Trust: Read. */
  listAgents(accountId: string): Promise<Agent[]>;
  /** Zero Trust: Edit; the answer holds the secret, once. */
  createJoinToken(accountId: string, body: JoinTokenCreateBody): Promise<JoinToken>;
  /** Audit Logs: Read (not per account: `GET /v1/audit`). */
  listAuditEvents(query: AuditEventListQuery): Promise<Page<AuditEvent>>;
}

/** The live SSH sessions at agents' SSH fronts (`…/access/ssh_sessions`), with an API token. */
export interface SshSessionsApi {
  readonly url: string;
  accounts(): Promise<Account[]>;
  /** Zero Trust: Read. */
  listSshSessions(accountId: string): Promise<SshSession[]>;
  /** Zero Trust: Edit; a not_found LatchkeyError when no live session has that id. */
  endSshSession(accountId: string, sessionId: string): Promise<SshSessionEnd>;
}
