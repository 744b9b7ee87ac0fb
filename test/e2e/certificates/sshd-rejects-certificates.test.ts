// sshd with TrustedUserCAKeys rejects every certificate that must not log in (the cases of OpenSSH's
// regress/cert-userkey.sh), and each rejection is asserted from the reason sshd logs, not from the exit code.
//
// Most cases log in with the real ssh client. Two cannot: the OpenSSH client verifies the CA signature when
// it loads a certificate and never offers a host certificate for user authentication, so for a tampered
// signature and a host certificate the suite offers the certificate itself with the harness's public key
// probe (an RFC 4252 publickey query) and reads sshd's verdict and reason.
//
// Latchkey's verifier rejects every tampered certificate that sshd rejects: each case that the pure verifier
// models (all but revocation, which needs a KRL, and the bare CA key, which is no certificate at all) also
// asserts that verifyCertificate says no, for the matching reason, about the very certificate sshd judged.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { isLatchkeyError, parseCertificate, verifyCertificate } from '@latchkey/shared';
import type { CertificateRejection, CertificateRequest } from '@latchkey/shared';
import {
  createTempDir,
  createTestUser,
  makeKrlWithSshKeygen,
  probePublicKey,
  removeTestUser,
  runCommand,
  runSsh,
  startSshd,
  writeAuthorizedKeys,
  writePrivateFile,
} from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import {
  createKey,
  issueCertificateFile,
  reparse,
  secondsFromNow,
  tamperSignature,
} from './certificate-fixtures.js';
import type { CertificateOnDisk, KeyOnDisk } from './certificate-fixtures.js';

const REVOKED_SERIAL = 0x7e57_0000_0000_0001n;
const DAY = 86_400;

interface Login {
  subject: KeyOnDisk;
  cert: CertificateOnDisk;
}

describe('sshd rejects certificates it must not accept', () => {
  let dir: TempDir;
  let user: TestUser;
  let caUser: TestUser;
  let sshd: RunningSshd;
  let ca: KeyOnDisk;
  let untrustedCa: KeyOnDisk;
  let trustedCaKeysPath: string;
  let krlPath: string;
  let revokedByFile: Login;

  before(async () => {
    dir = await createTempDir('cert-reject');
    ca = await createKey(dir, 'ed25519', 'ca');
    untrustedCa = await createKey(dir, 'ed25519', 'untrusted-ca');
    trustedCaKeysPath = dir.file('ca.pub');
    await writeFile(trustedCaKeysPath, `${ca.publicKey}\n`);
    user = await createTestUser();
    // A second user trusts the CA through authorized_keys as well (`cert-authority`), as regress does.
    caUser = await createTestUser();
    await writeAuthorizedKeys(caUser, [`cert-authority ${ca.publicKey}`]);

    revokedByFile = await issue({ keyId: 'revoked by file' });
    krlPath = await makeKrlWithSshKeygen(dir.file('revoked.krl'), {
      caPublicKeyPath: ca.publicKeyPath,
      serials: [REVOKED_SERIAL],
      keyFiles: [revokedByFile.cert.certificatePath],
    });
    // DEBUG2: sshd names an untrusted CA ("CA … is not listed in …") only at this level.
    sshd = await startSshd({
      logLevel: 'DEBUG2',
      settings: { TrustedUserCAKeys: trustedCaKeysPath, RevokedKeys: krlPath },
    });
  });

  after(async () => {
    await sshd?.stop();
    if (user) await removeTestUser(user);
    if (caUser) await removeTestUser(caUser);
    await dir?.remove();
  });

  /** Issues a certificate (Latchkey's issueCertificate) for a fresh Ed25519 key; principals default to the test user. */
  async function issue(
    request: Partial<Omit<CertificateRequest, 'subjectKey'>> & { keyId: string },
    signer = ca,
  ): Promise<Login> {
    const subject = await createKey(dir, 'ed25519', 'user');
    const cert = await issueCertificateFile(signer, subject, { principals: [user.name], ...request });
    return { subject, cert };
  }

  /** What Latchkey's verifier says about a certificate line, given sshd's view of this login. */
  function verifierVerdict(line: string, sourceAddress = '127.0.0.1') {
    return verifyCertificate(reparse(line), {
      trustedCaKeys: [ca.key.publicKey],
      now: new Date(),
      principal: user.name,
      sourceAddress,
    });
  }

  function expectVerifierRejects(line: string, reason: CertificateRejection) {
    const verdict = verifierVerdict(line);
    assert.equal(verdict.ok, false, 'Latchkey\u2019s verifier must reject what sshd rejects');
    if (!verdict.ok) assert.equal(verdict.reason, reason, verdict.message);
  }

  /** Logs in with the real ssh client and expects sshd to refuse, logging `reason` and the failed certificate. */
  async function expectSshRefused(login: Login, reason: RegExp) {
    const mark = sshd.logMark();
    const result = await runSsh({
      server: sshd,
      user: user.name,
      identityFile: login.subject.privateKeyPath,
      certificateFile: login.cert.certificatePath,
      command: 'echo logged-in',
    });
    assert.equal(result.code, 255, `ssh must fail; stdout: ${result.stdout}`);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /Permission denied \(publickey\)/);
    await sshd.waitForLog(reason, 5000, mark);
    await sshd.waitForLog(
      new RegExp(
        `Failed publickey for ${user.name} from \\S+ port \\d+ ssh2: ED25519-CERT ${escape(login.subject.fingerprint)} ` +
          `ID ${escape(login.cert.keyId)} \\(serial ${login.cert.serial}\\)`,
      ),
      5000,
      mark,
    );
    assert.doesNotMatch(sshd.logs().slice(mark), /Accepted publickey/);
  }

  /** Offers a certificate line with the public key probe and expects sshd to refuse it, logging `reason`. */
  async function expectProbeRefused(line: string, reason: RegExp) {
    const mark = sshd.logMark();
    const verdict = await probePublicKey({
      host: sshd.host,
      port: sshd.port,
      hostKey: sshd.hostKey,
      user: user.name,
      publicKey: line,
    });
    assert.equal(verdict, 'rejected');
    await sshd.waitForLog(reason, 5000, mark);
  }

  it('control: a valid certificate is accepted by sshd (through the probe) and by the verifier', async () => {
    const { cert } = await issue({ keyId: 'probe control' });
    const mark = sshd.logMark();
    const verdict = await probePublicKey({
      host: sshd.host,
      port: sshd.port,
      hostKey: sshd.hostKey,
      user: user.name,
      publicKey: cert.line,
    });
    assert.equal(verdict, 'accepted');
    await sshd.waitForLog(/Accepted certificate ID "probe control"/, 5000, mark);
    assert.deepEqual(verifierVerdict(cert.line), { ok: true });
  });

  it('an expired certificate', async () => {
    const login = await issue({
      keyId: 'expired',
      validAfter: secondsFromNow(-2 * DAY),
      validBefore: secondsFromNow(-DAY),
    });
    await expectSshRefused(login, /Certificate invalid: expired/);
    expectVerifierRejects(login.cert.line, 'expired');
  });

  it('a certificate that is not yet valid', async () => {
    const login = await issue({
      keyId: 'not yet valid',
      validAfter: secondsFromNow(DAY),
      validBefore: secondsFromNow(2 * DAY),
    });
    await expectSshRefused(login, /Certificate invalid: not yet valid/);
    expectVerifierRejects(login.cert.line, 'not_yet_valid');
  });

  it('a certificate for other principals', async () => {
    const login = await issue({ keyId: 'wrong principal', principals: ['root', `${user.name}x`] });
    await expectSshRefused(login, /Certificate invalid: name is not a listed principal/);
    expectVerifierRejects(login.cert.line, 'principal_not_listed');
  });

  it('a certificate with an empty principal list', async () => {
    const login = await issue({ keyId: 'no principals', principals: [] });
    await expectSshRefused(login, /Certificate lacks principal list/);
    expectVerifierRejects(login.cert.line, 'no_principals');
  });

  it('a certificate signed by a CA that sshd does not trust', async () => {
    const login = await issue({ keyId: 'untrusted ca' }, untrustedCa);
    await expectSshRefused(
      login,
      new RegExp(
        `CA ED25519 ${escape(untrustedCa.fingerprint)} is not listed in ${escape(trustedCaKeysPath)}`,
      ),
    );
    expectVerifierRejects(login.cert.line, 'untrusted_ca');
  });

  it('a certificate whose source-address does not match the client (and the same one from a matching address)', async () => {
    const login = await issue({
      keyId: 'source address',
      criticalOptions: { 'source-address': '127.0.0.2/32' },
    });
    await expectSshRefused(login, /not from a permitted source address \(127\.0\.0\.1\)/);
    expectVerifierRejects(login.cert.line, 'source_address_mismatch');

    const mark = sshd.logMark();
    const fromMatchingAddress = await runSsh({
      server: sshd,
      user: user.name,
      identityFile: login.subject.privateKeyPath,
      certificateFile: login.cert.certificatePath,
      command: 'echo logged-in',
      bindAddress: '127.0.0.2',
    });
    assert.equal(fromMatchingAddress.code, 0, fromMatchingAddress.stderr);
    await sshd.waitForLog(
      new RegExp(`Accepted publickey for ${user.name} from 127\\.0\\.0\\.2 .* ID source address`),
      5000,
      mark,
    );
    assert.deepEqual(verifierVerdict(login.cert.line, '127.0.0.2'), { ok: true });
  });

  it('a certificate with an unknown critical option', async () => {
    const login = await issue({
      keyId: 'unknown critical',
      criticalOptions: { 'latchkey-unknown@example.com': 'x' },
    });
    await expectSshRefused(
      login,
      /Certificate critical option "latchkey-unknown@example\.com" is not supported/,
    );
    expectVerifierRejects(login.cert.line, 'unknown_critical_option');
  });

  it('a certificate revoked by serial in the RevokedKeys KRL', async () => {
    const login = await issue({ keyId: 'revoked serial', serial: REVOKED_SERIAL });
    await expectSshRefused(
      login,
      new RegExp(
        `Authentication key ED25519-CERT ${escape(login.subject.fingerprint)} revoked by file ${escape(krlPath)}`,
      ),
    );
  });

  it('a certificate revoked by its file in the RevokedKeys KRL', async () => {
    await expectSshRefused(
      revokedByFile,
      new RegExp(
        `Authentication key ED25519-CERT ${escape(revokedByFile.subject.fingerprint)} revoked by file`,
      ),
    );
  });

  it('a host certificate offered as a user certificate', async () => {
    const { cert } = await issue({ keyId: 'host cert', type: 'host' });
    await expectProbeRefused(cert.line, /Certificate invalid: not a user certificate/);
    expectVerifierRejects(cert.line, 'wrong_type');
  });

  it('a certificate whose CA signature was tampered with (one bit flipped)', async () => {
    const { cert } = await issue({ keyId: 'tampered' });
    const tampered = tamperSignature(cert.line);
    await expectProbeRefused(tampered, /userauth_pubkey: parse key: incorrect signature/);
    expectVerifierRejects(tampered, 'bad_signature');
  });

  it('the bare CA key used as a user key', async () => {
    for (const target of [user, caUser]) {
      const mark = sshd.logMark();
      const result = await runSsh({
        server: sshd,
        user: target.name,
        identityFile: ca.privateKeyPath,
        command: 'echo logged-in',
      });
      assert.equal(result.code, 255);
      assert.match(result.stderr, /Permission denied \(publickey\)/);
      // sshd judged the plain CA key (ED25519, not ED25519-CERT) and refused it.
      await sshd.waitForLog(
        new RegExp(
          `Failed publickey for ${target.name} from 127\\.0\\.0\\.1 port \\d+ ssh2: ED25519 ${escape(ca.fingerprint)}`,
        ),
        5000,
        mark,
      );
      assert.doesNotMatch(sshd.logs().slice(mark), /Accepted publickey/);
    }
    // Latchkey's parser does not take a plain key for a certificate either.
    assert.throws(
      () => parseCertificate(ca.publicKey),
      (error) => isLatchkeyError(error, 'certificate_wrong_type'),
    );
  });

  it('the OpenSSH client itself refuses to load a tampered certificate (why the probe is needed)', async () => {
    const { cert, subject } = await issue({ keyId: 'tampered for ssh-keygen' });
    const path = await writePrivateFile(
      `${subject.privateKeyPath}-tampered-cert.pub`,
      `${tamperSignature(cert.line)}\n`,
    );
    const listed = await runCommand('ssh-keygen', ['-L', '-f', path]);
    assert.notEqual(listed.code, 0);
    assert.match(listed.stderr, /incorrect signature|invalid format/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
