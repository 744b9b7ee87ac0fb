/** The auditors' HPKE public key for session logs ('' = command logging off). */
import { presentAuditSshSettings } from '../domain/api-representation.js';
import type { AuditSshSettingsRecord } from '../domain/records.js';
import { recordChange } from './audit-trail.js';
import type { Caller } from './caller.js';
import type { StoreOf } from './ports/store.js';
import type { Services } from './services.js';

/** What the settings use cases need: the settings, the audit trail, and the time (to present them). */
export type AuditSshSettingsDeps = Pick<Services, 'clock'> & {
  store: StoreOf<'auditSshSettings' | 'auditEvents'>;
};

export async function getAuditSshSettings(
  services: AuditSshSettingsDeps,
  caller: Caller,
): Promise<AuditSshSettingsRecord | undefined> {
  return services.store.auditSshSettings.get(caller.accountId);
}

export async function putAuditSshSettings(
  services: AuditSshSettingsDeps,
  caller: Caller,
  publicKey: string,
): Promise<AuditSshSettingsRecord> {
  return services.store.transaction(async (tx) => {
    const before = await tx.auditSshSettings.get(caller.accountId);
    const after = await tx.auditSshSettings.put(caller.accountId, publicKey);
    const now = services.clock();
    await recordChange(tx, caller, {
      action: 'audit_ssh_settings.update',
      resourceType: 'audit_ssh_settings',
      resourceId: caller.accountId,
      ...(before === undefined ? {} : { before: presentAuditSshSettings(before, now) }),
      after: presentAuditSshSettings(after, now),
    });
    return after;
  });
}

/** Cloudflare's `rotate_seed`: a new `seed_id`, the key unchanged. */
export async function rotateAuditSshSeed(
  services: AuditSshSettingsDeps,
  caller: Caller,
): Promise<AuditSshSettingsRecord> {
  return services.store.transaction(async (tx) => {
    const before = await tx.auditSshSettings.get(caller.accountId);
    const after = await tx.auditSshSettings.rotateSeed(caller.accountId);
    const now = services.clock();
    await recordChange(tx, caller, {
      action: 'audit_ssh_settings.rotate_seed',
      resourceType: 'audit_ssh_settings',
      resourceId: caller.accountId,
      ...(before === undefined ? {} : { before: presentAuditSshSettings(before, now) }),
      after: presentAuditSshSettings(after, now),
    });
    return after;
  });
}
