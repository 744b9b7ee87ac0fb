/**
 * What the front does when a session's log cannot be kept: the agent's spool did not open or refuses the
 * log (a full disk, no rights), or there are no recording settings.
 *
 * - strict: refuse the session. Nothing runs; the user reads why on stderr and ssh exits 1. Unless an
 *   administrator broke the glass (break-glass.ts) and it has not expired: then the session runs, marked.
 * - best effort (the default): let the session run and say so in the log when it reaches the spool later
 *   when there is one, in the metadata's `exit_data.error_msg`, which the end record pins.
 */
import type { RecordingMode } from './recording-settings.js';

export type UnavailableSpoolDecision =
  | { readonly action: 'refuse'; readonly message: string }
  | { readonly action: 'continue'; readonly marker: string; readonly notice?: string };

type BreakGlassInForce = { readonly until: Date; readonly reason: string };

// A break-glass is judged against `now`, so whoever passes one passes the time too (the domain reads no clock).
export function decideWhenSpoolUnavailable(mode: RecordingMode, reason: string): UnavailableSpoolDecision;
export function decideWhenSpoolUnavailable(
  mode: RecordingMode,
  reason: string,
  breakGlass: BreakGlassInForce | undefined,
  now: Date,
): UnavailableSpoolDecision;
export function decideWhenSpoolUnavailable(
  mode: RecordingMode,
  reason: string,
  breakGlass?: BreakGlassInForce,
  now?: Date,
): UnavailableSpoolDecision {
  if (mode === 'strict') {
    if (breakGlass !== undefined && now !== undefined && breakGlass.until.getTime() > now.getTime()) {
      const why = `break-glass until ${breakGlass.until.toISOString()} (${breakGlass.reason || 'no reason given'})`;
      return {
        action: 'continue',
        marker: `recording degraded (strict recording waived by ${why}): ${reason}`,
        notice: `latchkey: warning: this session's log cannot be kept (${reason}); it runs under an administrator's ${why}`,
      };
    }
    return {
      action: 'refuse',
      message:
        `latchkey: this session must be recorded, but its log cannot be kept: ${reason}. ` +
        'The session was refused (strict recording). Ask an administrator to check the latchkey-agent service.',
    };
  }
  return { action: 'continue', marker: `recording degraded (best effort): ${reason}` };
}
