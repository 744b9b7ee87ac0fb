/** What the local Latchkey prints once it is up: plainly, what to run next, in order. */
import { relative } from 'node:path';
import { localPaths, serverUrl, showHostPort, type LocalLatchkeySettings } from './settings.js';

export interface UpFacts {
  readonly settings: LocalLatchkeySettings;
  readonly demoPassword: string;
  readonly vsixPath: string | undefined;
  readonly auditorTokenFile: string;
  readonly logsDir: string;
}

export function renderInstructions({
  settings,
  demoPassword,
  vsixPath,
  auditorTokenFile,
  logsDir,
}: UpFacts): string {
  const paths = localPaths(settings);
  const show = (path: string) => {
    const fromRoot = relative(settings.root, path);
    return fromRoot.startsWith('..') ? path : fromRoot;
  };
  const url = serverUrl(settings);
  const target = settings.targetHostname;
  const login = `${settings.demoUnixUser}@${target}`;
  return `
Latchkey is up.

  access server  ${url}  (database and keys in ${show(paths.serverData)})
  local target   ${target}: people reach it at ${showHostPort(settings.frontListen)}, the SSH front of a real latchkey-agent,
                 which checks each certificate, records the session and logs in to the private sshd on
                 ${showHostPort(settings.targetListen)} (it trusts only the agent's host CA, not the account CA)
  demo person    ${settings.demoEmail}   password: ${demoPassword}
  may log in as  ${settings.demoUnixUser}   (policy of the app "${settings.appName}")
  session logs   on, sealed to the auditor key ${show(paths.auditorPrivateKey)}
  web console    ${url}/console
                 admin    ${settings.consoleAdminEmail}     password: ${demoPassword}
                 auditor  ${settings.consoleAuditorEmail}   password: ${demoPassword}   (logs and audit, read-only)
  process logs   ${show(logsDir)}/

In another terminal, from ${settings.root}:

  alias latchkey="node ${settings.root}/cli/bin/latchkey.js"

  1. Sign in       latchkey login --server ${url}
                   open the page it prints, sign in as ${settings.demoEmail} with the password above, approve
  2. List          latchkey targets
  3. Connect       latchkey ssh ${login}      (through the server's tunnel to the front; its host key comes from the server)
  4. Copy a file   latchkey ssh-config --write      (once; then plain ssh, scp, rsync and sftp work)
                   scp README.md ${login}:
  5. VS Code       ${vsixPath === undefined ? 'node extension/build.mjs --package   (then install the .vsix it prints)' : `code --install-extension ${show(vsixPath)}`}
                   set "latchkey.serverUrl": "${url}", then sign in from the Latchkey view
  6. Audit         export LATCHKEY_API_TOKEN=$(cat ${show(auditorTokenFile)})
                   latchkey logs list --server ${url}
                   latchkey logs download LOG_ID -o session.log --server ${url}
                   latchkey logs decrypt -i session.log -k ${show(paths.auditorPrivateKey)}
                   (session.log-decrypted.zip: the terminal, session.cast, commands.json, verify.txt)
                   or in the browser: ${url}/console/logs as ${settings.consoleAuditorEmail}, open a log,
                   pick ${show(paths.auditorPrivateKey)} and Decrypt (the key stays in the browser)

Press Ctrl-C to stop everything.
`;
}
