import { LatchkeyError } from '@latchkey/shared';

/** `2h`, `3d`, `30m` ago, or an ISO 8601 time; normalised to ISO 8601 UTC. */
export function parseTime(text: string | undefined, option: string, now: Date): string | undefined {
  if (text === undefined) return undefined;
  const relative = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (relative !== null) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[relative[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(relative[1]) * unit * 1000).toISOString();
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) {
    throw new LatchkeyError(
      'invalid_argument',
      `${option} must be an ISO 8601 time (2026-01-31T09:00:00Z) or a span ago such as 2h or 3d`,
      { pointer: option },
    );
  }
  return new Date(parsed).toISOString();
}
