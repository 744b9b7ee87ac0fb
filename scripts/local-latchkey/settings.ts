/**
 * What the local Latchkey (scripts/up.sh) is made of and where it keeps things, from the environment with
 * sensible defaults. Everything it writes lives in one place, the checkout's own data directory
 * (`.latchkey-dev/`, private): the server's database and keys, the auditor's key pair, the demo password,
 * the local target's sshd files, and its agent's state (enrolment, front keys) and session-log spool. So
 * each checkout has a Latchkey of its own, and `git clean -fdx` leaves nothing behind that a later start
 * could trip over. The demo UNIX user reads none of it: people log in through the agent's SSH front, which
 * runs as root and records the session itself.
 *
 * | variable                 | default                  | what                                                   |
 * |--------------------------|--------------------------|--------------------------------------------------------|
 * | LATCHKEY_LISTEN          | 127.0.0.1:8443           | the access server                                      |
 * | LATCHKEY_FRONT_LISTEN    | 127.0.0.1:2022           | the agent's SSH front: where people reach the target   |
 * | LATCHKEY_TARGET_LISTEN   | 127.0.0.1:2222           | the local target's private sshd (behind the front)     |
 * | LATCHKEY_DEV_DIR         | <checkout>/.latchkey-dev | all the local Latchkey's data                          |
 * | LATCHKEY_DEMO_UNIX_USER  | latchkey-demo            | the UNIX user the demo person may log in as            |
 */
import { resolve } from 'node:path';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface LocalLatchkeySettings {
  readonly root: string;
  readonly serverListen: HostPort;
  /** The agent's SSH front: people's certificate logins, checked, relayed to sshd and recorded. */
  readonly frontListen: HostPort;
  /** The private sshd: only the front logs in to it (it trusts only the agent's host CA). */
  readonly targetListen: HostPort;
  readonly devDir: string;
  readonly demoUnixUser: string;
  readonly demoEmail: string;
  /** The web console's demo accounts (groups latchkey-admins, latchkey-auditors), with the demo password. */
  readonly consoleAdminEmail: string;
  readonly consoleAuditorEmail: string;
  readonly targetHostname: string;
  readonly appName: string;
}

export function readSettings(root: string, env: NodeJS.ProcessEnv): LocalLatchkeySettings {
  const settings = {
    root,
    serverListen: hostPort(env.LATCHKEY_LISTEN ?? '127.0.0.1:8443', 'LATCHKEY_LISTEN'),
    frontListen: hostPort(env.LATCHKEY_FRONT_LISTEN ?? '127.0.0.1:2022', 'LATCHKEY_FRONT_LISTEN'),
    targetListen: hostPort(env.LATCHKEY_TARGET_LISTEN ?? '127.0.0.1:2222', 'LATCHKEY_TARGET_LISTEN'),
    devDir: resolve(env.LATCHKEY_DEV_DIR ?? resolve(root, '.latchkey-dev')),
    demoUnixUser: unixUser(env.LATCHKEY_DEMO_UNIX_USER ?? 'latchkey-demo'),
    demoEmail: 'demo@latchkey.test',
    consoleAdminEmail: 'admin@latchkey.test',
    consoleAuditorEmail: 'auditor@latchkey.test',
    targetHostname: 'local-target',
    appName: 'local-target over SSH',
  };
  const ports = [
    ['LATCHKEY_LISTEN', settings.serverListen.port],
    ['LATCHKEY_FRONT_LISTEN', settings.frontListen.port],
    ['LATCHKEY_TARGET_LISTEN', settings.targetListen.port],
  ] as const;
  for (const [name, port] of ports) {
    const other = ports.find(([otherName, otherPort]) => otherName !== name && otherPort === port);
    if (other !== undefined) {
      throw new Error(`${name} and ${other[0]} both name port ${port}: give each its own port`);
    }
  }
  return settings;
}

/** Only loopback: the local Latchkey serves plain HTTP and must not be reachable from elsewhere. */
function hostPort(value: string, name: string): HostPort {
  const match = /^(127(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535) {
    throw new Error(`${name} must be 127.x.y.z:PORT (a loopback address), not ${JSON.stringify(value)}`);
  }
  return { host: match[1]!, port };
}

function unixUser(value: string): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(value)) {
    throw new Error(`LATCHKEY_DEMO_UNIX_USER must be a valid UNIX user name, not ${JSON.stringify(value)}`);
  }
  return value;
}

export function serverUrl(settings: LocalLatchkeySettings): string {
  return `http://${settings.serverListen.host}:${settings.serverListen.port}`;
}

export function showHostPort({ host, port }: HostPort): string {
  return `${host}:${port}`;
}

/** The files and directories, by purpose; all inside the data directory. */
export function localPaths(settings: LocalLatchkeySettings) {
  const { devDir } = settings;
  const targetDir = resolve(devDir, 'target');
  return {
    serverData: resolve(devDir, 'server'),
    adminToken: resolve(devDir, 'server', 'admin.token'),
    auditorDir: resolve(devDir, 'auditor'),
    auditorPrivateKey: resolve(devDir, 'auditor', 'sshkey'),
    auditorPublicKey: resolve(devDir, 'auditor', 'sshkey.pub'),
    auditorToken: resolve(devDir, 'auditor', 'api-token'),
    demoPassword: resolve(devDir, 'demo-password'),
    logsDir: resolve(devDir, 'logs'),
    /** The agent's state: its enrolment (credential), registration, front keys, recording settings. */
    agentState: resolve(devDir, 'agent-state'),
    enrolment: resolve(devDir, 'agent-state', 'enrolment.json'),
    spoolDir: resolve(devDir, 'spool'),
    /** The private sshd's own files, instead of /etc/ssh (the agent edits them as it would /etc/ssh). */
    targetDir,
    sshdConfig: resolve(targetDir, 'sshd_config'),
    sshdHostKey: resolve(targetDir, 'ssh_host_ed25519_key'),
    sshdPidFile: resolve(targetDir, 'sshd.pid'),
    caPath: resolve(targetDir, 'ca.pub'),
  };
}
export type LocalPaths = ReturnType<typeof localPaths>;
