/**
 * `latchkey logs keygen -o NAME`: an X25519 key pair in ssh-log-cli's form (NAME: base64 of the private
 * key, 0600; NAME.pub: base64 of the public key; no trailing newline). Refuses to replace either file
 * unless `force`: a lost private key is a lost archive of sessions.
 */
import { LatchkeyError, encodeAuditorKey, generateHpkeKeyPair } from '@latchkey/shared';
import type { LogFiles } from './ports.js';

export async function generateAuditorKeyPair(
  files: LogFiles,
  request: { output: string; force: boolean },
): Promise<{ privateKeyFile: string; publicKeyFile: string; publicKey: string }> {
  const privateKeyFile = request.output;
  const publicKeyFile = `${request.output}.pub`;
  if (!request.force) {
    for (const path of [privateKeyFile, publicKeyFile]) {
      if (await files.exists(path)) {
        throw new LatchkeyError(
          'conflict',
          `${path} already exists; not replacing a key (it may be the only key to old logs). Use --force to replace it`,
        );
      }
    }
  }
  const keys = generateHpkeKeyPair();
  const publicKey = encodeAuditorKey(keys.publicKey);
  await files.write(privateKeyFile, encodeAuditorKey(keys.privateKey), 0o600);
  await files.write(publicKeyFile, publicKey, 0o644);
  return { privateKeyFile, publicKeyFile, publicKey };
}
