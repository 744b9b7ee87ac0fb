/**
 * The front's two keys, made once (at enrolment, or by the first agent that runs the front) and kept in
 * the agent's state directory, root's, 0600 in a 0700 directory, never sent anywhere:
 * - `ssh_host_ed25519_key`: the front's SSH host key; the agent reports its public half to the access
 *   server, which hands it to clients, so they never trust a front on first use;
 * - `host_ca_ed25519_key`: the host-local CA that signs the front's one-minute inner certificates; sshd
 *   on this host trusts it (TrustedUserCAKeys) instead of the account CA.
 * A key file that exists is never replaced (a changed host key would make every client refuse the host).
 *
 * Next to them, `ssh_host_ed25519_key-cert.pub` (0600, replaced atomically): the host key's certificate
 * from the account's host CA, as the last heartbeat answer gave it; the front presents it so that
 * clients trust the host CA instead of this one key.
 */
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { parseSshPrivateKey } from '@latchkey/shared/ssh/parse-private-key';
import { generateSshKeyPair, type SshPrivateKey } from '@latchkey/shared/ssh/ssh-private-key';

export interface FrontKeys {
  /** OpenSSH private key text, for ssh2's server. */
  readonly hostKeyOpenSsh: string;
  /** `ssh-ed25519 AAAA…`. */
  readonly hostPublicKeyLine: string;
  readonly hostCa: SshPrivateKey;
  /** `ssh-ed25519 AAAA… latchkey-host-ca`: what sshd's ca.pub holds. */
  readonly hostCaPublicKeyLine: string;
}

export const FRONT_KEYS_DIR = 'front';
export const HOST_KEY_FILE = 'ssh_host_ed25519_key';
export const HOST_CA_FILE = 'host_ca_ed25519_key';
export const HOST_CERTIFICATE_FILE = 'ssh_host_ed25519_key-cert.pub';

/** The stored host certificate line, or undefined when there is none yet. */
export async function readFrontHostCertificate(stateDir: string): Promise<string | undefined> {
  try {
    const text = (await readFile(join(stateDir, FRONT_KEYS_DIR, HOST_CERTIFICATE_FILE), 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces the stored host certificate: written to a temporary file (0600), synced, renamed over. */
export async function writeFrontHostCertificate(stateDir: string, certificateLine: string): Promise<void> {
  const path = join(stateDir, FRONT_KEYS_DIR, HOST_CERTIFICATE_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${certificateLine.trim()}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

export async function loadOrCreateFrontKeys(stateDir: string): Promise<FrontKeys> {
  const dir = join(stateDir, FRONT_KEYS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const hostKeyText = await loadOrCreate(join(dir, HOST_KEY_FILE), 'latchkey-front-host');
  const hostCaText = await loadOrCreate(join(dir, HOST_CA_FILE), 'latchkey-host-ca');
  const hostKey = parseSshPrivateKey(hostKeyText);
  const hostCa = parseSshPrivateKey(hostCaText);
  return {
    hostKeyOpenSsh: hostKeyText,
    hostPublicKeyLine: hostKey.publicKey.toAuthorizedKey(),
    hostCa,
    hostCaPublicKeyLine: hostCa.publicKey.toAuthorizedKey('latchkey-host-ca'),
  };
}

/** An in-memory Ed25519 key for the inner hop (a new one each time the agent starts). */
export function generateInnerKey(): { keyOpenSsh: string; key: SshPrivateKey } {
  const key = generateSshKeyPair('ed25519');
  return { keyOpenSsh: key.toOpenSSH('latchkey-front-inner'), key };
}

/**
 * A new Ed25519 key in OpenSSH's format. Not ssh2's generateKeyPairSync: for one key in 256 (a public key
 * whose first byte is 0) it writes a 31-byte public key that ssh2 itself then refuses ("Malformed OpenSSH
 * private key"), which stopped an agent from starting, for good once the key was on disk.
 */
function newOpenSshKey(comment: string): string {
  return generateSshKeyPair('ed25519').toOpenSSH(comment);
}

/** Whether ssh2 (the front's SSH server) reads the key: one an older agent wrote may be malformed. */
function ssh2Reads(text: string): boolean {
  return !(ssh2.utils.parseKey(text) instanceof Error);
}

async function loadOrCreate(path: string, comment: string): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    if (ssh2Reads(text)) return text;
    // Written malformed by an older agent (see newOpenSshKey): no client can have seen it, since no front
    // ever started with it; set it aside and make a new one.
    await rename(path, `${path}.malformed`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const created = newOpenSshKey(comment);
  // O_EXCL: two agents starting at once keep one key, never a half-written one.
  try {
    const handle = await open(path, 'wx', 0o600);
    await handle.writeFile(created);
    await handle.sync();
    await handle.close();
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw error;
  }
}
