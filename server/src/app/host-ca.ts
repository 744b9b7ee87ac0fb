/**
 * The account's host CA (DESIGN.md flow 2): a key apart from the user CA (gateway-ca.ts), made on first
 * need (the first heartbeat of a fronted agent, or the first time someone asks for it), sealed by the
 * CaKeyProtector like the user CA, bound by the sealing context to its account and public key. It signs
 * the host keys of agents' SSH fronts (agents/front-host-certificate.ts); clients trust it with an
 * `@cert-authority` line instead of pinning each front's key. No API returns its private key.
 */
import { generateSshKeyPair, parseSshPrivateKey, type SshPrivateKey } from '@latchkey/shared';
import type { HostCaRecord } from '../domain/records.js';
import type { Repositories } from './ports/store.js';
import type { Services } from './services.js';

/** What making and opening the host CA needs: its repository and the key protector. */
export type HostCaDeps = Pick<Services, 'caKeys'> & { store: Pick<Repositories, 'hostCas'> };

/** The comment of the host CA's public key line. */
export const HOST_CA_KEY_COMMENT = 'latchkey-host-ca';

function sealingContext(accountId: string, publicKey: string): string {
  return `latchkey host_ca v1\naccount ${accountId}\npublic key ${publicKey}`;
}

/** The account's host CA, made now (Ed25519) if it has none. Call outside a transaction. */
export async function accountHostCa(services: HostCaDeps, accountId: string): Promise<HostCaRecord> {
  const existing = await services.store.hostCas.get(accountId);
  if (existing !== undefined) return existing;
  const key = generateSshKeyPair('ed25519');
  const publicKey = key.publicKey.toAuthorizedKey(HOST_CA_KEY_COMMENT);
  const sealed = await services.caKeys.seal(
    new TextEncoder().encode(key.toPkcs8Pem()),
    sealingContext(accountId, publicKey),
  );
  return services.store.hostCas.createIfAbsent(accountId, {
    publicKey,
    encryptedPrivateKey: sealed,
    keyAlgorithm: key.publicKey.sshType,
  });
}

/** The host CA's private key, for signing a front's host key. */
export async function openHostCaPrivateKey(
  services: Pick<Services, 'caKeys'>,
  ca: HostCaRecord,
): Promise<SshPrivateKey> {
  const pem = await services.caKeys.open(ca.encryptedPrivateKey, sealingContext(ca.accountId, ca.publicKey));
  return parseSshPrivateKey(new TextDecoder().decode(pem));
}
