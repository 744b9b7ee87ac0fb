import type { MeTarget } from './access-api.js';
import { targetAddress } from './access-api.js';
import { renderTextTable } from './text-table.js';

const HEADINGS = ['HOSTNAME', 'ADDRESS', 'PORT', 'NETWORK', 'USERNAMES'] as const;

/**
 * The targets as an aligned text table (text-table.ts), one row per target in the order given. No
 * targets: a sentence instead.
 */
export function renderTargetsTable(targets: readonly MeTarget[]): string {
  if (targets.length === 0) return 'No targets: no policy lets you reach any target yet.\n';
  return renderTextTable(
    HEADINGS,
    targets.map((target) => [
      target.hostname,
      targetAddress(target),
      String(target.port),
      target.virtual_network.name,
      target.usernames.join(','),
    ]),
  );
}
