/**
 * What certificate decisions read on every request (apps, policies, groups, the CA key, whether the
 * account records sessions), cached per server process and account. The cache is checked against the
 * store's access configuration version (bumped by the database itself on every change, see migration
 * 0003), so a change made through any server process applies to the very next request, at the cost of
 * one primary-key read instead of reloading and re-parsing the whole configuration.
 */
import type { SshPrivateKey } from '@latchkey/shared';
import type { AccessCatalog } from '../../domain/access/access-catalog.js';
import { loadGatewayCaPrivateKey, type GatewayCaKeyDeps } from '../gateway-ca.js';
import type { Repositories } from '../ports/store.js';

/**
 * What the access configuration is read from: the access-config version, apps, policies, groups, the
 * session-log settings, and the CA's key. The cache belongs to the object passed (the server's services).
 */
export type AccessConfigDeps = GatewayCaKeyDeps & {
  store: Pick<Repositories, 'accounts' | 'apps' | 'policies' | 'groups' | 'auditSshSettings'>;
};

export interface AccessConfig {
  catalog: AccessCatalog;
  /** The account's auditor public key; '' when sessions are not recorded. */
  auditPublicKey: string;
  /** The CA's private key, opened on first use. */
  caPrivateKey(): Promise<SshPrivateKey>;
}

const caches = new WeakMap<AccessConfigDeps, Map<string, { version: string; config: AccessConfig }>>();

async function loadAccessConfig(services: AccessConfigDeps, accountId: string): Promise<AccessConfig> {
  const { store } = services;
  const [apps, policies, groups, auditSettings] = await Promise.all([
    store.apps.list(accountId, { type: 'infrastructure' }),
    store.policies.list(accountId),
    store.groups.list(accountId),
    store.auditSshSettings.get(accountId),
  ]);
  let caKey: Promise<SshPrivateKey> | undefined;
  return {
    catalog: {
      apps,
      policies: new Map(policies.map((policy) => [policy.id, policy])),
      groups: new Map(groups.map((group) => [group.id, group])),
    },
    auditPublicKey: auditSettings?.publicKey ?? '',
    caPrivateKey() {
      caKey ??= loadGatewayCaPrivateKey(services, accountId).then(({ privateKey }) => privateKey);
      // A failure (no CA yet) is not cached: the next request tries again.
      caKey.catch(() => (caKey = undefined));
      return caKey;
    },
  };
}

export async function currentAccessConfig(
  services: AccessConfigDeps,
  accountId: string,
): Promise<AccessConfig> {
  let byAccount = caches.get(services);
  if (byAccount === undefined) {
    byAccount = new Map();
    caches.set(services, byAccount);
  }
  // Read the version before the configuration: what is loaded is then at least that new.
  const version = await services.store.accounts.accessConfigVersion();
  const cached = byAccount.get(accountId);
  if (cached !== undefined && cached.version === version) return cached.config;
  const config = await loadAccessConfig(services, accountId);
  byAccount.set(accountId, { version, config });
  return config;
}
