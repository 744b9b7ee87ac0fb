import type { MeTarget } from './access-api.js';
import { targetAddress } from './access-api.js';

const HEADINGS = ['HOSTNAME', 'ADDRESS', 'PORT', 'NETWORK', 'USERNAMES'] as const;

/**
 * The targets as an aligned text table (columns padded with spaces, two between columns, no trailing
 * spaces), one row per target in the order given, with a heading row. No targets: a sentence instead.
 */
export function renderTargetsTable(targets: readonly MeTarget[]): string {
  if (targets.length === 0) return 'No targets: no policy lets you reach any target yet.\n';
  const rows: string[][] = [
    [...HEADINGS],
    ...targets.map((target) => [
      target.hostname,
      targetAddress(target),
      String(target.port),
      target.virtual_network.name,
      target.usernames.join(','),
    ]),
  ];
  const widths = HEADINGS.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
