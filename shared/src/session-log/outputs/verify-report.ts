/**
 * `verify.txt` and `latchkey logs verify`: the integrity verdict of readSessionLog in words, for a person.
 *
 *   verdict: verified
 *   meaning: every chunk authenticates, the metadata is the writer's, and the log ends where the writer …
 *   session: … / target: … / user: … / program: … / started: … / ended: …
 *   problems: (one per line, when any)
 *
 * Who and what the log is about comes from its start record; unless the verdict is `verified` that is
 * what the log claims, not what is proven, and the report says so.
 */
import type { IntegrityStatus, IntegrityVerdict } from '../session-log-reader.js';
import type { SessionLogMetadata } from '../log-metadata.js';
import type { LatchkeyRecord } from '../log-records.js';
import { textEntry, type OutputEntry } from './output-entry.js';

export const VERIFY_FILE = 'verify.txt';

export const VERDICT_MEANINGS: Record<IntegrityStatus, string> = {
  verified:
    'every chunk authenticates, the metadata is the one the writer had, the log belongs to the session ' +
    'named below, and it ends where the writer ended it',
  incomplete:
    'the log stops early (cut short, or the recorder or agent stopped before the session ended); what ' +
    'is there authenticates, but the rest of the session is missing',
  tampered:
    'the log was altered: a chunk does not authenticate, the metadata was changed or swapped, the totals ' +
    'disagree, time runs backwards, or data follows the end; do not trust its contents',
  unverified:
    "the log has no Latchkey integrity records (written by another tool, e.g. Cloudflare's): it " +
    'decrypts, but its metadata and its end cannot be proven',
};

export interface VerifiableLog {
  metadata: SessionLogMetadata;
  records: readonly LatchkeyRecord[];
  integrity: IntegrityVerdict;
}

export function renderVerifyReport(log: VerifiableLog): string {
  const { integrity, metadata } = log;
  const lines = [`verdict: ${integrity.status}`, `meaning: ${VERDICT_MEANINGS[integrity.status]}`];
  const identity = integrity.identity;
  if (identity !== undefined) {
    const claimed = integrity.status === 'verified' ? '' : ' (claimed by the log, not proven)';
    lines.push(
      `session: ${identity.session_id}${claimed}`,
      `target:  ${identity.target_hostname === undefined ? identity.target_id : `${identity.target_hostname} (${identity.target_id})`}`,
      `user:    ${identity.user_email || '(none)'} as ${identity.principal}`,
      `program: ${identity.program_type}${identity.command === undefined ? '' : ` ${identity.command}`}`,
    );
    if (identity.client_address !== undefined) lines.push(`client:  ${identity.client_address}`);
  }
  lines.push(`started: ${new Date(metadata.started_at * 1000).toISOString()}`);
  lines.push(`ended:   ${describeEnd(metadata)}`);
  const end = log.records.find((record) => record.kind === 'end');
  if (end?.kind === 'end') lines.push(`closed by: ${end.body.closed_by}`);
  lines.push(`terminal: ${metadata.pty === null ? 'none' : `${metadata.pty.width}x${metadata.pty.height}`}`);
  if (integrity.problems.length > 0) {
    lines.push('problems:', ...integrity.problems.map((problem) => `  - ${problem}`));
  }
  return lines.map((line) => `${line}\n`).join('');
}

export function verifyReportEntry(log: VerifiableLog): OutputEntry {
  return textEntry(VERIFY_FILE, renderVerifyReport(log));
}

function describeEnd(metadata: SessionLogMetadata): string {
  const exit = metadata.exit_data;
  if (exit === null) return 'no termination data';
  const at = new Date(exit.timestamp * 1000).toISOString();
  if (exit.error_msg !== null) return `${at}, error: ${exit.error_msg}`;
  if (exit.signal !== null)
    return `${at}, killed by SIG${exit.signal}${exit.core_dumped ? ' (core dumped)' : ''}`;
  if (exit.core_dumped) return `${at}, core dumped`;
  return `${at}, exit status ${exit.status ?? 0}`;
}
