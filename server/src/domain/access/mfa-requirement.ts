/**
 * An infrastructure app's `mfa_config` against how the person signed in (the identity provider's RFC 8176
 * `amr` values; built-in accounts sign in with `pwd` only). Cloudflare's authenticators are hardware keys:
 * `piv_key` (a PIV smart card: `sc`, or `hwk`) and `ssh_fido2_key` (a FIDO2 security key: `hwk`). With
 * no list, any multi-factor sign-in (`mfa`, `hwk`, `sc`, `otp`) will do. `mfa_disabled: true` turns
 * the requirement off. `session_duration` (`5m`, `24h`) bounds how long ago that sign-in's
 * authentication may have been, where MFA is required.
 */
import { sessionDurationMinutes } from '@latchkey/shared';
import type { JsonValue } from '../records.js';

const AMR_OF_AUTHENTICATOR: Readonly<Record<string, readonly string[]>> = {
  piv_key: ['sc', 'hwk'],
  ssh_fido2_key: ['hwk'],
};
const ANY_MFA = ['mfa', 'hwk', 'sc', 'otp'];

/** The `amr` values that satisfy the app, or undefined when the app requires no MFA. */
export function requiredAuthMethods(mfaConfig: JsonValue | undefined): readonly string[] | undefined {
  if (typeof mfaConfig !== 'object' || mfaConfig === null || Array.isArray(mfaConfig)) return undefined;
  if (mfaConfig.mfa_disabled === true) return undefined;
  const listed = Array.isArray(mfaConfig.allowed_authenticators)
    ? mfaConfig.allowed_authenticators.filter((a): a is string => typeof a === 'string')
    : [];
  if (listed.length === 0) return ANY_MFA;
  return [...new Set(listed.flatMap((a) => AMR_OF_AUTHENTICATOR[a] ?? []))];
}

export function mfaSatisfied(
  required: readonly string[] | undefined,
  authMethods: readonly string[],
): boolean {
  return required === undefined || authMethods.some((method) => required.includes(method));
}

/** The app's `session_duration` in seconds, or undefined when it sets none or requires no MFA. */
export function mfaSessionSeconds(mfaConfig: JsonValue | undefined): number | undefined {
  if (requiredAuthMethods(mfaConfig) === undefined) return undefined;
  const duration = (mfaConfig as { session_duration?: unknown }).session_duration;
  if (typeof duration !== 'string' || !/^[0-9]+(m|h)$/.test(duration)) return undefined;
  return sessionDurationMinutes(duration) * 60;
}

/** Whether an authentication `secondsAgo` (undefined: unknown) is recent enough for `sessionSeconds`. */
export function mfaSessionFresh(sessionSeconds: number | undefined, secondsAgo: number | undefined): boolean {
  return sessionSeconds === undefined || (secondsAgo !== undefined && secondsAgo <= sessionSeconds);
}
