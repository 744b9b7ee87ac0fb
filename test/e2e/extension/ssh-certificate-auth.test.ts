// The extension's SSH path against a real sshd that trusts only a CA: ssh2 offering an OpenSSH
// certificate (shared/src/ssh2/offer-certificate.ts closes ssh2's gap), a shell with a PTY,
// exit status, resize, refusal of a wrong principal, and host key pins. If ssh2 changes the internals
// that module relies on, these tests fail loudly.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isLatchkeyError } from '@latchkey/shared';
import { TESTED_SSH2_VERSION } from '../../../shared/src/ssh2/offer-certificate.js';
import { generateEphemeralKeyPair } from '../../../extension/src/adapters/ssh/ed25519-key-pair.js';
import { Ssh2Connector, sha256Fingerprint } from '../../../extension/src/adapters/ssh/ssh2-connector.js';
import type { ShellEnd, ShellRequest, SshShell } from '../../../extension/src/app/ports/ssh.js';
import {
  createTempDir,
  createTestUser,
  generateKeyWithSshKeygen,
  signWithSshKeygen,
  startSshd,
} from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';

/** Collects a shell's output until `pattern` shows up. */
function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (pattern.test(output())) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`no ${pattern} in output: ${output()}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe('e2e/extension: ssh2 logs in with a Latchkey certificate through a real sshd', function () {
  this.timeout(30_000);
  let dir: TempDir;
  let sshd: RunningSshd;
  let user: TestUser;
  let caKey: string;

  before(async () => {
    dir = await createTempDir('extension-ssh');
    caKey = dir.file('ca');
    const ca = await generateKeyWithSshKeygen(caKey);
    await writeFile(dir.file('ca.pub.list'), `${ca.publicKey}\n`);
    user = await createTestUser();
    sshd = await startSshd({ settings: { TrustedUserCAKeys: dir.file('ca.pub.list') } });
  });

  after(async () => {
    await sshd?.stop();
    await dir?.remove();
  });

  async function certifiedRequest(principal: string, pins: Record<string, boolean> = {}) {
    const key = generateEphemeralKeyPair('test');
    const publicKeyPath = dir.file(`k-${Math.random().toString(36).slice(2)}.pub`);
    await writeFile(publicKeyPath, `${key.publicKeyLine}\n`);
    const { certificate } = await signWithSshKeygen({
      caPrivateKeyPath: caKey,
      publicKeyPath,
      keyId: 'vscode-test',
      principals: [principal],
      validity: '-1m:+5m',
    });
    const seen: string[] = [];
    const request: ShellRequest = {
      host: sshd.host,
      port: sshd.port,
      username: user.name,
      key,
      certificate,
      size: { columns: 100, rows: 30 },
      verifyHostKey: async (fingerprint) => {
        seen.push(fingerprint);
        return pins[fingerprint] ?? true;
      },
    };
    return { request, seen };
  }

  it('is pinned to the ssh2 version it was tested with', () => {
    const { version } = createRequire(import.meta.url)('ssh2/package.json') as { version: string };
    assert.equal(
      version,
      TESTED_SSH2_VERSION,
      'ssh2 changed: re-check shared/src/ssh2/offer-certificate.ts against its internals',
    );
  });

  it('opens a shell with the certificate, runs commands in a PTY, resizes, reports the exit status', async () => {
    const { request, seen } = await certifiedRequest(user.name);
    const since = sshd.logMark();
    const shell: SshShell = await new Ssh2Connector().openShell(request);
    let output = '';
    shell.onData((data) => (output += data.toString('utf8')));
    const ended = new Promise<ShellEnd>((resolve) => shell.onEnd(resolve));
    await sshd.waitForLog(/Accepted publickey for \S+ .*ED25519-CERT .*ID vscode-test/, 5000, since);
    shell.write('echo "user=$(id -un) tty=$(tty | cut -c1-8)"\n');
    await waitForOutput(() => output, new RegExp(`user=${user.name} tty=/dev/pts`));
    shell.resize({ columns: 123, rows: 45 });
    shell.write('stty size\n');
    await waitForOutput(() => output, /45 123/);
    shell.write('exit 7\n');
    const end = await ended;
    assert.equal(end.exitCode, 7);
    assert.equal(end.error, undefined);
    assert.deepEqual(seen, [sha256Fingerprint(Buffer.from(sshd.hostKey.split(' ')[1] ?? '', 'base64'))]);
  });

  it('a certificate for another principal is refused with a clear error', async () => {
    const { request } = await certifiedRequest('somebody-else');
    await assert.rejects(new Ssh2Connector().openShell(request), (error: unknown) => {
      assert.ok(isLatchkeyError(error, 'access_denied'), String(error));
      assert.match(error.message, /refused the Latchkey certificate/);
      return true;
    });
  });

  it('a host key the verifier refuses stops the connection before login', async () => {
    const fingerprint = sha256Fingerprint(Buffer.from(sshd.hostKey.split(' ')[1] ?? '', 'base64'));
    const { request } = await certifiedRequest(user.name, { [fingerprint]: false });
    const since = sshd.logMark();
    await assert.rejects(new Ssh2Connector().openShell(request), /host key was not accepted/);
    assert.doesNotMatch(sshd.logs().slice(since), /Accepted publickey/);
  });

  it('a dropped connection ends the shell with an error', async () => {
    const { request } = await certifiedRequest(user.name);
    const shell = await new Ssh2Connector().openShell(request);
    const ended = new Promise<ShellEnd>((resolve) => shell.onEnd(resolve));
    shell.write('kill -9 $PPID\n');
    const end = await ended;
    assert.equal(end.exitCode, undefined);
    assert.ok(end.error !== undefined || end.signal !== undefined, JSON.stringify(end));
  });
});
