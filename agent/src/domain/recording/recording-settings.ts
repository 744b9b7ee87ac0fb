/**
 * The recording settings: a JSON file the agent (root) writes into its state directory, root-only, that
 * its SSH front reads at each session (`/var/lib/latchkey-agent/recording.json` by default).
 *
 * ```json
 * { "auditor_public_key": "<base64 of the raw X25519 key, as ssh-log-cli writes it>",
 *   "mode": "best-effort" | "strict",
 *   "target_id": "…", "target_hostname": "…",
 *   "break_glass": { "until": "<RFC 3339>", "reason": "…" } }
 * ```
 * Only `auditor_public_key` is required. Files written by agents before the front may also hold
 * `spool_socket` and `sftp_server` (for their recorder): they are ignored, and rewritten away. `mode`
 * says what happens when a log cannot be kept (unavailable-spool-policy.ts); the default is best effort.
 * `break_glass` (break-glass.ts) lets sessions in under strict mode while logs cannot be kept, until it
 * expires.
 */
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { parseAuditorKey } from '@latchkey/shared/session-log/auditor-keys';

export type RecordingMode = 'best-effort' | 'strict';

export const DEFAULT_STATE_DIR = '/var/lib/latchkey-agent';
export const RECORDING_SETTINGS_FILE = 'recording.json';

export interface RecordingSettings {
  readonly auditorPublicKey: Uint8Array;
  readonly mode: RecordingMode;
  readonly targetId: string;
  readonly targetHostname: string | undefined;
  /** Present while an administrator's break-glass may be in force (compare `until` with the clock). */
  readonly breakGlass?: { readonly until: Date; readonly reason: string };
}

/** Parses the file's text; `source` names it in errors. Throws invalid_config saying what to fix. */
export function parseRecordingSettings(text: string, source: string): RecordingSettings {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(source, 'is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(source, 'is not a JSON object');
  const fields = value as Record<string, unknown>;
  const key = fields.auditor_public_key;
  if (typeof key !== 'string')
    throw invalid(source, "has no auditor_public_key (base64 of the auditors' X25519 key)");
  const auditorPublicKey = parseAuditorKey(key, `auditor_public_key in ${source}`);
  const mode = fields.mode ?? 'best-effort';
  if (mode !== 'best-effort' && mode !== 'strict')
    throw invalid(source, 'has mode other than "best-effort" or "strict"');
  const breakGlass = parseBreakGlass(fields.break_glass, source);
  return {
    auditorPublicKey,
    mode,
    targetId: optionalString(fields, 'target_id', source) ?? '',
    targetHostname: optionalString(fields, 'target_hostname', source),
    ...(breakGlass === undefined ? {} : { breakGlass }),
  };
}

function parseBreakGlass(value: unknown, source: string): { until: Date; reason: string } | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  const until = typeof fields.until === 'string' ? new Date(fields.until) : new Date(NaN);
  if (typeof value !== 'object' || Number.isNaN(until.getTime()))
    throw invalid(source, 'has break_glass without a valid "until" time');
  return { until, reason: typeof fields.reason === 'string' ? fields.reason : '' };
}

/** The file's text for these settings (what the agent writes). */
export function formatRecordingSettings(settings: {
  auditorPublicKeyBase64: string;
  mode?: RecordingMode;
  targetId?: string;
  targetHostname?: string;
  breakGlass?: { until: string; reason: string };
}): string {
  return (
    JSON.stringify(
      {
        auditor_public_key: settings.auditorPublicKeyBase64,
        mode: settings.mode ?? 'best-effort',
        ...(settings.targetId === undefined ? {} : { target_id: settings.targetId }),
        ...(settings.targetHostname === undefined ? {} : { target_hostname: settings.targetHostname }),
        ...(settings.breakGlass === undefined ? {} : { break_glass: settings.breakGlass }),
      },
      null,
      2,
    ) + '\n'
  );
}

function optionalString(fields: Record<string, unknown>, name: string, source: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(source, `has ${name} that is not a string`);
  return value;
}

function invalid(source: string, what: string): LatchkeyError {
  return new LatchkeyError(
    'invalid_config',
    `the recording settings ${source} ${what}; the agent rewrites it on its next sync`,
  );
}
