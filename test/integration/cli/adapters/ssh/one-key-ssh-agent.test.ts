import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSshKeyPair, issueCertificate } from '@latchkey/shared';
import { OneKeySshAgent } from '../../../../../cli/src/adapters/ssh/one-key-ssh-agent.js';

/** Runs an OpenSSH tool against the agent; resolves with its exit code and output. */
function run(command: string, args: string[], socket: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('OneKeySshAgent (with the real ssh-add and ssh-keygen)', () => {
  let dir: string;
  let agent: OneKeySshAgent;
  const key = generateSshKeyPair('ed25519');
  const certificate = issueCertificate(generateSshKeyPair('ed25519'), {
    subjectKey: key.publicKey,
    keyId: 'test',
    principals: ['deploy'],
  }).toAuthorizedKey();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-agent-test-'));
    agent = await OneKeySshAgent.listen(join(dir, 'agent.sock'));
  });
  afterEach(async () => {
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers "which identities" only once the identity is provided, with the certificate alone', async () => {
    let answered = false;
    const listing = run('ssh-add', ['-L'], agent.socketPath).then((result) => {
      answered = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(answered, false, 'ssh-add is still waiting');
    agent.provide({ privateKey: key, certificate });
    const { code, stdout } = await listing;
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.split(' ').slice(0, 2).join(' '), certificate.split(' ').slice(0, 2).join(' '));
  });

  it('signs with the key (ssh-keygen -Y sign through the agent), and the signature verifies', async () => {
    agent.provide({ privateKey: key, certificate });
    const publicKeyFile = join(dir, 'id.pub');
    await writeFile(publicKeyFile, `${key.publicKey.toAuthorizedKey()}\n`);
    const message = join(dir, 'message');
    await writeFile(message, 'hello');
    const signed = await run(
      'ssh-keygen',
      ['-Y', 'sign', '-f', publicKeyFile, '-n', 'file', message],
      agent.socketPath,
    );
    assert.equal(signed.code, 0, signed.stderr);
    const allowed = join(dir, 'allowed');
    await writeFile(allowed, `someone ${key.publicKey.toAuthorizedKey()}\n`);
    const checked = await new Promise<number | null>((resolve) => {
      const child = spawn('ssh-keygen', [
        '-Y',
        'verify',
        '-f',
        allowed,
        '-I',
        'someone',
        '-n',
        'file',
        '-s',
        `${message}.sig`,
      ]);
      child.stdin.end('hello');
      child.on('close', resolve);
    });
    assert.equal(checked, 0);
  });

  it('refuses everything else (removing keys) and signing with another key', async () => {
    agent.provide({ privateKey: key, certificate });
    const removed = await run('ssh-add', ['-D'], agent.socketPath);
    assert.notEqual(removed.code, 0);
    const other = generateSshKeyPair('ed25519');
    const publicKeyFile = join(dir, 'other.pub');
    await writeFile(publicKeyFile, `${other.publicKey.toAuthorizedKey()}\n`);
    const message = join(dir, 'message');
    await writeFile(message, 'hello');
    const signed = await run(
      'ssh-keygen',
      ['-Y', 'sign', '-f', publicKeyFile, '-n', 'file', message],
      agent.socketPath,
    );
    assert.notEqual(signed.code, 0);
  });

  it('when closed before an identity came, a waiting question ends without one', async () => {
    const listing = run('ssh-add', ['-L'], agent.socketPath);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await agent.close();
    const { code } = await listing;
    assert.notEqual(code, 0);
  });
});
