import type {
  DeviceAuthorization,
  DeviceTokenPoll,
  IssuedCertificateResult,
  Me,
  MyTarget,
  TokenSet,
} from '../../domain/access-api.js';

export interface CertificateRequest {
  target_id: string;
  username: string;
  /** An OpenSSH public key line. */
  public_key: string;
  /** Wanted lifetime; the server caps it. */
  valid_seconds?: number;
}

/**
 * The access server as the extension uses it (docs/sign-in.md). Failures are LatchkeyErrors:
 * `unauthenticated` for a 401 or a refused refresh token (`invalid_grant`), `access_denied` with the
 * server's own words for a 403, `unavailable` when the server cannot be reached or answers 5xx.
 */
export interface AccessServer {
  readonly url: string;
  startDeviceAuthorization(clientId: string): Promise<DeviceAuthorization>;
  pollDeviceToken(deviceCode: string, clientId: string): Promise<DeviceTokenPoll>;
  refresh(refreshToken: string): Promise<TokenSet>;
  /** RFC 7009: ends the whole sign-in session. */
  revoke(token: string): Promise<void>;
  me(accessToken: string): Promise<Me>;
  myTargets(accessToken: string): Promise<MyTarget[]>;
  issueCertificate(accessToken: string, request: CertificateRequest): Promise<IssuedCertificateResult>;
}
