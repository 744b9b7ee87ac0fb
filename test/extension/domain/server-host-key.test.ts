import assert from 'node:assert/strict';
import { generateSshKeyPair, isLatchkeyError, parseSshPublicKey } from '@latchkey/shared';
import {
  expectedHostKey,
  parseServerHostKey,
  refusedServerHostKeyMessage,
} from '../../../extension/src/domain/host-key-pins.js';
import { RSA_3072_PUBLIC_KEY } from '../../support/fixed-keys.js';

describe("extension/domain: a fronted target's host key, as the access server gives it", () => {
  const ed25519 = generateSshKeyPair('ed25519').publicKey;
  const ecdsa = generateSshKeyPair('ecdsa-p256').publicKey;
  const rsa = parseSshPublicKey(RSA_3072_PUBLIC_KEY);
  const data = ed25519.toAuthorizedKey().split(' ')[1]!;

  const accepted: [string, string, string, string[]][] = [
    ['an Ed25519 line', ed25519.toAuthorizedKey(), ed25519.fingerprint(), ['ssh-ed25519']],
    [
      'a line with a comment',
      `${ed25519.toAuthorizedKey()} the front of box`,
      ed25519.fingerprint(),
      ['ssh-ed25519'],
    ],
    ['an ECDSA line', ecdsa.toAuthorizedKey(), ecdsa.fingerprint(), ['ecdsa-sha2-nistp256']],
    ['an RSA line', rsa.toAuthorizedKey(), rsa.fingerprint(), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']],
  ];
  for (const [what, line, fingerprint, algorithms] of accepted) {
    it(`reads ${what}: its fingerprint and the algorithms to offer`, () => {
      const key = parseServerHostKey(line, 'box');
      assert.equal(key.fingerprint, fingerprint);
      assert.deepEqual(key.algorithms, algorithms);
    });
  }

  const refused: [string, string][] = [
    ['a second line', `${ed25519.toAuthorizedKey()}\n* ${ed25519.toAuthorizedKey()}`],
    ['a marker line', `@cert-authority * ${ed25519.toAuthorizedKey()}`],
    ['a certificate type', `ssh-ed25519-cert-v01@openssh.com ${data}`],
    ['a type the data does not hold', `ecdsa-sha2-nistp256 ${data}`],
    ['data that is not base64', 'ssh-ed25519 AAAA*not'],
    ['base64 that is not canonical', `ssh-ed25519 ${data}=`],
    [
      'a type and no key in the data',
      `ssh-ed25519 ${Buffer.from('\0\0\0\x0bssh-ed25519').toString('base64')}`,
    ],
    ['only a type', 'ssh-ed25519'],
    ['nothing', ''],
  ];
  for (const [what, line] of refused) {
    it(`refuses ${what}, naming the target`, () => {
      assert.throws(
        () => parseServerHostKey(line, 'box'),
        (error) => isLatchkeyError(error, 'internal') && /host key for box/.test(error.message),
      );
    });
  }

  const sources: [
    string,
    { port: number; host_key?: string },
    { front?: { port: number; host_key: string } },
    string | undefined,
  ][] = [
    [
      "the certificate answer's key",
      { port: 2201, host_key: 'A' },
      { front: { port: 2201, host_key: 'B' } },
      'A',
    ],
    [
      "the certificate answer's key for a target the list did not say was fronted",
      { port: 2201, host_key: 'A' },
      {},
      'A',
    ],
    [
      "the list's front key at the port the certificate names",
      { port: 2201 },
      { front: { port: 2201, host_key: 'B' } },
      'B',
    ],
    [
      'none (first use) for a front at another port',
      { port: 22 },
      { front: { port: 2201, host_key: 'B' } },
      undefined,
    ],
    ['none (first use) for a target that is not fronted', { port: 22 }, {}, undefined],
  ];
  for (const [what, issued, listed, expected] of sources) {
    it(`expects ${what}`, () => assert.equal(expectedHostKey(issued, listed), expected));
  }

  it('says the host is not the one the server knows, with both fingerprints, and what to do', () => {
    const message = refusedServerHostKeyMessage(
      'box',
      '10.0.0.1:2201',
      'SHA256:server',
      'the host key SHA256:shown',
    );
    assert.match(message, /host at 10\.0\.0\.1:2201 is not the one the access server knows for box/);
    assert.match(message, /showed the host key SHA256:shown, the server gives SHA256:server/);
    assert.match(message, /reinstalled/);
    assert.match(message, /tell your administrator/);
  });
});
