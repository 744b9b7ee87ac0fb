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
import type { Services } from './services.js';

/** The comment of the CA's authorized-keys line. */
export const CA_KEY_COMMENT = 'latchkey-ssh-ca';

function sealingContext(accountId: string, publicKey: string): string {
  return `latchkey gateway_ca v1\naccount ${accountId}\npublic key ${publicKey}`;
}

export async function createGatewayCa(
  services: Services,
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
    sealingContext(caller.accountId, publicKey),
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

export async function listGatewayCas(services: Services, caller: Caller): Promise<GatewayCaRecord[]> {
  return services.store.gatewayCas.list(caller.accountId);
}

export async function deleteGatewayCa(
  services: Services,
  caller: Caller,
  id: string,
): Promise<GatewayCaRecord> {
  return services.store.transaction(async (tx) => {
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

/** The account CA's private key, for signing; not_found when the account has no CA yet. */
export async function loadGatewayCaPrivateKey(
  services: Services,
  accountId: string,
): Promise<{ ca: GatewayCaRecord; privateKey: SshPrivateKey }> {
  const ca = await services.store.gatewayCas.get(accountId);
  if (ca === undefined) {
    throw new LatchkeyError(
      'not_found',
      'this account has no SSH CA yet: POST …/access/gateway_ca creates it',
    );
  }
  const pem = await services.caKeys.open(ca.encryptedPrivateKey, sealingContext(accountId, ca.publicKey));
  return { ca, privateKey: parseSshPrivateKey(new TextDecoder().decode(pem)) };
}
