import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { connectToTarget } from '../../../extension/src/app/connect-to-target.js';
import type { ShellRequest, SshConnector, SshShell } from '../../../extension/src/app/ports/ssh.js';
import { SignedInSession } from '../../../extension/src/app/signed-in-session.js';
import type { HostKeyPins } from '../../../extension/src/domain/host-key-pins.js';
import { FakeClock, FakeServer, MemoryStore, storedSession, target } from './fakes.js';

describe('extension/app: connect to a target', () => {
  function setup(hostFingerprint: string, pins: HostKeyPins = {}) {
    const server = new FakeServer();
    const session = new SignedInSession({
      server,
      store: new MemoryStore(storedSession()),
      clock: new FakeClock(),
    });
    const saved: HostKeyPins[] = [];
    const notices: string[] = [];
    const requests: ShellRequest[] = [];
    const shell = {} as SshShell;
    const ssh: SshConnector = {
      async openShell(request) {
        requests.push(request);
        if (!(await request.verifyHostKey(hostFingerprint)))
          throw new Error('Host denied (verification failed)');
        return shell;
      },
    };
    const deps = {
      server,
      session,
      ssh,
      keys: {
        generate: (comment: string) => ({
          publicKeyLine: `ssh-ed25519 AAAA ${comment}`,
          publicKeyBlob: Buffer.alloc(0),
          privateKeyOpenSsh: '',
          sign: () => Buffer.alloc(0),
        }),
      },
      hostKeys: {
        load: async () => pins,
        save: async (next: HostKeyPins) => {
          saved.push(next);
        },
      },
      notice: (message: string) => notices.push(message),
    };
    return { deps, server, saved, notices, requests, shell };
  }
  const box = target('box', ['dev']);

  it('asks for a certificate for the fresh key, connects to the address the server names, pins a new host key', async () => {
    const { deps, server, saved, notices, requests, shell } = setup('SHA256:new');
    const opened = await connectToTarget(deps, {
      target: box,
      username: 'dev',
      size: { columns: 80, rows: 24 },
      validSeconds: 120,
    });
    assert.equal(opened, shell);
    assert.deepEqual(server.certificateRequests, [
      {
        target_id: 'id-box',
        username: 'dev',
        public_key: 'ssh-ed25519 AAAA latchkey-vscode dev@box',
        valid_seconds: 120,
      },
    ]);
    assert.equal(requests[0]?.host, '10.0.0.1');
    assert.equal(requests[0]?.port, 2222);
    assert.equal(requests[0]?.certificate, 'ssh-ed25519-cert-v01@openssh.com AAAA');
    assert.deepEqual(saved, [{ '10.0.0.1:2222': 'SHA256:new' }]);
    assert.match(notices[0] ?? '', /Pinned the host key of box/);
  });

  it('a known host key connects without re-pinning', async () => {
    const { deps, saved } = setup('SHA256:same', { '10.0.0.1:2222': 'SHA256:same' });
    await connectToTarget(deps, { target: box, username: 'dev', size: { columns: 80, rows: 24 } });
    assert.deepEqual(saved, []);
  });

  it('a changed host key stops the connection with a clear warning and keeps the old pin', async () => {
    const { deps, saved } = setup('SHA256:evil', { '10.0.0.1:2222': 'SHA256:good' });
    await assert.rejects(
      connectToTarget(deps, { target: box, username: 'dev', size: { columns: 80, rows: 24 } }),
      (error: unknown) => {
        assert.ok(isLatchkeyError(error, 'permission_denied'));
        assert.match(
          error.message,
          /host key of 10\.0\.0\.1:2222 has CHANGED \(pinned SHA256:good, now SHA256:evil\)/,
        );
        assert.match(error.message, /Not connecting.*Forget Host Key/);
        return true;
      },
    );
    assert.deepEqual(saved, []);
  });

  it('a policy denial comes back in the server words, before any connection', async () => {
    const { deps, server, requests } = setup('SHA256:x');
    server.denial = 'you may not log in to box as root';
    await assert.rejects(
      connectToTarget(deps, { target: box, username: 'root', size: { columns: 80, rows: 24 } }),
      /you may not log in to box as root/,
    );
    assert.deepEqual(requests, []);
  });
});
