/**
 * The tables, as kysely sees them. Column types are the union of what the two drivers return:
 * better-sqlite3 gives numbers for booleans, text for times and JSON; pg gives booleans, Dates and
 * parsed JSON. `column-codec.ts` converts both ways; the repositories never look at raw values.
 */
import type { Generated } from 'kysely';

/** A boolean column: `boolean` on PostgreSQL, 0/1 on SQLite. */
export type BoolColumn = boolean | number;
/** A time column: `timestamptz(3)` on PostgreSQL, ISO-8601 UTC text on SQLite. */
export type TimeColumn = Date | string;
/** A JSON column: `jsonb` on PostgreSQL (parsed by pg), text on SQLite. */
export type JsonColumn = unknown;

export interface AccountsTable {
  id: string;
  name: string;
  /** 1 for the installation's default account, NULL for others; UNIQUE, so there is only one. */
  singleton: number | null;
  created_at: TimeColumn;
}

export interface VirtualNetworksTable {
  id: string;
  account_id: string;
  name: string;
  comment: string;
  is_default_network: BoolColumn;
  created_at: TimeColumn;
}

export interface TargetsTable {
  id: string;
  account_id: string;
  hostname: string;
  /** lower(hostname), for case-insensitive filters and ordering. */
  hostname_lower: string;
  ipv4: string | null;
  /** The IPv4 address as 8 lowercase hex digits: text order is numeric order. */
  ipv4_key: string | null;
  ipv4_vnet_id: string | null;
  ipv6: string | null;
  /** The IPv6 address as 32 lowercase hex digits. */
  ipv6_key: string | null;
  ipv6_vnet_id: string | null;
  created_at: TimeColumn;
  modified_at: TimeColumn;
  /** Cloudflare's target tags: a JSON object of string keys to string values (`{}`: none). */
  tags: JsonColumn;
}

export interface AppsTable {
  id: string;
  account_id: string;
  name: string;
  type: string;
  aud: string;
  target_criteria: JsonColumn;
  /** Cloudflare's `mfa_config` (JSON), NULL when the app has none. */
  mfa_config: JsonColumn | null;
  created_at: TimeColumn;
  updated_at: TimeColumn;
}

export interface PoliciesTable {
  id: string;
  account_id: string;
  name: string;
  decision: string;
  include: JsonColumn;
  require: JsonColumn;
  exclude: JsonColumn;
  connection_rules: JsonColumn | null;
  reusable: BoolColumn;
  created_at: TimeColumn;
  updated_at: TimeColumn;
}

export interface AppPoliciesTable {
  account_id: string;
  app_id: string;
  policy_id: string;
  precedence: number;
}

export interface AccessGroupsTable {
  id: string;
  account_id: string;
  name: string;
  is_default: BoolColumn;
  include: JsonColumn;
  require: JsonColumn;
  exclude: JsonColumn;
  created_at: TimeColumn;
  updated_at: TimeColumn;
}

export interface GatewayCasTable {
  id: string;
  account_id: string;
  public_key: string;
  encrypted_private_key: Uint8Array;
  key_algorithm: string;
  created_at: TimeColumn;
}

/** A CA rotation under way, at most one per account (migration 0013). */
export interface GatewayCaRotationsTable {
  account_id: string;
  phase: string;
  next_id: string;
  next_public_key: string;
  next_encrypted_private_key: Uint8Array;
  next_key_algorithm: string;
  started_at: TimeColumn;
  switched_at: TimeColumn | null;
  retire_after: TimeColumn | null;
}

/** One host CA per account (migration 0012): signs agents' front host keys. */
export interface HostCasTable {
  account_id: string;
  public_key: string;
  encrypted_private_key: Uint8Array;
  key_algorithm: string;
  created_at: TimeColumn;
}

export interface AuditSshSettingsTable {
  account_id: string;
  public_key: string;
  seed_id: string;
  created_at: TimeColumn;
  updated_at: TimeColumn;
}

export interface ApiTokensTable {
  id: string;
  account_id: string;
  name: string;
  token_hash: string;
  permissions: JsonColumn;
  expires_at: TimeColumn | null;
  created_at: TimeColumn;
  last_used_at: TimeColumn | null;
  revoked_at: TimeColumn | null;
}

export interface AuditEventsTable {
  /** Insertion order (newest first = highest seq first). */
  seq: Generated<number | string>;
  id: string;
  account_id: string;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  before: JsonColumn | null;
  after: JsonColumn | null;
  created_at: TimeColumn;
}

export interface UsersTable {
  id: string;
  account_id: string;
  /** Lowercased. */
  email: string;
  password_hash: string;
  groups: JsonColumn;
  disabled_at: TimeColumn | null;
  created_at: TimeColumn;
  updated_at: TimeColumn;
}

export interface SignInSessionsTable {
  id: string;
  account_id: string;
  user_id: string | null;
  email: string;
  groups: JsonColumn;
  login_method: string;
  auth_methods: JsonColumn;
  claims: JsonColumn;
  client_id: string;
  refresh_token_hash: string;
  refresh_expires_at: TimeColumn;
  created_at: TimeColumn;
  refreshed_at: TimeColumn | null;
  revoked_at: TimeColumn | null;
}

export interface DeviceAuthorizationsTable {
  id: string;
  account_id: string;
  device_code_hash: string;
  user_code: string;
  client_id: string;
  status: string;
  session_id: string | null;
  interval_seconds: number;
  created_at: TimeColumn;
  expires_at: TimeColumn;
  last_polled_at: TimeColumn | null;
}

export interface UpstreamLoginsTable {
  state: string;
  device_authorization_id: string;
  pending: JsonColumn;
  confirmation_hash: string | null;
  identity: JsonColumn | null;
  created_at: TimeColumn;
  expires_at: TimeColumn;
}

export interface TokenSigningKeysTable {
  id: string;
  /** Always 1: there is one signing key per installation (UNIQUE). */
  singleton: number;
  encrypted_private_key: Uint8Array;
  public_key: string;
  created_at: TimeColumn;
}

export interface AccessConfigVersionTable {
  singleton: number;
  /** Bumped by triggers (migration 0003); a bigint comes back from pg as a string. */
  version: number | string;
}

export interface JoinTokensTable {
  id: string;
  account_id: string;
  name: string;
  token_hash: string;
  max_uses: number;
  uses: number;
  expires_at: TimeColumn;
  created_at: TimeColumn;
  revoked_at: TimeColumn | null;
  /** Set on a token made to replace this agent (migration 0008). */
  replaces_agent_id: string | null;
}

export interface AgentsTable {
  id: string;
  account_id: string;
  hostname: string;
  machine_id: string | null;
  api_token_id: string;
  join_token_id: string;
  target_id: string | null;
  /** The last heartbeat (AgentHeartbeat), as JSON. */
  heartbeat: JsonColumn | null;
  last_seen_at: TimeColumn | null;
  created_at: TimeColumn;
}

/** Tunnel routes (migration 0016): `network` is a canonical CIDR, unique per (account, virtual network). */
export interface TunnelRoutesTable {
  id: string;
  account_id: string;
  network: string;
  agent_id: string;
  virtual_network_id: string;
  comment: string;
  created_at: TimeColumn;
}

export interface TunnelServersTable {
  id: string;
  peer_url: string;
  tunnel_url: string;
  started_at: TimeColumn;
  heartbeat_at: TimeColumn;
}

export interface TunnelAgentLinksTable {
  server_id: string;
  agent_id: string;
  account_id: string;
  connected_at: TimeColumn;
}

export interface TunnelPeerKeysTable {
  id: string;
  sealed_secret: Uint8Array;
  created_at: TimeColumn;
}

export interface SshLogsTable {
  account_id: string;
  id: string;
  agent_id: string;
  session_id: string;
  /** Lowercased. */
  user_email: string;
  user_id: string | null;
  username: string;
  target_id: string;
  target_hostname: string | null;
  client_address: string | null;
  server_address: string | null;
  pty: BoolColumn;
  program_type: string;
  command: string | null;
  session_start_at: TimeColumn;
  session_finish_at: TimeColumn | null;
  status: string;
  error: string | null;
  /** bigint on PostgreSQL (comes back as a string). */
  size_bytes: number | string;
  sha256: string;
  /** The content's rows in ssh_log_files (a new id whenever the content is replaced). */
  file_id: string;
  uploaded_at: TimeColumn;
}

/** An upload whose bytes are being written to ssh_log_files under file_id (not yet named by ssh_logs). */
export interface SshLogUploadsTable {
  file_id: string;
  account_id: string;
  log_id: string;
  started_at: TimeColumn;
}

/** A session log's bytes, in pieces of at most 1 MiB (seq from 0), apart from the index. */
export interface SshLogFilesTable {
  file_id: string;
  seq: number;
  data: Uint8Array;
}

/** Orders to end sessions at agents' fronts (migration 0007); only ever inserted. */
export interface SessionTerminationsTable {
  /** Increasing; bigint on PostgreSQL (comes back as a string). */
  id: Generated<number | string>;
  account_id: string;
  /** NULL: every agent of the account. */
  agent_id: string | null;
  session_id: string | null;
  /** An email, lowercased. */
  person: string | null;
  issued_before: TimeColumn;
  reason: string;
  created_at: TimeColumn;
}

/** Refresh tokens rotated away (migration 0008): presented again, they revoke their session. */
export interface RetiredRefreshTokensTable {
  refresh_token_hash: string;
  session_id: string;
  retired_at: TimeColumn;
}

/** What the server issued with each certificate (migration 0009): session logs are indexed from it. */
export interface IssuedSessionsTable {
  account_id: string;
  session_id: string;
  target_id: string;
  target_hostname: string;
  /** An email, lowercased. */
  person: string;
  user_id: string | null;
  username: string;
  sign_in_session_id: string;
  /** The certificate's serial, in decimal. */
  serial: string;
  bound_to_target: BoolColumn;
  issued_at: TimeColumn;
  valid_before: TimeColumn;
}

/** Consecutive failed passwords per typed email (migration 0010). */
export interface SignInLockoutsTable {
  account_id: string;
  /** The email as typed, lowercased. */
  subject: string;
  failures: number;
  locked_until: TimeColumn | null;
  updated_at: TimeColumn;
}

/** People from upstream providers, by (issuer, subject) (migration 0011). */
export interface UpstreamIdentitiesTable {
  account_id: string;
  issuer: string;
  subject: string;
  provider_id: string;
  /** Lowercased. */
  email: string;
  /** An admin allowed this identity this email, whoever else has it. */
  linked: BoolColumn;
  created_at: TimeColumn;
  last_seen_at: TimeColumn | null;
}

export interface DatabaseSchema {
  accounts: AccountsTable;
  virtual_networks: VirtualNetworksTable;
  targets: TargetsTable;
  apps: AppsTable;
  policies: PoliciesTable;
  app_policies: AppPoliciesTable;
  access_groups: AccessGroupsTable;
  gateway_cas: GatewayCasTable;
  host_cas: HostCasTable;
  gateway_ca_rotations: GatewayCaRotationsTable;
  audit_ssh_settings: AuditSshSettingsTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  users: UsersTable;
  sign_in_sessions: SignInSessionsTable;
  device_authorizations: DeviceAuthorizationsTable;
  upstream_logins: UpstreamLoginsTable;
  token_signing_keys: TokenSigningKeysTable;
  access_config_version: AccessConfigVersionTable;
  join_tokens: JoinTokensTable;
  agents: AgentsTable;
  ssh_logs: SshLogsTable;
  ssh_log_files: SshLogFilesTable;
  ssh_log_uploads: SshLogUploadsTable;
  session_terminations: SessionTerminationsTable;
  retired_refresh_tokens: RetiredRefreshTokensTable;
  issued_sessions: IssuedSessionsTable;
  sign_in_lockouts: SignInLockoutsTable;
  upstream_identities: UpstreamIdentitiesTable;
  tunnel_routes: TunnelRoutesTable;
  tunnel_servers: TunnelServersTable;
  tunnel_agent_links: TunnelAgentLinksTable;
  tunnel_peer_keys: TunnelPeerKeysTable;
}
