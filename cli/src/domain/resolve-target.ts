import { LatchkeyError } from '@latchkey/shared';
import type { MeTarget } from './access-api.js';

/**
 * Finds TARGET among the targets the person may reach: by id, else by hostname (case-insensitive).
 * Not found and ambiguous (one hostname in several virtual networks) are errors that say what to do.
 */
export function resolveTarget(targets: readonly MeTarget[], name: string): MeTarget {
  const byId = targets.find((target) => target.id.toLowerCase() === name.toLowerCase());
  if (byId !== undefined) return byId;
  const matches = targets.filter((target) => target.hostname.toLowerCase() === name.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new LatchkeyError(
      'not_found',
      `no target ${JSON.stringify(name)} among the ${targets.length} target(s) you may reach; ` +
        '`latchkey targets` lists them (give a hostname or a target id)',
    );
  }
  throw new LatchkeyError(
    'invalid_argument',
    `${matches.length} targets are named ${name} (in virtual networks ` +
      `${matches.map((t) => `${t.virtual_network.name}: ${t.id}`).join(', ')}); give the target id instead`,
  );
}
