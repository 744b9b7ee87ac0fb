/**
 * The shapes the CLI reads from and sends to the access server (docs/sign-in.md, "HTTP"), from
 * @latchkey/shared under the names the CLI uses. A fronted target (its agent runs an SSH front) has
 * `front: { port, host_key }` in the list, its `port` is the front's, and a certificate for it names the
 * front's host key in `target.host_key`.
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
