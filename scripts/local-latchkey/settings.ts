/**
 * What the local Latchkey (scripts/up.sh) is made of and where it keeps things, from the environment with
 * sensible defaults. Two places: the data directory in the checkout (`.latchkey-dev/`, private: the
 * server's database and keys, the auditor's key pair, the demo password) and a runtime directory that the
 * demo UNIX user can reach (`/run/latchkey-dev/`: the recorder that sshd runs as that user, the agent's
 * recording settings, the private sshd's files), because a checkout under /root is not reachable by others.
 *
 * | variable                 | default                  | what                                         |
 * |--------------------------|--------------------------|----------------------------------------------|
 * | LATCHKEY_LISTEN          | 127.0.0.1:8443           | the access server                            |
 * | LATCHKEY_TARGET_LISTEN   | 127.0.0.1:2222           | the local target's private sshd              |
 * | LATCHKEY_DEV_DIR         | <checkout>/.latchkey-dev | private data                                 |
 * | LATCHKEY_RUNTIME_DIR     | /run/latchkey-dev        | what the demo user's sessions must reach     |
 * | LATCHKEY_DEMO_UNIX_USER  | latchkey-demo            | the UNIX user the demo person may log in as  |
 */
import { resolve } from 'node:path';

export interface LocalLatchkeySettings {
  readonly root: string;
  readonly serverListen: { readonly host: string; readonly port: number };
  readonly targetListen: { readonly host: string; readonly port: number };
  readonly devDir: string;
  readonly runtimeDir: string;
  readonly demoUnixUser: string;
  readonly demoEmail: string;
  readonly targetHostname: string;
  readonly appName: string;
}

export function readSettings(root: string, env: NodeJS.ProcessEnv): LocalLatchkeySettings {
  return {
    root,
    serverListen: hostPort(env.LATCHKEY_LISTEN ?? '127.0.0.1:8443', 'LATCHKEY_LISTEN'),
    targetListen: hostPort(env.LATCHKEY_TARGET_LISTEN ?? '127.0.0.1:2222', 'LATCHKEY_TARGET_LISTEN'),
    devDir: resolve(env.LATCHKEY_DEV_DIR ?? resolve(root, '.latchkey-dev')),
    runtimeDir: resolve(env.LATCHKEY_RUNTIME_DIR ?? '/run/latchkey-dev'),
    demoUnixUser: unixUser(env.LATCHKEY_DEMO_UNIX_USER ?? 'latchkey-demo'),
    demoEmail: 'demo@latchkey.test',
    targetHostname: 'local-target',
    appName: 'local-target over SSH',
  };
}

/** Only loopback: the local Latchkey serves plain HTTP and must not be reachable from elsewhere. */
function hostPort(value: string, name: string): { host: string; port: number } {
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

/** The files and directories, by purpose. */
export function localPaths(settings: LocalLatchkeySettings) {
  const { devDir, runtimeDir } = settings;
  return {
    serverData: resolve(devDir, 'server'),
    adminToken: resolve(devDir, 'server', 'admin.token'),
    auditorDir: resolve(devDir, 'auditor'),
    auditorPrivateKey: resolve(devDir, 'auditor', 'sshkey'),
    auditorPublicKey: resolve(devDir, 'auditor', 'sshkey.pub'),
    demoPassword: resolve(devDir, 'demo-password'),
    spoolDir: resolve(devDir, 'spool'),
    recorderDir: resolve(runtimeDir, 'recorder'),
    recorderBundle: resolve(runtimeDir, 'recorder', 'latchkey-agent-record.mjs'),
    agentState: resolve(runtimeDir, 'agent'),
    spoolSocket: resolve(runtimeDir, 'record.sock'),
    targetDir: resolve(runtimeDir, 'target'),
    sshdConfig: resolve(runtimeDir, 'target', 'sshd_config'),
    sshdHostKey: resolve(runtimeDir, 'target', 'ssh_host_ed25519_key'),
    sshdPidFile: resolve(runtimeDir, 'target', 'sshd.pid'),
    caPath: resolve(runtimeDir, 'target', 'ca.pub'),
  };
}
export type LocalPaths = ReturnType<typeof localPaths>;
