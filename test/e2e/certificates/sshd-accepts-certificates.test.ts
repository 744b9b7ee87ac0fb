// sshd with TrustedUserCAKeys accepts a login with a valid certificate for the right principal, for every
// CA and subject key type Latchkey issues, and its log names the certificate (key id, serial, CA); Latchkey's
// verifier says yes to the same certificates.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createTempDir, createTestUser, removeTestUser, runSsh, startSshd } from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import { verifyCertificate } from '@latchkey/shared';
import type { SshKeyAlgorithm as KeyAlgorithm } from '@latchkey/shared';
import { createKey, issueCertificateFile, reparse } from './certificate-fixtures.js';
import type { KeyOnDisk } from './certificate-fixtures.js';

const CA_ALGORITHMS = ['ed25519', 'ecdsa-p256'] as const satisfies readonly KeyAlgorithm[];
const SUBJECT_ALGORITHMS = ['ed25519', 'ecdsa-p256', 'rsa'] as const satisfies readonly KeyAlgorithm[];

/** How sshd names key types in its log lines. */
const LOG_KEY_TYPE: Record<KeyAlgorithm, string> = { ed25519: 'ED25519', 'ecdsa-p256': 'ECDSA', rsa: 'RSA' };

describe('sshd accepts certificates issued by Latchkey', () => {
  let dir: TempDir;
  let user: TestUser;
  let sshd: RunningSshd;
  const cas = new Map<KeyAlgorithm, KeyOnDisk>();

  before(async () => {
    dir = await createTempDir('cert-accept');
    for (const algorithm of CA_ALGORITHMS) cas.set(algorithm, await createKey(dir, algorithm, 'ca'));
    const trustedCaKeys = dir.file('ca.pub');
    await writeFile(trustedCaKeys, [...cas.values()].map((ca) => ca.publicKey).join('\n') + '\n');
    user = await createTestUser();
    sshd = await startSshd({ settings: { TrustedUserCAKeys: trustedCaKeys } });
  });

  after(async () => {
    await sshd?.stop();
    if (user) await removeTestUser(user);
    await dir?.remove();
  });

  for (const caAlgorithm of CA_ALGORITHMS) {
    for (const subjectAlgorithm of SUBJECT_ALGORITHMS) {
      it(`a certificate from the ${caAlgorithm} CA for a ${subjectAlgorithm} key`, async () => {
        const ca = cas.get(caAlgorithm)!;
        const subject = await createKey(dir, subjectAlgorithm, 'user');
        const keyId = `alice@example.com session ${caAlgorithm}-${subjectAlgorithm}`;
        const serial = 0x1234_5678_9abc_def0n + BigInt(subjectAlgorithm.length);
        const cert = await issueCertificateFile(ca, subject, {
          keyId,
          principals: ['someone-else', user.name],
          serial,
        });

        const mark = sshd.logMark();
        const result = await runSsh({
          server: sshd,
          user: user.name,
          identityFile: subject.privateKeyPath,
          certificateFile: cert.certificatePath,
          command: 'id -un',
        });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, `${user.name}\n`);

        const [line] = await sshd.waitForLog(
          new RegExp(`Accepted publickey for ${user.name} from 127\\.0\\.0\\.1 port \\d+ ssh2: .*`),
          5000,
          mark,
        );
        assert.ok(
          line.endsWith(
            `${LOG_KEY_TYPE[subjectAlgorithm]}-CERT ${subject.fingerprint} ID ${keyId} (serial ${serial}) ` +
              `CA ${LOG_KEY_TYPE[caAlgorithm]} ${ca.fingerprint}`,
          ),
          line,
        );
        // Latchkey's verifier agrees with sshd.
        assert.deepEqual(
          verifyCertificate(reparse(cert.line), {
            trustedCaKeys: [...cas.values()].map((trusted) => trusted.key.publicKey),
            now: new Date(),
            principal: user.name,
            sourceAddress: '127.0.0.1',
          }),
          { ok: true },
        );
      });
    }
  }
});
