import type { HostTrust } from '../domain/host-key-check.js';
import { pinHostCa, pinHostKey } from '../domain/known-hosts.js';
import type { TextFiles } from './ports/files.js';

/** One fronted target's trust as the access server gives it (canonical, see domain/host-key-check.ts). */
export type ServerHostKeyPin = { hostname: string } & HostTrust;

/**
 * Makes each pin the only entry of its target in Latchkey's known_hosts (the front's key, or one
 * `@cert-authority` line for the host CA), keeping every other line; the file is written only when
 * something changed (the usual case for a connection is that nothing did).
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
    const pinned =
      pin.hostCa !== undefined
        ? pinHostCa(text, pin.hostname, pin.hostCa)
        : pinHostKey(text, pin.hostname, pin.hostKey);
    text = pinned.text;
    changed ||= pinned.changed;
  }
  if (changed && text !== undefined) await files.write(knownHostsFile, text, 0o600);
}
