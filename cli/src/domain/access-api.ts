/**
 * The shapes the CLI reads from and sends to the access server (docs/sign-in.md, "HTTP"). Only the
 * fields the CLI uses are named; the server may send more.
 */

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

/** `GET /v1/me` */
export interface Me {
  email: string;
  groups: string[];
  login_method: string;
  auth_methods: string[];
  account_id: string;
  session_id: string;
  expires_at: string;
}

interface MeTargetIp {
  ip_addr: string;
  virtual_network_id: string;
}

/** One entry of `GET /v1/me/targets`. */
export interface MeTarget {
  id: string;
  hostname: string;
  ip: { ipv4?: MeTargetIp; ipv6?: MeTargetIp };
  virtual_network: { id: string; name: string };
  port: number;
  usernames: string[];
}

/** The body of `POST /v1/me/certificates`. */
export interface CertificateRequest {
  target_id: string;
  username: string;
  /** An OpenSSH public key line. */
  public_key: string;
}

/** The answer to `POST /v1/me/certificates`. */
export interface IssuedCertificate {
  /** An OpenSSH certificate line (`ssh-ed25519-cert-v01@openssh.com AAAA…`). */
  certificate: string;
  serial: string;
  key_id: string;
  session_id: string;
  principals: string[];
  valid_after: string;
  valid_before: string;
  target: { id: string; hostname: string; address: string; port: number };
}

/** The address to connect to: the IPv4 address when there is one, else the IPv6 one. */
export function targetAddress(target: Pick<MeTarget, 'ip'>): string {
  return target.ip.ipv4?.ip_addr ?? target.ip.ipv6?.ip_addr ?? '';
}
