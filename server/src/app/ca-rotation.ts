/**
 * Rotating the account's SSH CA without downtime (issue 13): start, switch, complete, cancel, and what a
 * rotation looks like now. The phases and their rules are domain/ca-rotation.ts's; the next CA's key is
 * made and sealed as the CA's own (gateway-ca.ts), so completing moves it into place unchanged. Each phase
 * is an audit event (`gateway_ca.rotation.start|switch|complete|cancel`).
 */
import { LatchkeyError, generateSshKeyPair, parseSshPublicKey } from '@latchkey/shared';
import type { CaKeyType } from '@latchkey/shared';
import { CLOCK_SKEW_MS, agentsNotTrustingNext, oldCaRetirableAt } from '../domain/ca-rotation.js';
import type { CaRotationRecord, GatewayCaRecord } from '../domain/records.js';
import type { SignInSettings } from '../domain/sign-in-settings.js';
import { uuidFromBytes } from '../domain/uuid-from-bytes.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import { CA_KEY_COMMENT, gatewayCaSealingContext } from './gateway-ca.js';
import type { Repositories, StoreOf } from './ports/store.js';
import type { Services } from './services.js';

/** What showing a rotation needs: the longest certificate lifetime (when the old CA may go). */
interface RotationViewDeps {
  signIn: Pick<SignInSettings, 'maxCertificateTtlSeconds'>;
}

/**
 * What the rotation use cases need: the CA and its rotation, the agents (a switch waits for those heard
 * from lately), the audit trail, the key protector that seals the next CA's key, the time, randomness
 * (the next CA's id) and the longest certificate lifetime.
 */
export type CaRotationDeps = RotationViewDeps &
  Pick<Services, 'clock' | 'randomBytes' | 'caKeys'> & {
    store: StoreOf<'gatewayCas' | 'caRotations' | 'agents' | 'auditEvents'>;
  };

/** The rotation as the API shows it. */
export interface CaRotationView {
  phase: 'standby' | 'init' | 'update_clients';
  current: GatewayCaRecord;
  rotation?: CaRotationRecord;
  /** In update_clients: when `complete` is allowed. */
  completableAt?: Date;
}

export async function getCaRotation(services: CaRotationDeps, caller: Caller): Promise<CaRotationView> {
  const current = await currentCa(services, caller.accountId);
  const rotation = await services.store.caRotations.get(caller.accountId);
  return view(services, current, rotation);
}

export async function startCaRotation(services: CaRotationDeps, caller: Caller): Promise<CaRotationView> {
  const current = await currentCa(services, caller.accountId);
  const key = generateSshKeyPair(keyTypeOf(current));
  const publicKey = key.publicKey.toAuthorizedKey(CA_KEY_COMMENT);
  const sealed = await services.caKeys.seal(
    new TextEncoder().encode(key.toPkcs8Pem()),
    gatewayCaSealingContext(caller.accountId, publicKey),
  );
  const rotation = await services.store.transaction(async (tx) => {
    // Again inside the transaction: a CA deleted meanwhile leaves nothing to rotate.
    if ((await tx.gatewayCas.get(caller.accountId))?.id !== current.id) {
      throw new LatchkeyError('conflict', 'the CA changed while the rotation started: try again');
    }
    const started = await tx.caRotations.create(caller.accountId, {
      next: {
        id: uuidFromBytes(services.randomBytes(16)),
        publicKey,
        encryptedPrivateKey: sealed,
        keyAlgorithm: key.publicKey.sshType,
      },
      startedAt: services.clock(),
    });
    await recordChange(tx, caller, {
      action: 'gateway_ca.rotation.start',
      resourceType: 'gateway_ca',
      resourceId: current.id,
      after: { phase: 'init', next_id: started.next.id, next_public_key: publicKey },
    });
    return started;
  });
  return view(services, current, rotation);
}

export async function switchCaRotation(
  services: CaRotationDeps,
  caller: Caller,
  options: { force: boolean },
): Promise<CaRotationView> {
  const current = await currentCa(services, caller.accountId);
  const rotation = await rotationIn(services, caller.accountId, 'init', 'switch');
  const now = services.clock();
  const nextFingerprint = parseSshPublicKey(rotation.next.publicKey).fingerprint();
  const behind = agentsNotTrustingNext(
    await services.store.agents.list(caller.accountId),
    nextFingerprint,
    now,
  );
  if (behind.length > 0 && !options.force) {
    throw new LatchkeyError(
      'conflict',
      `${behind.length} agent(s) heard from in the last 10 minutes do not trust the next CA yet ` +
        `(${behind
          .slice(0, 10)
          .map((agent) => agent.hostname)
          .join(', ')}${behind.length > 10 ? ', …' : ''}): wait for their next cycle, or switch with ` +
        '"force": true (their targets then refuse new certificates until they catch up)',
    );
  }
  const switched = await services.store.transaction(async (tx) => {
    const retireAfter = new Date(
      now.getTime() + services.signIn.maxCertificateTtlSeconds * 1000 + CLOCK_SKEW_MS,
    );
    const updated = await tx.caRotations.switchToNext(caller.accountId, now, retireAfter);
    if (updated === undefined) throw notIn('init', 'switch');
    await recordChange(tx, caller, {
      action: 'gateway_ca.rotation.switch',
      resourceType: 'gateway_ca',
      resourceId: current.id,
      before: { phase: 'init' },
      after: {
        phase: 'update_clients',
        next_id: rotation.next.id,
        ...(behind.length === 0 ? {} : { forced_past: behind.map((agent) => agent.hostname) }),
      },
    });
    return updated;
  });
  return view(services, current, switched);
}

export async function completeCaRotation(services: CaRotationDeps, caller: Caller): Promise<CaRotationView> {
  const current = await currentCa(services, caller.accountId);
  const rotation = await rotationIn(services, caller.accountId, 'update_clients', 'complete');
  const retirable = oldCaRetirableAt(rotation, services.signIn.maxCertificateTtlSeconds)!;
  if (services.clock().getTime() < retirable.getTime()) {
    throw new LatchkeyError(
      'conflict',
      `certificates the current CA signed may be valid until ${retirable.toISOString()} (the longest ` +
        'certificate lifetime after the switch, plus a minute of clock skew): complete the rotation then',
    );
  }
  const promoted = await services.store.transaction(async (tx) => {
    const ended = await tx.caRotations.deleteInPhase(caller.accountId, 'update_clients');
    if (ended === undefined) throw notIn('update_clients', 'complete');
    await tx.gatewayCas.delete(caller.accountId, current.id);
    const next = await tx.gatewayCas.create(caller.accountId, {
      id: ended.next.id,
      publicKey: ended.next.publicKey,
      encryptedPrivateKey: ended.next.encryptedPrivateKey,
      keyAlgorithm: ended.next.keyAlgorithm,
    });
    await recordChange(tx, caller, {
      action: 'gateway_ca.rotation.complete',
      resourceType: 'gateway_ca',
      resourceId: next.id,
      before: { phase: 'update_clients', id: current.id, public_key: current.publicKey },
      after: { phase: 'standby', id: next.id, public_key: next.publicKey },
    });
    return next;
  });
  return view(services, promoted, undefined);
}

/** Drops the next CA before anything was signed with it; after the switch, only `complete` ends it. */
export async function cancelCaRotation(services: CaRotationDeps, caller: Caller): Promise<CaRotationView> {
  const current = await currentCa(services, caller.accountId);
  const rotation = await rotationIn(services, caller.accountId, 'init', 'cancel');
  await services.store.transaction(async (tx) => {
    const ended = await tx.caRotations.deleteInPhase(caller.accountId, 'init');
    if (ended === undefined) throw notIn('init', 'cancel');
    await recordChange(tx, caller, {
      action: 'gateway_ca.rotation.cancel',
      resourceType: 'gateway_ca',
      resourceId: current.id,
      before: { phase: 'init', next_id: rotation.next.id },
      after: { phase: 'standby' },
    });
  });
  return view(services, current, undefined);
}

function view(
  services: RotationViewDeps,
  current: GatewayCaRecord,
  rotation: CaRotationRecord | undefined,
): CaRotationView {
  if (rotation === undefined) return { phase: 'standby', current };
  const completableAt = oldCaRetirableAt(rotation, services.signIn.maxCertificateTtlSeconds);
  return {
    phase: rotation.phase,
    current,
    rotation,
    ...(completableAt === undefined ? {} : { completableAt }),
  };
}

async function currentCa(
  services: { store: Pick<Repositories, 'gatewayCas'> },
  accountId: string,
): Promise<GatewayCaRecord> {
  const current = await services.store.gatewayCas.get(accountId);
  if (current === undefined) {
    throw new LatchkeyError(
      'not_found',
      'this account has no SSH CA to rotate: POST …/access/gateway_ca creates it',
    );
  }
  return current;
}

async function rotationIn(
  services: { store: Pick<Repositories, 'caRotations'> },
  accountId: string,
  phase: CaRotationRecord['phase'],
  action: string,
): Promise<CaRotationRecord> {
  const rotation = await services.store.caRotations.get(accountId);
  if (rotation?.phase !== phase) throw notIn(phase, action, rotation?.phase ?? 'standby');
  return rotation;
}

function notIn(phase: string, action: string, actual?: string): LatchkeyError {
  return new LatchkeyError(
    'conflict',
    `a rotation can ${action} only in phase ${phase}` + (actual === undefined ? '' : `; it is in ${actual}`),
  );
}

function keyTypeOf(ca: GatewayCaRecord): CaKeyType {
  return ca.keyAlgorithm === 'ssh-ed25519' ? 'ed25519' : 'ecdsa-p256';
}
