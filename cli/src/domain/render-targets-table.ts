import type { MeTarget } from './access-api.js';
import { targetAddress } from './access-api.js';
import { escapeForTerminal } from './terminal-text.js';
import { renderTextTable } from './text-table.js';

const HEADINGS = ['HOSTNAME', 'ADDRESS', 'PORT', 'NETWORK', 'USERNAMES'] as const;

/**
 * The targets as an aligned text table (text-table.ts), one row per target in the order given. No
 * targets: a sentence instead. Hostnames and addresses are what agents registered, so every field is
 * escaped for the terminal (terminal-text.ts).
 */
export function renderTargetsTable(targets: readonly MeTarget[]): string {
  if (targets.length === 0) return 'No targets: no policy lets you reach any target yet.\n';
  const safe = (value: unknown) => escapeForTerminal(String(value));
  return renderTextTable(
    HEADINGS,
    targets.map((target) => [
      safe(target.hostname),
      safe(targetAddress(target)),
      safe(target.port),
      safe(target.virtual_network.name),
      target.usernames.map(safe).join(','),
    ]),
  );
}
