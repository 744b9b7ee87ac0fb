import { pinHostKey } from '../domain/known-hosts.js';
import type { TextFiles } from './ports/files.js';

/** One fronted target's host key as the access server gives it (canonical, see domain/known-hosts.ts). */
export interface ServerHostKeyPin {
  hostname: string;
  hostKey: string;
}

/**
 * Makes each key the only pin of its target in Latchkey's known_hosts, keeping every other line; the
 * file is written only when something changed (the usual case for a connection is that nothing did).
 */
export async function pinServerHostKeys(
  files: TextFiles,
  knownHostsFile: string,
  pins: readonly ServerHostKeyPin[],
): Promise<void> {
  if (pins.length === 0) return;
  let text = await files.read(knownHostsFile);
  let changed = false;
  for (const pin of pins) {
    const pinned = pinHostKey(text, pin.hostname, pin.hostKey);
    text = pinned.text;
    changed ||= pinned.changed;
  }
  if (changed && text !== undefined) await files.write(knownHostsFile, text, 0o600);
}
