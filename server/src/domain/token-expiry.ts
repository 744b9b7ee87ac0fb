/**
 * `--expires` of `latchkey-server token create`: a duration from now (`90m`, `12h`, `30d`, `2w`) or an
 * RFC 3339 / ISO 8601 date-time in the future.
 */
import { LatchkeyError } from '@latchkey/shared';
import { parseDurationSeconds } from '@latchkey/shared/time/duration';

export function parseTokenExpiry(text: string, now: Date, setting = '--expires'): Date {
  const seconds = parseDurationSeconds(text);
  if (seconds !== undefined) {
    if (seconds === 0) throw invalid(text, setting, 'the duration must be more than zero');
    return new Date(now.getTime() + seconds * 1000);
  }
  if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const date = new Date(text.trim());
    if (Number.isNaN(date.getTime())) throw invalid(text, setting, 'it is not a valid date');
    if (date.getTime() <= now.getTime()) throw invalid(text, setting, 'it is in the past');
    return date;
  }
  throw invalid(
    text,
    setting,
    'use a duration such as 30d, 12h, 90m, 2w, or a date such as 2030-01-31T00:00:00Z',
  );
}

function invalid(text: string, setting: string, why: string): LatchkeyError {
  return new LatchkeyError('invalid_config', `${setting} ${JSON.stringify(text)} is not valid: ${why}`, {
    pointer: setting,
  });
}
