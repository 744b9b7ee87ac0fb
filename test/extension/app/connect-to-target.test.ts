import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { LatchkeyError, generateSshKeyPair, isLatchkeyError, issueCertificate } from '@latchkey/shared';
import { connectToTarget } from '../../../extension/src/app/connect-to-target.js';
import type { ShellRequest, SshConnector, SshShell } from '../../../extension/src/app/ports/ssh.js';
import { SignedInSession } from '../../../extension/src/app/signed-in-session.js';
import type { MyTarget } from '../../../extension/src/domain/access-api.js';
import type { HostKeyPins } from '../../../extension/src/domain/host-key-pins.js';
import { FakeClock, FakeServer, MemoryStore, storedSession, target } from './fakes.js';

describe('extension/app: connect to a target', () => {
  function setup(
    hostFingerprint: string,
    pins: HostKeyPins = {},
    hostKeyBlob: Uint8Array = new Uint8Array(),
  ) {
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
        if (!(await request.verifyHostKey(hostFingerprint, hostKeyBlob)))
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
      now: () => new Date('2026-12-07T10:00:00Z'),
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

  describe("a fronted target (its agent's SSH front)", () => {
    const key = generateSshKeyPair('ed25519').publicKey;
    const SERVER_KEY = `${key.toAuthorizedKey()} agent@box`;
    const frontedBox: MyTarget = { ...box, port: 2222, front: { port: 2222, host_key: SERVER_KEY } };

    it('accepts exactly the key the server gives: no prompt, no pin, only its algorithm offered', async () => {
      const { deps, server, saved, notices, requests, shell } = setup(key.fingerprint());
      server.hostKey = SERVER_KEY;
      const opened = await connectToTarget(deps, {
        target: frontedBox,
        username: 'dev',
        size: { columns: 80, rows: 24 },
      });
      assert.equal(opened, shell);
      assert.equal(requests[0]?.port, 2222);
      assert.deepEqual(requests[0]?.hostKeyAlgorithms, ['ssh-ed25519']);
      assert.deepEqual(saved, []);
      assert.deepEqual(notices, []);
    });

    it('refuses another key with a clear message, whatever a pin says', async () => {
      const { deps, server, saved } = setup('SHA256:someone-else', {
        '10.0.0.1:2222': 'SHA256:someone-else',
      });
      server.hostKey = SERVER_KEY;
      await assert.rejects(
        connectToTarget(deps, { target: frontedBox, username: 'dev', size: { columns: 80, rows: 24 } }),
        (error: unknown) => {
          assert.ok(isLatchkeyError(error, 'permission_denied'));
          assert.match(
            error.message,
            /host at 10\.0\.0\.1:2222 is not the one the access server knows for box/,
          );
          assert.match(
            error.message,
            new RegExp(
              `showed the host key SHA256:someone-else, the server gives ${escape(key.fingerprint())}`,
            ),
          );
          assert.match(error.message, /Not connecting/);
          return true;
        },
      );
      assert.deepEqual(saved, []);
    });

    it("holds to the certificate answer's key over the view's older one", async () => {
      const { deps, server } = setup(key.fingerprint());
      server.hostKey = SERVER_KEY;
      const stale = {
        ...frontedBox,
        front: { port: 2222, host_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey() },
      };
      await connectToTarget(deps, { target: stale, username: 'dev', size: { columns: 80, rows: 24 } });
      assert.equal(server.listCalls, 0);
    });

    it("a view that did not know the target was fronted: the certificate answer's key still applies", async () => {
      const { deps, server } = setup('SHA256:sshd-key');
      server.hostKey = SERVER_KEY;
      await assert.rejects(
        connectToTarget(deps, { target: box, username: 'dev', size: { columns: 80, rows: 24 } }),
        (error: unknown) => isLatchkeyError(error, 'permission_denied'),
      );
    });

    it("a certificate answer without host_key: the key the server lists now, not the view's", async () => {
      const { deps, server, requests } = setup(key.fingerprint());
      server.targets = [frontedBox];
      const stale = {
        ...frontedBox,
        front: { port: 2222, host_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey() },
      };
      await connectToTarget(deps, { target: stale, username: 'dev', size: { columns: 80, rows: 24 } });
      assert.equal(server.listCalls, 1);
      assert.deepEqual(requests[0]?.hostKeyAlgorithms, ['ssh-ed25519']);
    });

    it('a host with no key of the expected type (the handshake fails): the same refusal', async () => {
      const { deps, server } = setup(key.fingerprint());
      server.hostKey = SERVER_KEY;
      deps.ssh = {
        async openShell() {
          throw new LatchkeyError(
            'permission_denied',
            'dev@10.0.0.1:2222 has no host key of the type asked for',
          );
        },
      };
      await assert.rejects(
        connectToTarget(deps, { target: frontedBox, username: 'dev', size: { columns: 80, rows: 24 } }),
        (error: unknown) =>
          isLatchkeyError(error, 'permission_denied') &&
          /not the one the access server knows for box: it showed no ssh-ed25519 host key/.test(
            error.message,
          ),
      );
    });

    describe('whose front presents a host certificate', () => {
      const hostCa = generateSshKeyPair('ed25519');
      const HOST_CA = `${hostCa.publicKey.toAuthorizedKey()} latchkey-host-ca`;
      const hostCertificate = (principals: string[], ca = hostCa) =>
        issueCertificate(
          ca,
          { subjectKey: key, type: 'host', keyId: 'box', principals, validForSeconds: 3600 },
          { now: () => new Date('2026-12-07T09:30:00Z') },
        ).blob;
      const connect = (deps: ReturnType<typeof setup>['deps']) =>
        connectToTarget(deps, { target: frontedBox, username: 'dev', size: { columns: 80, rows: 24 } });

      it('accepts a certificate from the host CA naming the target id; only certificate algorithms offered', async () => {
        const { deps, server, saved, requests, shell } = setup(
          'SHA256:cert',
          {},
          hostCertificate([box.id, 'box', '10.0.0.1']),
        );
        server.hostKey = SERVER_KEY;
        server.hostCa = HOST_CA;
        assert.equal(await connect(deps), shell);
        assert.deepEqual(requests[0]?.hostKeyAlgorithms, [
          'ssh-ed25519-cert-v01@openssh.com',
          'ecdsa-sha2-nistp256-cert-v01@openssh.com',
        ]);
        assert.deepEqual(saved, []);
      });

      const refusals: [string, () => Uint8Array, RegExp][] = [
        ['a plain key (even the right one)', () => key.blob, /showed no host certificate \(a plain key\)/],
        [
          "another target's certificate",
          () => hostCertificate(['other-target-id', 'db', '10.0.0.1']),
          /a host certificate for another host \(other-target-id, db\)/,
        ],
        [
          "another CA's certificate",
          () => hostCertificate([box.id], generateSshKeyPair('ed25519')),
          /a host certificate from another CA/,
        ],
      ];
      for (const [what, shown, message] of refusals) {
        it(`refuses ${what}, saying the host is not the one certified`, async () => {
          const { deps, server } = setup('SHA256:x', {}, shown());
          server.hostKey = SERVER_KEY;
          server.hostCa = HOST_CA;
          await assert.rejects(
            connect(deps),
            (error: unknown) =>
              isLatchkeyError(error, 'permission_denied') &&
              /not the one the access server certified as box/.test(error.message) &&
              message.test(error.message),
          );
        });
      }

      it('a host with no certificate to show at all: refused as uncertified', async () => {
        const { deps, server } = setup('SHA256:x');
        deps.ssh = {
          openShell: async () => {
            throw new LatchkeyError('permission_denied', 'no host key of the type asked for');
          },
        };
        server.hostKey = SERVER_KEY;
        server.hostCa = HOST_CA;
        await assert.rejects(
          connect(deps),
          (error: unknown) =>
            isLatchkeyError(error, 'permission_denied') &&
            /no host certificate \(a plain key\)/.test(error.message),
        );
      });
    });

    it('a server key that is not one public key line: no connection at all', async () => {
      const { deps, server, requests } = setup(key.fingerprint());
      server.hostKey = `${SERVER_KEY}\n@cert-authority * ${SERVER_KEY}`;
      await assert.rejects(
        connectToTarget(deps, { target: frontedBox, username: 'dev', size: { columns: 80, rows: 24 } }),
        (error: unknown) => isLatchkeyError(error, 'internal') && /host key for box/.test(error.message),
      );
      assert.deepEqual(requests, []);
    });
  });

  describe('through the tunnel', () => {
    const stream = new PassThrough();
    const tunnelOf = () => {
      const opened: { token: string; targetId: string; port: number }[] = [];
      return {
        opened,
        tunnel: {
          open: async (token: string, targetId: string, port: number) => {
            opened.push({ token, targetId, port });
            return stream;
          },
        },
      };
    };

    it("a target the list marks tunnel: true runs over a stream from the server's tunnel", async () => {
      const { deps, requests } = setup('SHA256:new');
      const { tunnel, opened } = tunnelOf();
      await connectToTarget(
        { ...deps, tunnel },
        { target: { ...box, tunnel: true }, username: 'dev', size: { columns: 80, rows: 24 } },
      );
      assert.deepEqual(
        opened.map(({ targetId, port }) => ({ targetId, port })),
        [{ targetId: 'id-box', port: 2222 }],
      );
      assert.equal(requests[0]?.socket, stream);
    });

    it('a target the list does not mark (or an older server, which marks none) is dialled at its address', async () => {
      for (const target of [box, { ...box, tunnel: false }]) {
        const { deps, requests } = setup('SHA256:new');
        const { tunnel, opened } = tunnelOf();
        await connectToTarget(
          { ...deps, tunnel },
          { target, username: 'dev', size: { columns: 80, rows: 24 } },
        );
        assert.equal(opened.length, 0);
        assert.equal(requests[0]?.socket, undefined);
        assert.equal(requests[0]?.host, '10.0.0.1');
      }
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
