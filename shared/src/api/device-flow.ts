/**
 * The OAuth shapes of sign-in that every client reads (RFC 8628 device authorization, RFC 6749 tokens),
 * and the one address rule they share. The server's side is server/src/adapters/http/routes/oauth.ts.
 */
import type { MyTarget } from './me.js';

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

/** What one poll of `POST /oauth/token` with a device code told the client (RFC 8628 §3.5). */
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
