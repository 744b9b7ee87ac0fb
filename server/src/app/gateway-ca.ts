/**
 * The account's SSH CA. Its private key is made here, sealed by the CaKeyProtector before it reaches
 * the store, and opened only by `loadGatewayCaPrivateKey` (for signing certificates); no API returns it.
 * The sealing context binds the key to its account and public key.
 */
import {
  GATEWAY_CA_ALREADY_EXISTS_MESSAGE,
  LatchkeyError,
  generateSshKeyPair,
  parseSshPrivateKey,
} from '@latchkey/shared';
import type { CaKeyType, SshPrivateKey } from '@latchkey/shared';
import { presentGatewayCa } from '../domain/api-representation.js';
import type { GatewayCaRecord } from '../domain/records.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import { found } from './not-found.js';
import type { Repositories, StoreOf } from './ports/store.js';
import type { Services } from './services.js';

/**
 * What the CA use cases need: the CA, its rotation (a CA under rotation is not deleted; its next CA is
 * listed), the audit trail, and the key protector that seals a new CA's private key.
 */
export type GatewayCaDeps = Pick<Services, 'caKeys'> & {
  store: StoreOf<'gatewayCas' | 'caRotations' | 'auditEvents'>;
};

/** The comment of the CA's authorized-keys line. */
export const CA_KEY_COMMENT = 'latchkey-ssh-ca';

/**
 * What a CA's sealed private key is bound to: its account and public key. The next CA of a rotation is
 * sealed the same way, so completing the rotation moves its sealed key into place unchanged.
 */
export function gatewayCaSealingContext(accountId: string, publicKey: string): string {
  return `latchkey gateway_ca v1\naccount ${accountId}\npublic key ${publicKey}`;
}

export async function createGatewayCa(
  services: GatewayCaDeps,
  caller: Caller,
  keyType: CaKeyType,
): Promise<GatewayCaRecord> {
  if ((await services.store.gatewayCas.get(caller.accountId)) !== undefined) {
    throw new LatchkeyError('conflict', GATEWAY_CA_ALREADY_EXISTS_MESSAGE);
  }
  const key = generateSshKeyPair(keyType);
  const publicKey = key.publicKey.toAuthorizedKey(CA_KEY_COMMENT);
  const sealed = await services.caKeys.seal(
    new TextEncoder().encode(key.toPkcs8Pem()),
    gatewayCaSealingContext(caller.accountId, publicKey),
  );
  return services.store.transaction(async (tx) => {
    // The store refuses a second CA too (a concurrent POST): conflict with the same message.
    const ca = await tx.gatewayCas.create(caller.accountId, {
      publicKey,
      encryptedPrivateKey: sealed,
      keyAlgorithm: key.publicKey.sshType,
    });
    await recordChange(tx, caller, {
      action: 'gateway_ca.create',
      resourceType: 'gateway_ca',
      resourceId: ca.id,
      after: presentGatewayCa(ca),
    });
    return ca;
  });
}

/**
 * The CAs whose certificates are accepted: the account's CA and, while a rotation is under way, the next
 * one after it (what agents and admins of agentless targets trust; see ca-rotation.ts).
 */
export async function listGatewayCas(services: GatewayCaDeps, caller: Caller): Promise<GatewayCaRecord[]> {
  const [cas, rotation] = await Promise.all([
    services.store.gatewayCas.list(caller.accountId),
    services.store.caRotations.get(caller.accountId),
  ]);
  if (rotation === undefined || cas.length === 0) return cas;
  return [
    ...cas,
    {
      id: rotation.next.id,
      accountId: caller.accountId,
      publicKey: rotation.next.publicKey,
      encryptedPrivateKey: rotation.next.encryptedPrivateKey,
      keyAlgorithm: rotation.next.keyAlgorithm,
      createdAt: rotation.startedAt,
    },
  ];
}

export async function deleteGatewayCa(
  services: GatewayCaDeps,
  caller: Caller,
  id: string,
): Promise<GatewayCaRecord> {
  return services.store.transaction(async (tx) => {
    if ((await tx.caRotations.get(caller.accountId)) !== undefined) {
      throw new LatchkeyError(
        'conflict',
        'a CA rotation is under way: complete or cancel it (…/latchkey/ca_rotation) before deleting the CA',
      );
    }
    const deleted = found(await tx.gatewayCas.delete(caller.accountId, id), 'gateway CA', id);
    await recordChange(tx, caller, {
      action: 'gateway_ca.delete',
      resourceType: 'gateway_ca',
      resourceId: id,
      before: presentGatewayCa(deleted),
    });
    return deleted;
  });
}

/** What opening the signing key needs: the CA, its rotation, and the key protector. */
export type GatewayCaKeyDeps = Pick<Services, 'caKeys'> & {
  store: Pick<Repositories, 'caRotations' | 'gatewayCas'>;
};

/**
 * The private key that signs people's certificates: the account CA's, or the next CA's once a rotation
 * has switched to it (phase update_clients); not_found when the account has no CA yet.
 */
export async function loadGatewayCaPrivateKey(
  services: GatewayCaKeyDeps,
  accountId: string,
): Promise<{ publicKey: string; privateKey: SshPrivateKey }> {
  // The rotation first, then the CA: completing a rotation replaces both in one transaction, so a rotation
  // read before it commits names the key that signs from then on (its next CA), and one read after it is
  // gone, leaving the new CA in place. Read the other way round, a completion in between would sign with
  // the retired key.
  const rotation = await services.store.caRotations.get(accountId);
  const ca = await services.store.gatewayCas.get(accountId);
  if (ca === undefined) {
    throw new LatchkeyError(
      'not_found',
      'this account has no SSH CA yet: POST …/access/gateway_ca creates it',
    );
  }
  const signer = rotation?.phase === 'update_clients' ? rotation.next : ca;
  const pem = await services.caKeys.open(
    signer.encryptedPrivateKey,
    gatewayCaSealingContext(accountId, signer.publicKey),
  );
  return { publicKey: signer.publicKey, privateKey: parseSshPrivateKey(new TextDecoder().decode(pem)) };
}
