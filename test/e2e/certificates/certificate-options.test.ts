// The certificate's extensions and critical options are enforced by sshd: without `permit-pty` no PTY is
// granted; `force-command` runs instead of what the client asked, which arrives in SSH_ORIGINAL_COMMAND.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createTempDir, createTestUser, removeTestUser, runSsh, startSshd } from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import { DEFAULT_USER_EXTENSIONS } from '@latchkey/shared';
import type { CertificateRequest } from '@latchkey/shared';
import { createKey, issueCertificateFile } from './certificate-fixtures.js';
import type { KeyOnDisk } from './certificate-fixtures.js';

describe('sshd enforces certificate extensions and critical options', () => {
  let dir: TempDir;
  let user: TestUser;
  let sshd: RunningSshd;
  let ca: KeyOnDisk;

  before(async () => {
    dir = await createTempDir('cert-options');
    ca = await createKey(dir, 'ed25519', 'ca');
    await writeFile(dir.file('ca.pub'), `${ca.publicKey}\n`);
    user = await createTestUser();
    // DEBUG1: sshd says why it refuses a PTY only at this level.
    sshd = await startSshd({ logLevel: 'DEBUG1', settings: { TrustedUserCAKeys: dir.file('ca.pub') } });
  });

  after(async () => {
    await sshd?.stop();
    if (user) await removeTestUser(user);
    await dir?.remove();
  });

  async function login(
    request: Omit<CertificateRequest, 'principals' | 'subjectKey'>,
    command: string,
    tty: boolean,
  ) {
    const subject = await createKey(dir, 'ed25519', 'user');
    const cert = await issueCertificateFile(ca, subject, { principals: [user.name], ...request });
    const mark = sshd.logMark();
    const result = await runSsh({
      server: sshd,
      user: user.name,
      identityFile: subject.privateKeyPath,
      certificateFile: cert.certificatePath,
      command,
      tty,
    });
    return { result, mark };
  }

  it('grants a PTY when the certificate has permit-pty', async () => {
    const { result } = await login({ keyId: 'with pty' }, 'tty', true);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\/dev\/pts\/\d+\r?\n$/);
  });

  it('refuses a PTY when the certificate lacks permit-pty', async () => {
    const { 'permit-pty': _permitPty, ...extensions } = DEFAULT_USER_EXTENSIONS;
    assert.equal(_permitPty, '');
    const { result, mark } = await login({ keyId: 'without pty', extensions }, 'tty', true);
    assert.match(result.stderr, /PTY allocation request failed on channel 0/);
    // With -tt (RequestTTY=force) the client gives up when the PTY is refused; the command never runs.
    assert.equal(result.code, 255);
    assert.equal(result.stdout, '');
    await sshd.waitForLog(
      /cert: key options: agent-forwarding port-forwarding user-rc x11-forwarding\s*$/m,
      5000,
      mark,
    );
    await sshd.waitForLog(new RegExp(`Accepted publickey for ${user.name} .* ID without pty`), 5000, mark);
    await sshd.waitForLog(/Allocating a pty not permitted for this connection/, 5000, mark);
  });

  it('runs the force-command instead of the requested command, which arrives in SSH_ORIGINAL_COMMAND', async () => {
    const forced = 'echo "forced:$SSH_ORIGINAL_COMMAND"';
    const { result, mark } = await login(
      { keyId: 'forced', criticalOptions: { 'force-command': forced } },
      'echo hi; touch /tmp/latchkey-must-not-exist',
      false,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'forced:echo hi; touch /tmp/latchkey-must-not-exist\n');
    await sshd.waitForLog(
      new RegExp(
        `Starting session: forced-command \\(key-option\\) 'echo "forced:\\$SSH_ORIGINAL_COMMAND"' for ${user.name} `,
      ),
      5000,
      mark,
    );
  });
});
