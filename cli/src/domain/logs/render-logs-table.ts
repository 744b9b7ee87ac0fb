import type { SshLog } from '@latchkey/shared';
import { escapeForTerminal } from '../terminal-text.js';
import { renderTextTable } from '../text-table.js';

const HEADINGS = ['LOG ID', 'STARTED (UTC)', 'DURATION', 'USER', 'AS', 'TARGET', 'PROGRAM', 'STATUS', 'SIZE'];

/**
 * Session logs as an aligned text table (text-table.ts), newest first as the server lists them. No
 * logs: a sentence instead. What the index says comes from agents and logs (a command line, a hostname),
 * so every field is escaped for the terminal (terminal-text.ts) before it is measured and printed.
 */
export function renderLogsTable(logs: readonly SshLog[]): string {
  if (logs.length === 0) return 'No session logs match.\n';
  const safe = (value: unknown) => escapeForTerminal(String(value));
  return renderTextTable(
    HEADINGS,
    logs.map((log) => [
      safe(log.id),
      safe(
        String(log.session_start_datetime)
          .replace('T', ' ')
          .replace(/(\.\d+)?Z$/, ''),
      ),
      duration(log.session_start_datetime, log.session_finish_datetime),
      log.user_email ? safe(log.user_email) : '-',
      safe(log.username),
      safe(log.target_hostname ?? log.target_id),
      safe(log.program_type) + (log.command === undefined ? '' : ` ${truncate(safe(log.command), 30)}`),
      safe(log.status),
      humanBytes(Number(log.size_bytes)),
    ]),
  );
}

/** `1h02m`, `3m04s`, `12s`; `-` while the session has no finish time. */
export function duration(start: string, finish: string | undefined): string {
  if (finish === undefined) return '-';
  const seconds = Math.max(0, Math.round((Date.parse(finish) - Date.parse(start)) / 1000));
  if (!Number.isFinite(seconds)) return '-';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** 512 B, 1.5 KiB, 200.0 MiB. */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Runs of spaces as one (line breaks are escaped already); longer than `length` ends in "…". */
function truncate(text: string, length: number): string {
  const oneLine = text.replace(/ +/g, ' ');
  return oneLine.length <= length ? oneLine : `${oneLine.slice(0, length - 1)}…`;
}
