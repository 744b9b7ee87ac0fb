/**
 * The shapes the extension reads from and sends to the access server (docs/sign-in.md, "HTTP"), from
 * @latchkey/shared.
 */
export type {
  DeviceAuthorization,
  DeviceTokenPoll,
  IssuedCertificateResult,
  Me,
  MyTarget,
  TokenSet,
} from '@latchkey/shared';
export { targetAddress } from '@latchkey/shared';

/** The OAuth client id the server knows the extension by. */
export const VSCODE_CLIENT_ID = 'latchkey-vscode';
