/**
 * The auditors' HPKE public key for session logs (`/accounts/{account_id}/gateway/audit_ssh_settings`):
 * base64 of the raw 32-byte X25519 public key, or "" to turn command logging off.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { LatchkeyError } from '../errors/latchkey-error.js';
import { Timestamp, Uuid } from './common.js';

export const AuditSshSettingsInputSchema = Type.Object(
  {
    public_key: Type.String({
      maxLength: 100,
      description: 'Base64 of the raw 32-byte X25519 public key; "" turns command logging off.',
    }),
  },
  { additionalProperties: false },
);
export type AuditSshSettingsInputBody = Static<typeof AuditSshSettingsInputSchema>;

export const AuditSshSettingsSchema = Type.Object({
  public_key: Type.String(),
  seed_id: Uuid,
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type AuditSshSettings = Static<typeof AuditSshSettingsSchema>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Undefined when `publicKey` is "" or base64 (standard alphabet, padded) of exactly 32 bytes. */
export function auditPublicKeyProblem(publicKey: string): string | undefined {
  if (publicKey === '') return undefined;
  if (!BASE64.test(publicKey)) return 'is not base64 (standard alphabet, with padding)';
  const padding = publicKey.endsWith('==') ? 2 : publicKey.endsWith('=') ? 1 : 0;
  const bytes = (publicKey.length / 4) * 3 - padding;
  if (bytes !== 32) return `decodes to ${bytes} bytes; an X25519 public key is exactly 32 bytes`;
  return undefined;
}

export function validateAuditSshSettingsInput(body: AuditSshSettingsInputBody): string {
  const problem = auditPublicKeyProblem(body.public_key);
  if (problem !== undefined) {
    throw new LatchkeyError('invalid_argument', `/public_key ${problem}`, { pointer: '/public_key' });
  }
  return body.public_key;
}
