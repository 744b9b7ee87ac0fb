/**
 * What the recorder does when a session's log cannot be kept: the agent's spool is not reachable (the
 * daemon is down, its socket gone) or it refuses the log (a full disk), or there are no recording settings.
 *
 * - strict: refuse the session. Nothing runs; the user reads why on stderr and ssh exits 1.
 * - best effort (the default): let the session run and say so in the log when it reaches the spool later
 *   (the recorder keeps trying), in the metadata's `exit_data.error_msg`, which the end record pins.
 */
import type { RecordingMode } from './recording-settings.js';

export type UnavailableSpoolDecision =
  | { readonly action: 'refuse'; readonly message: string }
  | { readonly action: 'continue'; readonly marker: string };

export function decideWhenSpoolUnavailable(mode: RecordingMode, reason: string): UnavailableSpoolDecision {
  if (mode === 'strict') {
    return {
      action: 'refuse',
      message:
        `latchkey: this session must be recorded, but its log cannot be kept: ${reason}. ` +
        'The session was refused (strict recording). Ask an administrator to check the latchkey-agent service.',
    };
  }
  return { action: 'continue', marker: `recording degraded (best effort): ${reason}` };
}
