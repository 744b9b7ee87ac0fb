/**
 * Sets up the local Latchkey's contents through the real admin API and the real `latchkey-server user`
 * command, idempotently (a second start finds everything in place and changes nothing that is right):
 * the SSH CA, the auditor key pair and session logging, the demo person, and the infrastructure app
 * whose policy lets that person in as the demo UNIX user on the local target.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { encodeAuditorKey, generateHpkeKeyPair } from '@latchkey/shared';
import type { AdminApi } from './admin-api.js';
import type { LocalLatchkeySettings, LocalPaths } from './settings.js';

export interface DemoAccount {
  readonly email: string;
  readonly password: string;
}

/** The demo person's password: made once, kept 0600 in the data directory. */
export async function demoPassword(paths: LocalPaths): Promise<string> {
  if (existsSync(paths.demoPassword)) return (await readFile(paths.demoPassword, 'utf8')).trim();
  const password = randomBytes(12).toString('base64url');
  await writeFile(paths.demoPassword, `${password}\n`, { mode: 0o600 });
  return password;
}

/** The CA's public key: the account's existing CA, or a new Ed25519 one. */
export async function ensureCa(api: AdminApi): Promise<string> {
  const existing = await api.call<{ public_key: string }[]>('GET', '/access/gateway_ca');
  if (existing[0] !== undefined) return existing[0].public_key;
  return (await api.call<{ public_key: string }>('POST', '/access/gateway_ca')).public_key;
}

/**
 * The auditor key pair, in ssh-log-cli's form (`sshkey`, `sshkey.pub`: base64 of the raw X25519 keys),
 * made once; its public half becomes the account's session-log key, which turns recording on.
 */
export async function ensureAuditorKey(api: AdminApi, paths: LocalPaths): Promise<void> {
  if (!existsSync(paths.auditorPrivateKey)) {
    await mkdir(paths.auditorDir, { recursive: true, mode: 0o700 });
    const pair = generateHpkeKeyPair();
    await writeFile(paths.auditorPrivateKey, encodeAuditorKey(pair.privateKey), { mode: 0o600 });
    await writeFile(paths.auditorPublicKey, encodeAuditorKey(pair.publicKey), { mode: 0o644 });
  }
  const publicKey = (await readFile(paths.auditorPublicKey, 'utf8')).trim();
  const current = await api.call<{ public_key: string }>('GET', '/gateway/audit_ssh_settings');
  if (current.public_key !== publicKey) {
    await api.call('PUT', '/gateway/audit_ssh_settings', { public_key: publicKey });
  }
}

interface App {
  id: string;
  name: string;
}

/**
 * The app for the local target and its one policy: the demo person, as the demo UNIX user. Its port is
 * the agent's SSH front, the one way people reach the target (the private sshd behind it is the front's).
 */
export async function ensureApp(api: AdminApi, settings: LocalLatchkeySettings): Promise<void> {
  const body = {
    name: settings.appName,
    type: 'infrastructure',
    target_criteria: [
      {
        target_attributes: { hostname: [settings.targetHostname] },
        port: settings.frontListen.port,
        protocol: 'SSH',
      },
    ],
    policies: [
      {
        name: 'the demo person',
        decision: 'allow',
        include: [{ email: { email: settings.demoEmail } }],
        connection_rules: { ssh: { usernames: [settings.demoUnixUser] } },
      },
    ],
  };
  const apps = await api.call<App[]>('GET', '/access/apps');
  const existing = apps.find((app) => app.name === settings.appName);
  if (existing === undefined) await api.call('POST', '/access/apps', body);
  else await api.call('PUT', `/access/apps/${existing.id}`, body);
}
