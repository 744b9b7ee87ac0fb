import { addInclude } from '../domain/ssh-include.js';
import { generatedSshConfigPath, knownHostsPath } from '../domain/ssh-key-paths.js';
import { renderSshConfig, sshConfigHostKeys } from '../domain/render-ssh-config.js';
import { pinServerHostKeys } from './pin-server-host-keys.js';
import type { TextFiles } from './ports/files.js';
import type { Notify } from './ports/environment.js';
import { withAccessToken } from './signed-in-session.js';
import type { SessionDeps } from './signed-in-session.js';

export interface SshConfigDeps extends SessionDeps {
  files: TextFiles;
  notify: Notify;
}

export interface SshConfigRequest {
  configDir: string;
  latchkeyCommand: readonly string[];
  /** Write the file and include it from `userSshConfig`; otherwise only answer the text. */
  write: boolean;
  /** The person's ~/.ssh/config. */
  userSshConfig: string;
}

/**
 * `latchkey ssh-config`: Host entries for every target the person may reach. With `write`, the host keys
 * the access server gives for fronted targets are pinned in Latchkey's known_hosts first (so no ssh reads
 * an entry that checks strictly before its key is there), then the entries go to `<config>/ssh_config`
 * (replaced each time) and ~/.ssh/config gains one Include line at the top unless it has one already;
 * its other contents and its mode are kept. Targets the list marks `tunnel: true` are reached through the
 * access server's tunnel (`latchkey proxy` as their ProxyCommand).
 */
export async function sshConfig(deps: SshConfigDeps, request: SshConfigRequest): Promise<string> {
  const targets = await withAccessToken(deps, (token) => deps.server.myTargets(token));
  const tunnelled = new Set(targets.filter((target) => target.tunnel === true).map((target) => target.id));
  const text = renderSshConfig({
    tunnelled,
    server: deps.server.url,
    configDir: request.configDir,
    latchkeyCommand: request.latchkeyCommand,
    targets,
  });
  if (!request.write) return text;
  await pinServerHostKeys(deps.files, knownHostsPath(request.configDir), sshConfigHostKeys(targets));
  const generated = generatedSshConfigPath(request.configDir);
  await deps.files.write(generated, text, 0o600);
  const existing = await deps.files.read(request.userSshConfig);
  const updated = addInclude(existing, generated);
  if (updated !== undefined) {
    await deps.files.write(request.userSshConfig, updated, 0o600);
    deps.notify(`Added \`Include ${generated}\` at the top of ${request.userSshConfig}.`);
  }
  deps.notify(
    `Wrote ${targets.length} target(s) to ${generated}; \`ssh HOSTNAME\`, scp and rsync now get a certificate on each connection.`,
  );
  return text;
}
