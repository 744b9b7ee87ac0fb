import assert from 'node:assert/strict';
import { generateSshKeyPair, isLatchkeyError, parseCertificate } from '@latchkey/shared';
import { connectSsh } from '../../../cli/src/app/connect-ssh.js';
import type { SshRunner } from '../../../cli/src/app/ports/ssh-runner.js';
import { credentialsFromTokens } from '../../../cli/src/domain/credentials.js';
import { NO_PASS_THROUGH } from '../../../cli/src/domain/ssh-arguments.js';
import { meTarget } from '../domain/fixtures.js';
import { FakeAccessServer, FakeClock, FakeCredentialStore } from './fakes.js';

describe('connectSsh', () => {
  async function setUp(answer: { exitCode: number; stderrTail: string }) {
    const clock = new FakeClock(new Date());
    const server = new FakeAccessServer(clock);
    server.targets = [meTarget('web-1', { usernames: ['ubuntu', 'deploy'], port: 2200 })];
    const store = new FakeCredentialStore();
    await store.put(credentialsFromTokens(server.url, server.issueTokens(), clock.now()));
    const runs: { material: { privateKey: string; certificate: string }; args: string[] }[] = [];
    const ssh: SshRunner = {
      async run(material, argumentsFor) {
        runs.push({
          material,
          args: argumentsFor({ privateKeyFile: '/t/k', certificateFile: '/t/k-cert.pub' }),
        });
        return answer;
      },
    };
    const notes: string[] = [];
    const deps = {
      server,
      store,
      clock,
      ssh,
      generateKey: () => generateSshKeyPair('ed25519'),
      notify: (line: string) => notes.push(line),
      knownHostsFile: '/c/known_hosts',
    };
    return { server, runs, notes, deps };
  }
  const request = (destination: string) => ({
    destination,
    command: ['id', '-un'],
    passThrough: NO_PASS_THROUGH,
    localUsername: 'deploy',
  });

  it("runs ssh with a certificate for the new key, to the server's address and port, and answers ssh's status", async () => {
    const { runs, deps } = await setUp({ exitCode: 7, stderrTail: '' });
    assert.equal(await connectSsh(deps, request('web-1')), 7);
    const [run] = runs;
    const certificate = parseCertificate(run!.material.certificate);
    assert.deepEqual(certificate.principals, ['deploy'], 'the local user, being allowed');
    assert.match(run!.material.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    assert.deepEqual(run!.args.slice(-5), ['2200', '--', 'deploy@10.0.0.5', 'id', '-un']);
    assert.ok(run!.args.includes('HostKeyAlias=web-1'));
  });

  it('names the target and the fix when ssh refused a changed host key', async () => {
    const { notes, deps } = await setUp({
      exitCode: 255,
      stderrTail:
        '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n',
    });
    assert.equal(await connectSsh(deps, request('ubuntu@web-1')), 255);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /The host key of web-1 .*\/c\/known_hosts.*latchkey known-hosts forget web-1/);
  });

  it('does not run ssh when the server denies the certificate', async () => {
    const { server, runs, deps } = await setUp({ exitCode: 0, stderrTail: '' });
    server.deny = (target, username) => `you may not log in to ${target.hostname} as ${username}`;
    await assert.rejects(
      connectSsh(deps, request('root@web-1')),
      (e) => isLatchkeyError(e, 'permission_denied') && e.message === 'you may not log in to web-1 as root',
    );
    assert.equal(runs.length, 0);
  });
});
