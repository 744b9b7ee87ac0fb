/**
 * The host certificate of an agent's SSH front (DESIGN.md flow 2): at each heartbeat that reports a
 * front, the server checks the certificate the agent says it presents and, when the decision
 * (domain/host-certificate.ts) says so, signs the front's host key with the account's host CA. An agent
 * gets a certificate for its own target only: the principals come from the target record the server
 * keeps for that agent, never from what the agent says. The caller writes the audit event.
 */
import { issueCertificate, parseSshPublicKey } from '@latchkey/shared';
import {
  HOST_CERTIFICATE_BACKDATE_SECONDS,
  HOST_CERTIFICATE_VALID_SECONDS,
  decideHostCertificate,
  hostCertificateKeyId,
  hostCertificatePrincipals,
  type HostCertificateReason,
} from '../../domain/host-certificate.js';
import type { AgentRecord } from '../../domain/records.js';
import { accountHostCa, openHostCaPrivateKey, type HostCaDeps } from '../host-ca.js';
import type { Repositories } from '../ports/store.js';
import type { Services } from '../services.js';

/** What signing a front's host key needs: the time, the agent's target, and the host CA. */
export type FrontHostCertificateDeps = HostCaDeps &
  Pick<Services, 'clock'> & { store: Pick<Repositories, 'targets' | 'hostCas'> };

export interface FrontHostCertificate {
  /** The certificate line the front should present from now on. */
  certificate: string;
  /** Set when it was signed just now (an audit event): why, and what it says. */
  issued?: {
    reason: HostCertificateReason;
    serial: string;
    keyId: string;
    principals: string[];
    validBefore: string;
  };
}

/** undefined when the agent has no target yet (it registers first). */
export async function frontHostCertificate(
  services: FrontHostCertificateDeps,
  agent: AgentRecord,
  front: { hostKey: string; reported: string | undefined },
): Promise<FrontHostCertificate | undefined> {
  if (agent.targetId === undefined) return undefined;
  const target = await services.store.targets.get(agent.accountId, agent.targetId);
  if (target === undefined) return undefined;
  const ca = await accountHostCa(services, agent.accountId);
  const hostKey = parseSshPublicKey(front.hostKey);
  const now = services.clock();
  const decision = decideHostCertificate({
    reported: front.reported,
    hostKey,
    target,
    caPublicKey: parseSshPublicKey(ca.publicKey),
    now,
  });
  if (!decision.issue) return { certificate: decision.certificate.toAuthorizedKey() };
  const principals = hostCertificatePrincipals(target);
  const keyId = hostCertificateKeyId(target);
  const certificate = issueCertificate(
    await openHostCaPrivateKey(services, ca),
    {
      subjectKey: hostKey,
      type: 'host',
      keyId,
      principals,
      validForSeconds: HOST_CERTIFICATE_VALID_SECONDS,
      backdateSeconds: HOST_CERTIFICATE_BACKDATE_SECONDS,
    },
    { now: () => now },
  );
  return {
    certificate: certificate.toAuthorizedKey(),
    issued: {
      reason: decision.reason,
      serial: certificate.serial.toString(),
      keyId,
      principals,
      validBefore: certificate.validBefore.toISOString(),
    },
  };
}
