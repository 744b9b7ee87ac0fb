/**
 * The front's per-address cap on waiting logins also holds for the tunnel's streams, per person: a
 * stream's address is whatever the access server saw (a loopback proxy's, 0.0.0.0), so loopback's
 * exemption must not apply to it (issue #14's review).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { SshFront, type SshFrontDeps } from '../../../../agent/src/front/ssh-front.js';
import type { InnerIdentity } from '../../../../agent/src/front/inner-sshd.js';

describe('ssh front: tunnel streams and the per-address cap', function () {
  this.timeout(15_000);
  let front: SshFront | undefined;
  let relay: Server | undefined;
  const clients: Socket[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await front?.close();
    front = undefined;
    if (relay !== undefined) await new Promise<void>((resolve) => relay!.close(() => resolve()));
    relay = undefined;
  });

  it('drops a ninth waiting stream of one person even from 127.0.0.1', async () => {
    // Each accepted connection asks for sshd's endpoint at once (the first 8, speculatively): the event
    // that says the front took it.
    const asked: (() => void)[] = [];
    let asks = 0;
    const deps: SshFrontDeps = {
      trust: () => undefined,
      targetHostname: () => undefined,
      sshd: {
        endpoint: () => {
          asks++;
          asked.shift()?.();
          return Promise.reject(new Error('no sshd in this test'));
        },
        invalidate: () => undefined,
      },
      recording: {} as SshFrontDeps['recording'],
      now: () => new Date(),
      log: () => undefined,
    };
    // ssh2 writes a malformed key for one public key in 256 (agent/src/front/front-keys.ts): draw again.
    let hostKey: string;
    do hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
    while (ssh2.utils.parseKey(hostKey) instanceof Error);
    front = await SshFront.start(
      { host: '127.0.0.1', port: 0, hostKeyOpenSsh: hostKey, identity: {} as InnerIdentity },
      deps,
    );
    const started = front;
    // Loopback sockets stand for the tunnel's streams: their server ends go to the front as eve's.
    relay = createServer((socket) =>
      started.acceptStream(socket, { address: '127.0.0.1', port: 0 }, 'eve@corp.example'),
    );
    relay.listen(0, '127.0.0.1');
    await once(relay, 'listening');
    const { port } = relay.address() as AddressInfo;
    const open = () => {
      const client = connect({ host: '127.0.0.1', port });
      client.on('error', () => undefined);
      // Read what the front sends (its ident): a socket that never reads never sees the front hang up.
      client.resume();
      clients.push(client);
      client.write('SSH-2.0-probe\r\n');
      return client;
    };
    for (let i = 1; i <= 8; i++) {
      const taken = new Promise<void>((resolve) => asked.push(resolve));
      open();
      await taken;
    }
    assert.equal(asks, 8);
    const ninth = open();
    await once(ninth, 'close');
  });
});
