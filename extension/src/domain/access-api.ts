/**
 * The shapes the extension reads from and sends to the access server (docs/sign-in.md, "HTTP"). The
 * `/v1/me*` shapes come from @latchkey/shared; the OAuth ones are RFC 8628 / RFC 6749.
 */
import type { IssuedCertificateResult, Me, MyTarget } from '@latchkey/shared';

export type { IssuedCertificateResult, Me, MyTarget };

/** The OAuth client id the server knows the extension by. */
export const VSCODE_CLIENT_ID = 'latchkey-vscode';

/** RFC 8628 §3.2: the answer to `POST /oauth/device_authorization`. */
export interface DeviceAuthorization {
  device_code: string;
  /** `XXXX-XXXX` */
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  /** Seconds the device code stays valid. */
  expires_in: number;
  /** Seconds to wait between polls (RFC 8628 default: 5). */
  interval?: number;
}

/** A successful `POST /oauth/token` (device code or refresh token grant). */
export interface TokenSet {
  access_token: string;
  token_type: string;
  /** Seconds the access token stays valid. */
  expires_in: number;
  refresh_token: string;
}

/** What one poll of `POST /oauth/token` with a device code told us (RFC 8628 §3.5). */
export type DeviceTokenPoll =
  | { kind: 'issued'; tokens: TokenSet }
  | { kind: 'authorization_pending' }
  | { kind: 'slow_down' }
  | { kind: 'access_denied' }
  | { kind: 'expired_token' };

/** The address to connect to: the IPv4 address when there is one, else the IPv6 one. */
export function targetAddress(target: Pick<MyTarget, 'ip'>): string {
  return target.ip.ipv4?.ip_addr ?? target.ip.ipv6?.ip_addr ?? '';
}
