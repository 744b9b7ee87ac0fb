import type { IntegrityStatus } from '@latchkey/shared';
import { EXIT } from '../exit-codes.js';

/**
 * The exit status for a log's verdict. `logs verify` gives each verdict its own code, for scripts;
 * `logs decrypt` fails only for a tampered log (incomplete and unverified are warnings: the zip is written
 * and says why in verify.txt).
 */
export function exitCodeForVerdict(status: IntegrityStatus, command: 'verify' | 'decrypt'): number {
  if (status === 'tampered') return EXIT.logTampered;
  if (command === 'decrypt' || status === 'verified') return EXIT.ok;
  return status === 'incomplete' ? EXIT.logIncomplete : EXIT.logUnverified;
}
