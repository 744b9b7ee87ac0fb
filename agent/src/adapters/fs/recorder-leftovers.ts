/**
 * Removes what an agent before the SSH front left for its force-command recorder: the recorders' spool
 * socket and, beside it, `peers/` (where recorders proved their uid), then the socket's directory
 * (`latchkey-agent`, the old runtime directory) if that leaves it empty. Under systemd these lived in the unit's runtime directory, which goes with the old
 * service; this covers hosts without it and an admin's drop-in that kept it. recording.json's wider
 * modes of that time are put back by the recording sync (recording-state-files.ts).
 *
 * Returns the paths it removed. Nothing there, or a read-only /run (ProtectSystem=strict without that
 * runtime directory: then nothing can be there either), is not an error.
 */
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function removeRecorderLeftovers(socketPath: string): Promise<string[]> {
  const removed: string[] = [];
  const socketDir = dirname(socketPath);
  const peers = join(socketDir, 'peers');
  if ((await lstat(socketPath).catch(() => undefined))?.isSocket() === true) {
    await rm(socketPath, { force: true });
    removed.push(socketPath);
  }
  if ((await lstat(peers).catch(() => undefined))?.isDirectory() === true) {
    await rm(peers, { recursive: true, force: true });
    removed.push(peers);
  }
  if (
    removed.length > 0 &&
    basename(socketDir) === 'latchkey-agent' &&
    (await readdir(socketDir).catch(() => ['?'])).length === 0
  ) {
    await rmdir(socketDir).catch(() => undefined);
  }
  return removed;
}
