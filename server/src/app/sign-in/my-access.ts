/**
 * What a signed-in person may reach, and their certificates: the targets with the usernames policy
 * grants them, and a certificate for (target, username) after policy is evaluated again. Every issuance
 * and every denial is an audit event, written with the issuance in one transaction.
 *
 * A target whose agent runs an SSH front is *fronted* (domain/certificate-binding.ts): it is listed with
 * the front's port and host key, once (its policy ports merged: the front is the one way in), and its
 * certificates are bound to it.
 */
import { LatchkeyError, issueCertificate, parseSshPublicKey } from '@latchkey/shared';
import { decideCertificate, reachableTargets } from '../../domain/access/evaluate-access.js';
import { criteriaHostnames, criteriaIncludeTags } from '../../domain/access/target-criteria.js';
import { targetAccounts, targetFront } from '../../domain/certificate-binding.js';
import {
  certificateContents,
  checkCertificateRequest,
  isBoundToTarget,
  type CertificateRefusal,
} from '../../domain/certificates/person-certificate-rules.js';
import { frontHostCa } from '../../domain/host-certificate.js';
import type { TargetGrant } from '../../domain/access/evaluate-access.js';
import type {
  AgentFrontReport,
  AgentRecord,
  TargetRecord,
  VirtualNetworkRecord,
} from '../../domain/records.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import type { Services } from '../services.js';
import { currentAccessConfig, type AccessConfigDeps } from './access-config.js';
import type { PersonCaller } from './person-caller.js';
import { uuidFromBytes } from '../../domain/uuid-from-bytes.js';

export interface ReachableTarget {
  /** For a fronted target, the grants of all its ports merged (the usernames of any of them). */
  grant: TargetGrant;
  virtualNetwork: VirtualNetworkRecord | undefined;
  /** The agent's SSH front, for a fronted target: clients connect to its port. */
  front?: AgentFrontReport;
  /** The account's host CA, when the front presents a certificate from it: clients trust it, not the key. */
  hostCa?: string;
}

/** What listing a person's targets needs: the access configuration, targets, their networks and agents. */
export type ListMyTargetsDeps = AccessConfigDeps &
  Pick<Services, 'clock'> & {
    store: Pick<Repositories, 'virtualNetworks' | 'hostCas' | 'targets' | 'agents'>;
  };

export async function listMyTargets(
  services: ListMyTargetsDeps,
  caller: PersonCaller,
): Promise<ReachableTarget[]> {
  const { store } = services;
  const [{ catalog }, networks, hostCa] = await Promise.all([
    currentAccessConfig(services, caller.accountId),
    store.virtualNetworks.list(caller.accountId),
    store.hostCas.get(caller.accountId),
  ]);
  // The candidates: targets an app names by hostname (either criteria form) or by an include tag.
  const criteria = catalog.apps.flatMap((app) => app.targetCriteria);
  const candidates = new Map<string, TargetRecord>();
  for (const hostname of new Set(criteriaHostnames(criteria))) {
    const page = await store.targets.list(caller.accountId, { hostname, perPage: 1000 });
    for (const target of page.items) candidates.set(target.id, target);
  }
  for (const tag of criteriaIncludeTags(criteria)) {
    const page = await store.targets.list(caller.accountId, { tags: [tag], perPage: 1000 });
    for (const target of page.items) candidates.set(target.id, target);
  }
  const targets = [...candidates.values()];
  const networkById = new Map(networks.map((network) => [network.id, network]));
  const agentsByTarget = await agentsOf(services, caller.accountId, [...new Set(targets.map((t) => t.id))]);
  const grants = reachableTargets(caller.person, catalog, targets, (id) =>
    targetAccounts(agentsByTarget.get(id) ?? []),
  );
  const fronts = new Map<string, AgentFrontReport>();
  for (const [targetId, agents] of agentsByTarget) {
    const front = targetFront(agents);
    if (front !== undefined) fronts.set(targetId, front);
  }
  const reachable: ReachableTarget[] = [];
  const now = services.clock();
  const frontedEntry = new Map<string, ReachableTarget>();
  for (const grant of grants) {
    const front = fronts.get(grant.target.id);
    const merged = front === undefined ? undefined : frontedEntry.get(grant.target.id);
    if (merged !== undefined) {
      merged.grant = {
        ...merged.grant,
        usernames: [...new Set([...merged.grant.usernames, ...grant.usernames])].sort(),
      };
      continue;
    }
    const frontCa = front === undefined ? undefined : frontHostCa(front, hostCa?.publicKey, now);
    const entry: ReachableTarget = {
      grant,
      virtualNetwork: networkById.get(
        grant.target.ipv4?.virtualNetworkId ?? grant.target.ipv6?.virtualNetworkId ?? '',
      ),
      ...(front === undefined ? {} : { front }),
      ...(frontCa === undefined ? {} : { hostCa: frontCa }),
    };
    if (front !== undefined) frontedEntry.set(grant.target.id, entry);
    reachable.push(entry);
  }
  return reachable;
}

/** The agents of each of `targetIds` (fronts, reported accounts), from one read. */
async function agentsOf(
  services: { store: Pick<Repositories, 'agents'> },
  accountId: string,
  targetIds: string[],
): Promise<Map<string, AgentRecord[]>> {
  const byTarget = new Map<string, AgentRecord[]>();
  for (const agent of await services.store.agents.listForTargets(accountId, targetIds)) {
    if (agent.targetId === undefined) continue;
    byTarget.set(agent.targetId, [...(byTarget.get(agent.targetId) ?? []), agent]);
  }
  return byTarget;
}

export interface CertificateRequestInput {
  targetId: string;
  username: string;
  publicKey: string;
  port?: number;
  /** Wanted lifetime; default and cap from the server's settings. */
  validSeconds?: number;
}

export interface IssuedCertificate {
  certificate: string;
  serial: bigint;
  keyId: string;
  sessionId: string;
  principals: string[];
  validAfter: Date;
  validBefore: Date;
  /** Where to connect: for a fronted target, the front's port and the host key to trust there. */
  target: { id: string; hostname: string; address: string; port: number; hostKey?: string; hostCa?: string };
}

/**
 * What issuing a certificate needs: the access configuration and the CA key, the target and its agents,
 * the time, randomness and the certificate settings; it writes the issued session and the audit event.
 */
export type IssueCertificateDeps = AccessConfigDeps &
  Pick<Services, 'clock' | 'randomBytes' | 'signIn'> & {
    store: StoreOf<'targets' | 'agents' | 'hostCas' | 'auditEvents' | 'issuedSessions'>;
  };

export async function issueMyCertificate(
  services: IssueCertificateDeps,
  caller: PersonCaller,
  input: CertificateRequestInput,
): Promise<IssuedCertificate> {
  const { store, signIn: settings } = services;
  let subjectKey;
  try {
    subjectKey = parseSshPublicKey(input.publicKey);
  } catch (error) {
    throw new LatchkeyError('invalid_argument', `/public_key: ${(error as Error).message}`, {
      pointer: '/public_key',
      cause: error,
    });
  }
  const targetId = input.targetId.toLowerCase();
  const [config, target, targetAgents, hostCa] = await Promise.all([
    currentAccessConfig(services, caller.accountId),
    store.targets.get(caller.accountId, targetId),
    store.agents.listForTarget(caller.accountId, targetId),
    store.hostCas.get(caller.accountId),
  ]);
  const { catalog } = config;
  // The request validators (a whole-second lifetime; no weak RSA key, not the CA's own key) come before
  // policy, so a malformed request leaves no denial in the audit log.
  const caKeys = await config.caPrivateKey().then(
    (key) => [key.publicKey],
    () => [],
  );
  const requestRefusal = checkCertificateRequest({
    subjectKey,
    caPublicKeys: caKeys,
    ...(input.validSeconds === undefined ? {} : { validSeconds: input.validSeconds }),
  });
  if (requestRefusal !== undefined) throw refusalError(requestRefusal);
  const accounts = targetAccounts(targetAgents);
  const decide = (port: number | undefined) =>
    decideCertificate(
      caller.person,
      catalog,
      target,
      {
        targetRef: input.targetId,
        username: input.username,
        ...(port === undefined ? {} : { port }),
      },
      () => accounts,
    );
  let decision = decide(input.port);
  // Clients of a fronted target know only the front's port (/v1/me/targets answers it): asking for it is
  // asking for the target, as if no port were given, unless an app covers that port itself.
  if (
    !decision.allowed &&
    decision.reason === 'no_app' &&
    input.port !== undefined &&
    input.port === targetFront(targetAgents)?.port
  ) {
    decision = decide(undefined);
  }
  if (!decision.allowed) {
    await store.auditEvents.append(caller.accountId, {
      actor: caller.actor,
      action: 'certificate.deny',
      resourceType: 'target',
      resourceId: input.targetId,
      after: {
        username: input.username,
        reason: decision.reason,
        session: caller.sessionId,
        ...(caller.person.ip === undefined ? {} : { client_ip: caller.person.ip }),
      },
    });
    throw new LatchkeyError('access_denied', decision.message);
  }

  const grant = decision.grant;
  const sessionId = uuidFromBytes(services.randomBytes(16));
  const recorded = config.auditPublicKey !== '';
  // What the certificate carries: the modifiers, then the content validators, of
  // domain/certificates/person-certificate-rules.ts, in their fixed order.
  const decided = certificateContents({
    person: caller.person,
    sessionId,
    username: input.username,
    ...(input.validSeconds === undefined ? {} : { validSeconds: input.validSeconds }),
    grant,
    targetAgents,
    recordsSessions: recorded,
    settings,
  });
  if ('refusal' in decided) throw refusalError(decided.refusal);
  const { contents } = decided;
  const boundToTarget = isBoundToTarget(contents);
  const front = boundToTarget ? targetFront(targetAgents) : undefined;
  const certificate = issueCertificate(
    await config.caPrivateKey(),
    { subjectKey, ...contents },
    // Serial and nonce from shared's pooled CSPRNG (one getrandom per many certificates), not a call each.
    { now: services.clock },
  );
  const targetRecord = grant.target;
  const address = targetRecord.ipv4?.address ?? targetRecord.ipv6?.address ?? '';
  // What was issued is kept (issued_sessions): session logs are indexed from it, not from agents' claims.
  await store.transaction(async (tx) => {
    await tx.issuedSessions.record({
      accountId: caller.accountId,
      sessionId,
      targetId: targetRecord.id,
      targetHostname: targetRecord.hostname,
      person: caller.person.email,
      ...(caller.userId === undefined ? {} : { userId: caller.userId }),
      username: input.username,
      signInSessionId: caller.sessionId,
      serial: certificate.serial.toString(),
      boundToTarget,
      issuedAt: services.clock(),
      validBefore: certificate.validBefore,
    });
    await tx.auditEvents.append(caller.accountId, {
      actor: caller.actor,
      action: 'certificate.issue',
      resourceType: 'target',
      resourceId: targetRecord.id,
      after: {
        hostname: targetRecord.hostname,
        username: input.username,
        serial: certificate.serial.toString(),
        session_id: sessionId,
        key_fingerprint: subjectKey.fingerprint(),
        recorded,
        bound_to_target: boundToTarget,
        valid_before: certificate.validBefore.toISOString(),
        sign_in_session: caller.sessionId,
        ...(caller.person.ip === undefined ? {} : { client_ip: caller.person.ip }),
      },
    });
  });
  const frontCa = front === undefined ? undefined : frontHostCa(front, hostCa?.publicKey, services.clock());
  return {
    certificate: certificate.toAuthorizedKey(),
    serial: certificate.serial,
    keyId: contents.keyId,
    sessionId,
    principals: contents.principals,
    validAfter: certificate.validAfter,
    validBefore: certificate.validBefore,
    target: {
      id: targetRecord.id,
      hostname: targetRecord.hostname,
      address,
      port: front?.port ?? grant.port,
      ...(front === undefined ? {} : { hostKey: front.hostKey }),
      ...(frontCa === undefined ? {} : { hostCa: frontCa }),
    },
  };
}

/** A rule's refusal as the one error type (with the request field at fault, when there is one). */
function refusalError(refusal: CertificateRefusal): LatchkeyError {
  return new LatchkeyError(
    refusal.code,
    refusal.message,
    refusal.pointer === undefined ? {} : { pointer: refusal.pointer },
  );
}
