/**
 * The shapes the CLI reads from and sends to the access server (docs/sign-in.md, "HTTP"), from
 * @latchkey/shared under the names the CLI uses.
 */
export type {
  CertificateRequestBody as CertificateRequest,
  DeviceAuthorization,
  DeviceTokenPoll,
  IssuedCertificateResult as IssuedCertificate,
  Me,
  MyTarget as MeTarget,
  TokenSet,
} from '@latchkey/shared';
export { targetAddress } from '@latchkey/shared';
