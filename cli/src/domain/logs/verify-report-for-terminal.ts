/**
 * `latchkey logs verify` and `verify.txt`: shared's verify report (renderVerifyReport), with every text
 * that comes from the log escaped (domain/terminal-text.ts). Who and what a log is about, how it ended and
 * the problems found quote its records and metadata, which whoever wrote the log chose: a `user_email`
 * holding `ESC [1A ESC [2K CR` would otherwise rewrite the printed lines above it (`verdict: tampered`
 * into `verdict: verified`). Record bodies are JSON nobody checked, so a field that is not a string is
 * printed as its JSON, escaped too. A log without such characters gives the same report as shared's.
 */
import {
  renderVerifyReport,
  type LatchkeyRecord,
  type SessionIdentity,
  type VerifiableLog,
} from '@latchkey/shared';
import { escapeForTerminal, escapeValueForTerminal } from '../terminal-text.js';

export function renderVerifyReportForTerminal(log: VerifiableLog): string {
  return renderVerifyReport(escapeLogForTerminal(log));
}

/** The parts of `log` the report prints, with their text escaped. */
export function escapeLogForTerminal(log: VerifiableLog): VerifiableLog {
  const { metadata, integrity } = log;
  const exit = metadata.exit_data;
  return {
    metadata: {
      ...metadata,
      exit_data:
        exit === null
          ? null
          : {
              ...exit,
              signal: exit.signal === null ? null : escapeValueForTerminal(exit.signal),
              error_msg: exit.error_msg === null ? null : escapeValueForTerminal(exit.error_msg),
            },
    },
    records: log.records.map((record): LatchkeyRecord =>
      record.kind === 'end'
        ? {
            ...record,
            body: {
              ...record.body,
              closed_by: escapeValueForTerminal(record.body.closed_by) as 'recorder' | 'agent',
            },
          }
        : record,
    ),
    integrity: {
      status: integrity.status,
      problems: integrity.problems.map((problem) => escapeForTerminal(problem)),
      ...(integrity.identity === undefined ? {} : { identity: escapeIdentity(integrity.identity) }),
    },
  };
}

function escapeIdentity(identity: unknown): SessionIdentity {
  const fields: Record<string, unknown> =
    typeof identity === 'object' && identity !== null && !Array.isArray(identity)
      ? (identity as Record<string, unknown>)
      : {};
  const optional = (key: keyof SessionIdentity) =>
    fields[key] === undefined ? {} : { [key]: escapeValueForTerminal(fields[key]) };
  return {
    session_id: escapeValueForTerminal(fields.session_id),
    target_id: escapeValueForTerminal(fields.target_id),
    user_email: fields.user_email ? escapeValueForTerminal(fields.user_email) : '',
    principal: escapeValueForTerminal(fields.principal),
    program_type: escapeValueForTerminal(fields.program_type) as SessionIdentity['program_type'],
    ...optional('target_hostname'),
    ...optional('command'),
    ...optional('client_address'),
    ...optional('server_address'),
  };
}
