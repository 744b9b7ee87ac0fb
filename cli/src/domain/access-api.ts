/**
 * The shapes the CLI reads from and sends to the access server (docs/sign-in.md, "HTTP"), from
 * @latchkey/shared under the names the CLI uses.
 */
import type { IssuedCertificateResult, MyTarget } from '@latchkey/shared';

export type {
  CertificateRequestBody as CertificateRequest,
  DeviceAuthorization,
  DeviceTokenPoll,
  Me,
  TokenSet,
} from '@latchkey/shared';
export { targetAddress } from '@latchkey/shared';

/**
 * The SSH front of an agent-managed target: the SSH server inside its agent that checks the certificate's
 * binding to that target, and the host key the server distributes for it (as the agent reported it), one
 * OpenSSH public key line. For such a "fronted" target, `port` already equals `front.port`.
 */
export interface TargetFront {
  port: number;
  host_key: string;
}

// The two types below mirror the server contract for fronted targets until @latchkey/shared's schemas
// carry `front` and `host_key` themselves (then they reduce to the shared types).

/** A target as `GET /v1/me/targets` lists it. */
export type MeTarget = MyTarget & { front?: TargetFront };

/** The answer to `POST /v1/me/certificates`; `target.host_key` is there for fronted targets. */
export type IssuedCertificate = Omit<IssuedCertificateResult, 'target'> & {
  target: IssuedCertificateResult['target'] & { host_key?: string };
};
