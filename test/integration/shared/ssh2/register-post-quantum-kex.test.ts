/**
 * The post-quantum key exchange through ssh2 (shared/src/ssh2/register-post-quantum-kex.ts): an ssh2
 * Client and Server over loopback agree on mlkem768x25519-sha256 when both offer it, and still agree on
 * curve25519 with a peer that does not. (OpenSSH's client against the agent's front:
 * test/e2e/front/front-post-quantum.test.ts.)
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type KexAlgorithm, type NegotiatedAlgorithms } from 'ssh2';
import {
  MLKEM768X25519_SHA256,
  registerPostQuantumKeyExchange,
} from '@latchkey/shared/ssh2/register-post-quantum-kex';

const PQ = MLKEM768X25519_SHA256 as KexAlgorithm;

/**
 * One handshake (and a login) between an ssh2 server and client offering these lists, then `rekeys`
 * server-initiated key re-exchanges (each one's KEXINIT travels under the keys the one before made);
 * answers what both negotiated last and how many handshakes the client saw.
 */
async function handshake(
  serverKex: KexAlgorithm[],
  clientKex: KexAlgorithm[],
  rekeys = 0,
): Promise<{ server: NegotiatedAlgorithms; client: NegotiatedAlgorithms; handshakes: number }> {
  // ssh2 writes a malformed key for one public key in 256 (agent/src/front/front-keys.ts): draw again.
  let hostKey: string;
  do hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  while (ssh2.utils.parseKey(hostKey) instanceof Error);
  let serverSide: NegotiatedAlgorithms | undefined;
  let peerConnection: Connection | undefined;
  const server = new ssh2.Server({ hostKeys: [hostKey], algorithms: { kex: serverKex } }, (peer) => {
    peerConnection = peer;
    peer.on('error', () => undefined);
    peer.on('handshake', (negotiated) => (serverSide = negotiated));
    peer.on('authentication', (context) => context.accept());
    peer.on('ready', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new ssh2.Client();
  let handshakes = 0;
  client.on('handshake', () => handshakes++);
  try {
    const clientSide = await new Promise<NegotiatedAlgorithms>((resolve, reject) => {
      let negotiated: NegotiatedAlgorithms | undefined;
      client.on('handshake', (value) => (negotiated = value));
      client.on('error', reject);
      client.on('ready', () =>
        negotiated === undefined ? reject(new Error('no handshake')) : resolve(negotiated),
      );
      client.connect({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        username: 'nobody',
        algorithms: { kex: clientKex },
      });
    });
    for (let i = 0; i < rekeys; i++) await new Promise<void>((resolve) => peerConnection!.rekey(resolve));
    assert.ok(serverSide, 'the server saw the handshake');
    return { server: serverSide, client: clientSide, handshakes };
  } finally {
    client.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('the mlkem768x25519-sha256 key exchange in ssh2', () => {
  before(() => registerPostQuantumKeyExchange());

  it('is negotiated, and the connection logs in, when both sides offer it', async () => {
    const { server, client } = await handshake([PQ, 'curve25519-sha256'], [PQ, 'curve25519-sha256']);
    assert.equal(server.kex, MLKEM768X25519_SHA256);
    assert.equal(client.kex, MLKEM768X25519_SHA256);
  });

  it('re-exchanges keys with it on a live connection, twice', async () => {
    const { server, handshakes } = await handshake([PQ], [PQ], 2);
    assert.equal(handshakes, 3);
    assert.equal(server.kex, MLKEM768X25519_SHA256);
  });

  it('leaves curve25519 to a client that does not offer it', async () => {
    const { server, client } = await handshake([PQ, 'curve25519-sha256'], ['curve25519-sha256']);
    assert.equal(server.kex, 'curve25519-sha256');
    assert.equal(client.kex, 'curve25519-sha256');
  });

  it('registers once: a second call answers the same ML-KEM implementation', () => {
    assert.equal(registerPostQuantumKeyExchange(), registerPostQuantumKeyExchange());
  });
});
