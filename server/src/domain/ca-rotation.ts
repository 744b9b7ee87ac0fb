/**
 * The decisions of a CA rotation (issue 13), apart from I/O. Teleport's phases are the anchor:
 *
 *   standby ──start──▶ init ──switch──▶ update_clients ──complete──▶ standby
 *                        └────cancel────▶ standby
 *
 * In `init` agents learn the next CA beside the current one (it is listed with it) while certificates are
 * still signed by the current CA; `switch` waits until every agent heard from lately trusts both (or is
 * forced); from then on the next CA signs. `complete` drops the old CA, but only once no certificate it
 * signed can still be valid: the longest lifetime a certificate may have, plus a minute of clock skew,
 * after the switch. Sessions are never cut: an SSH session outlives its certificate, with sshd as with the
 * front. Pure.
 */
import type { AgentRecord, CaRotationRecord } from './records.js';

/** An agent counts as present when heard from this recently; one gone longer cannot hold up a switch. */
export const PRESENT_AGENT_WINDOW_MS = 10 * 60_000;
/** Allowed clock skew between the server and the hosts that check certificates. */
export const CLOCK_SKEW_MS = 60_000;

/**
 * The agents heard from lately that do not yet trust the next CA: their last heartbeat does not list its
 * fingerprint among the account CA keys they trust (a count of keys is not enough: it cannot tell this
 * rotation's next CA from an earlier one's), or, without a front, their sshd did not take the change
 * (its state is not `trusted`). Agents older than the fingerprint report count as not trusting it.
 */
export function agentsNotTrustingNext(
  agents: readonly AgentRecord[],
  nextFingerprint: string,
  now: Date,
): AgentRecord[] {
  return agents.filter((agent) => {
    if (
      agent.lastSeenAt === undefined ||
      now.getTime() - agent.lastSeenAt.getTime() > PRESENT_AGENT_WINDOW_MS
    ) {
      return false;
    }
    const report = agent.heartbeat?.sshdConfig;
    const fingerprints = report?.['ca_key_fingerprints'];
    const listsNext = Array.isArray(fingerprints) && fingerprints.includes(nextFingerprint);
    const applied = agent.heartbeat?.front !== undefined || report?.['state'] === 'trusted';
    return !(listsNext && applied);
  });
}

/**
 * When the old CA may go: no certificate it signed is valid after this (undefined before the switch). The
 * later of what was fixed at the switch and what the longest lifetime allowed now says.
 */
export function oldCaRetirableAt(
  rotation: CaRotationRecord,
  maxCertificateTtlSeconds: number,
): Date | undefined {
  if (rotation.switchedAt === undefined) return undefined;
  const byNow = rotation.switchedAt.getTime() + maxCertificateTtlSeconds * 1000 + CLOCK_SKEW_MS;
  return new Date(Math.max(byNow, rotation.retireAfter?.getTime() ?? 0));
}
