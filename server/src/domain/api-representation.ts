/**
 * Records as the API shows them (Cloudflare's field names and shapes). Pure; used by the HTTP routes
 * for responses and by the use-cases for audit snapshots. No secret ever appears here: the CA is shown
 * by its public key only, API tokens by id, name and permissions.
 */
import type {
  AccessGroup,
  Account,
  ApiToken,
  AuditEvent,
  AuditSshSettings,
  CaRotation,
  GatewayCa,
  HostCa,
  InfrastructureApp,
  Policy,
  SessionTermination,
  SshLog,
  SshSession,
  Target,
  MfaConfig,
  TargetCriterion,
  VirtualNetwork,
} from '@latchkey/shared';
import type {
  AccessGroupRecord,
  AccountRecord,
  ApiTokenRecord,
  AuditEventRecord,
  AuditSshSettingsRecord,
  CaRotationRecord,
  GatewayCaRecord,
  HostCaRecord,
  InfrastructureAppRecord,
  JsonObject,
  PolicyRecord,
  SessionTerminationRecord,
  SshLogRecord,
  TargetRecord,
  VirtualNetworkRecord,
} from './records.js';

import type { LiveSession } from './live-sessions.js';

const time = (date: Date): string => date.toISOString();

export function presentAccount(account: AccountRecord): Account {
  return { id: account.id, name: account.name, type: 'standard', created_on: time(account.createdAt) };
}

/** An API token without its secret (nothing of it is stored but its hash, which is never shown). */
export function presentApiToken(token: ApiTokenRecord, now: Date): ApiToken {
  const status =
    token.revokedAt !== undefined
      ? 'revoked'
      : token.expiresAt !== undefined && token.expiresAt.getTime() <= now.getTime()
        ? 'expired'
        : 'active';
  return {
    id: token.id,
    name: token.name,
    permissions: [...token.permissions],
    status,
    created_at: time(token.createdAt),
    ...(token.expiresAt === undefined ? {} : { expires_at: time(token.expiresAt) }),
    ...(token.lastUsedAt === undefined ? {} : { last_used_at: time(token.lastUsedAt) }),
    ...(token.revokedAt === undefined ? {} : { revoked_at: time(token.revokedAt) }),
  };
}

export function presentTarget(target: TargetRecord): Target {
  const ip: Target['ip'] = {};
  if (target.ipv4 !== undefined) {
    ip.ipv4 = { ip_addr: target.ipv4.address, virtual_network_id: target.ipv4.virtualNetworkId };
  }
  if (target.ipv6 !== undefined) {
    ip.ipv6 = { ip_addr: target.ipv6.address, virtual_network_id: target.ipv6.virtualNetworkId };
  }
  return {
    id: target.id,
    hostname: target.hostname,
    ip,
    tags: { ...(target.tags ?? {}) },
    created_at: time(target.createdAt),
    modified_at: time(target.modifiedAt),
  };
}

export function presentVirtualNetwork(network: VirtualNetworkRecord): VirtualNetwork {
  const shown: VirtualNetwork = {
    id: network.id,
    name: network.name,
    comment: network.comment,
    is_default_network: network.isDefaultNetwork,
    created_at: time(network.createdAt),
  };
  if (network.deletedAt !== undefined) shown.deleted_at = time(network.deletedAt);
  return shown;
}

/** A policy; `precedence` when shown inside an app, `reusable: true` for reusable ones. */
export function presentPolicy(policy: PolicyRecord, precedence?: number): Policy {
  const shown = {
    id: policy.id,
    name: policy.name,
    decision: policy.decision,
    include: policy.include,
    require: policy.require,
    exclude: policy.exclude,
    ...(policy.connectionRules === undefined ? {} : { connection_rules: policy.connectionRules }),
    ...(policy.reusable ? { reusable: true } : {}),
    ...(precedence === undefined ? {} : { precedence }),
    created_at: time(policy.createdAt),
    updated_at: time(policy.updatedAt),
  };
  return shown as unknown as Policy;
}

/** An app with its policies (looked up by the caller, in link order). */
export function presentApp(
  app: InfrastructureAppRecord,
  policies: ReadonlyMap<string, PolicyRecord>,
): InfrastructureApp {
  return {
    id: app.id,
    name: app.name,
    type: app.type as 'infrastructure',
    aud: app.aud,
    target_criteria: app.targetCriteria as unknown as TargetCriterion[],
    policies: app.policies.flatMap((link) => {
      const policy = policies.get(link.policyId);
      return policy === undefined ? [] : [presentPolicy(policy, link.precedence)];
    }),
    ...(app.mfaConfig === undefined ? {} : { mfa_config: app.mfaConfig as unknown as MfaConfig }),
    created_at: time(app.createdAt),
    updated_at: time(app.updatedAt),
  };
}

export function presentAccessGroup(group: AccessGroupRecord): AccessGroup {
  return {
    id: group.id,
    name: group.name,
    is_default: group.isDefault === true,
    include: group.include,
    require: group.require,
    exclude: group.exclude,
    created_at: time(group.createdAt),
    updated_at: time(group.updatedAt),
  } as unknown as AccessGroup;
}

export function presentGatewayCa(ca: GatewayCaRecord): GatewayCa {
  return { id: ca.id, public_key: ca.publicKey };
}

/** A CA rotation as the API shows it (…/latchkey/ca_rotation). */
export function presentCaRotation(view: {
  phase: CaRotation['phase'];
  current: GatewayCaRecord;
  rotation?: CaRotationRecord;
  completableAt?: Date;
}): CaRotation {
  const { rotation } = view;
  return {
    phase: view.phase,
    current: presentGatewayCa(view.current),
    ...(rotation === undefined
      ? {}
      : {
          next: { id: rotation.next.id, public_key: rotation.next.publicKey },
          started_at: rotation.startedAt.toISOString(),
          ...(rotation.switchedAt === undefined ? {} : { switched_at: rotation.switchedAt.toISOString() }),
        }),
    ...(view.completableAt === undefined ? {} : { completable_at: view.completableAt.toISOString() }),
  };
}

export function presentHostCa(ca: HostCaRecord): HostCa {
  return { public_key: ca.publicKey, key_algorithm: ca.keyAlgorithm, created_at: ca.createdAt.toISOString() };
}

/** Settings never written yet show as logging off, stamped with `now` and a nil seed. */
export function presentAuditSshSettings(
  settings: AuditSshSettingsRecord | undefined,
  now: Date,
): AuditSshSettings {
  if (settings === undefined) {
    return {
      public_key: '',
      seed_id: '00000000-0000-0000-0000-000000000000',
      created_at: time(now),
      updated_at: time(now),
    };
  }
  return {
    public_key: settings.publicKey,
    seed_id: settings.seedId,
    created_at: time(settings.createdAt),
    updated_at: time(settings.updatedAt),
  };
}

export function presentAuditEvent(event: AuditEventRecord): AuditEvent {
  const shown: AuditEvent = {
    id: event.id,
    actor: event.actor,
    action: event.action,
    resource_type: event.resourceType,
    created_at: time(event.createdAt),
  };
  if (event.resourceId !== undefined) shown.resource_id = event.resourceId;
  if (event.before !== undefined) shown.before = event.before;
  if (event.after !== undefined) shown.after = event.after;
  return shown;
}

/** A stored session log's index (its bytes are downloaded apart). */
export function presentSshLog(log: SshLogRecord): SshLog {
  return {
    id: log.id,
    session_id: log.sessionId,
    user_email: log.userEmail,
    ...(log.userId === undefined ? {} : { user_id: log.userId }),
    username: log.username,
    target_id: log.targetId,
    ...(log.targetHostname === undefined ? {} : { target_hostname: log.targetHostname }),
    agent_id: log.agentId,
    ...(log.clientAddress === undefined ? {} : { client_address: log.clientAddress }),
    ...(log.serverAddress === undefined ? {} : { server_address: log.serverAddress }),
    pty: log.pty,
    program_type: log.programType,
    ...(log.command === undefined ? {} : { command: log.command }),
    session_start_datetime: time(log.sessionStartAt),
    ...(log.sessionFinishAt === undefined ? {} : { session_finish_datetime: time(log.sessionFinishAt) }),
    status: log.status,
    ...(log.error === undefined ? {} : { error: log.error }),
    size_bytes: log.sizeBytes,
    sha256: log.sha256,
    uploaded_at: time(log.uploadedAt),
  };
}

/** An API value as the store's JSON type (API shapes are JSON by construction). */
export function asJson(value: unknown): JsonObject {
  return value as JsonObject;
}

export function presentSshSession(session: LiveSession): SshSession {
  return {
    session_id: session.sessionId,
    person: session.person,
    unix_user: session.unixUser,
    program: session.program,
    ...(session.command === undefined ? {} : { command: session.command }),
    started_at: session.startedAt,
    ...(session.clientAddress === undefined ? {} : { client_address: session.clientAddress }),
    ...(session.targetId === undefined ? {} : { target_id: session.targetId }),
    hostname: session.hostname,
    agent_id: session.agentId,
    reported_at: time(session.reportedAt),
  };
}

export function presentSessionTermination(termination: SessionTerminationRecord): SessionTermination {
  return {
    id: termination.id,
    ...(termination.sessionId === undefined ? {} : { session_id: termination.sessionId }),
    ...(termination.person === undefined ? {} : { person: termination.person }),
    issued_before: time(termination.issuedBefore),
    reason: termination.reason,
  };
}
