import type {
  Account,
  Agent,
  CaRotation,
  CaRotationActionBody,
  AgentReplaceBody,
  ApiToken,
  AuditEvent,
  AuditEventListQuery,
  JoinToken,
  JoinTokenCreateBody,
  SshSession,
  SshSessionEnd,
  Target,
  TargetInputBody,
  TunnelRoute,
  TunnelRouteCreateBody,
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
  /**
   * Zero Trust: Edit. The agent's credential dies at once; its target goes too unless `keepTarget`.
   * A not_found LatchkeyError when there is no such agent.
   */
  removeAgent(accountId: string, agentId: string, options: { keepTarget: boolean }): Promise<Agent>;
  /** Zero Trust: Edit. A one-use join token that re-enrols this agent (keeping its target); the secret, once. */
  replaceAgent(accountId: string, agentId: string, body: AgentReplaceBody): Promise<JoinToken>;
  /**
   * The sha256 of the agent package the server serves (`/downloads/…tar.gz.sha256`, public), or undefined
   * when it serves none.
   */
  agentPackageSha256(): Promise<string | undefined>;
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

/** The account's API tokens (`…/latchkey/api_tokens`): never their secrets. */
export interface ApiTokensApi {
  readonly url: string;
  accounts(): Promise<Account[]>;
  /** Account API Tokens: Read. */
  listApiTokens(accountId: string): Promise<ApiToken[]>;
  /** Account API Tokens: Read; a not_found LatchkeyError when there is none. */
  getApiToken(accountId: string, tokenId: string): Promise<ApiToken>;
  /** Account API Tokens: Edit; its next request is refused on every server. Idempotent. */
  revokeApiToken(accountId: string, tokenId: string): Promise<ApiToken>;
}

/** The rotation of the account's SSH CA (`…/latchkey/ca_rotation`). */
export interface CaRotationApi {
  readonly url: string;
  accounts(): Promise<Account[]>;
  /** Access: SSH Auditing: Read; not_found when the account has no CA. */
  getCaRotation(accountId: string): Promise<CaRotation>;
  /** Access: SSH Auditing: Edit; a conflict LatchkeyError says why the phase cannot move yet. */
  moveCaRotation(accountId: string, body: CaRotationActionBody): Promise<CaRotation>;
}

/** Connectors' tunnel routes (`…/teamnet/routes`), with the agents and virtual networks they name. */
export interface TunnelRoutesApi extends Pick<
  AdminApi,
  'url' | 'accounts' | 'listAgents' | 'listVirtualNetworks'
> {
  /** Zero Trust: Read. */
  listTunnelRoutes(
    accountId: string,
    query: { tunnel_id?: string; virtual_network_id?: string; page: number; per_page: number },
  ): Promise<Page<TunnelRoute>>;
  /** Zero Trust: Edit. */
  createTunnelRoute(accountId: string, body: TunnelRouteCreateBody): Promise<TunnelRoute>;
  /** Zero Trust: Edit; a not_found LatchkeyError when there is no such route. */
  deleteTunnelRoute(accountId: string, routeId: string): Promise<TunnelRoute>;
}
