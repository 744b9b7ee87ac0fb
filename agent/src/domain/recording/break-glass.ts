/**
 * Break-glass for strict recording: an administrator (root) lets new sessions in for a while even though
 * their logs cannot be kept (the spool is down, the disk is full). `latchkey-agent break-glass --for 30m
 * --reason "…"` writes it into the recording settings; it ends by itself at `until`, or at once with
 * `latchkey-agent break-glass --end`. While it holds, the front, in strict mode, lets a session whose log cannot be
 * kept run, and tells the user it runs under the break-glass and why.
 * It changes nothing in best-effort mode, and nothing when logs can be kept: sessions are still recorded.
 */
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';

export const BREAK_GLASS_FILE = 'break-glass.json';
export const DEFAULT_BREAK_GLASS_MS = 30 * 60 * 1000;
export const MAX_BREAK_GLASS_MS = 24 * 60 * 60 * 1000;
const MAX_REASON_LENGTH = 500;

/** As kept in break-glass.json (root's) and copied into recording.json. */
export interface BreakGlass {
  readonly started_at: string;
  readonly until: string;
  readonly reason: string;
}

/** `90s`, `30m`, `2h` (or plain seconds) → ms; between 1 minute and 24 hours. */
export function parseBreakGlassDuration(text: string | undefined): number {
  if (text === undefined) return DEFAULT_BREAK_GLASS_MS;
  const match = /^(\d{1,6})([smh]?)$/.exec(text.trim());
  const unit = { '': 1000, s: 1000, m: 60_000, h: 3_600_000 }[match?.[2] ?? ''] ?? 1000;
  const ms = match ? Number(match[1]) * unit : NaN;
  if (!(ms >= 60_000 && ms <= MAX_BREAK_GLASS_MS)) {
    throw new LatchkeyError(
      'invalid_argument',
      `--for must be a duration between 1m and 24h such as 30m or 2h, not ${JSON.stringify(text)}`,
      { pointer: '--for' },
    );
  }
  return ms;
}

export function newBreakGlass(now: Date, durationMs: number, reason: string | undefined): BreakGlass {
  const text = (reason ?? '').replace(/[\r\n\t]+/g, ' ').trim();
  if (text.length > MAX_REASON_LENGTH) {
    throw new LatchkeyError('invalid_argument', `--reason is longer than ${MAX_REASON_LENGTH} characters`, {
      pointer: '--reason',
    });
  }
  return {
    started_at: now.toISOString(),
    until: new Date(now.getTime() + durationMs).toISOString(),
    reason: text || 'no reason given',
  };
}

/** The break-glass in force at `now`, or undefined (none, expired, or unreadable). */
export function activeBreakGlass(value: unknown, now: Date): BreakGlass | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = value as Partial<Record<keyof BreakGlass, unknown>>;
  if (typeof fields.until !== 'string') return undefined;
  const until = Date.parse(fields.until);
  if (!Number.isFinite(until) || until <= now.getTime()) return undefined;
  return {
    started_at: typeof fields.started_at === 'string' ? fields.started_at : '',
    until: fields.until,
    reason: typeof fields.reason === 'string' ? fields.reason : '',
  };
}
