import assert from 'node:assert/strict';
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import {
  LatchkeyError,
  generateHpkeKeyPair,
  hpkePublicKeyFor,
  setupHpkeRecipient,
  setupHpkeSender,
} from '@latchkey/shared';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** RFC 9180 appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base mode. */
const A_2_1 = {
  info: hex('4f6465206f6e2061204772656369616e2055726e'),
  skEm: hex('f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600'),
  pkEm: '1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a',
  skRm: hex('8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb'),
  pkRm: '4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a',
  pt: hex('4265617574792069732074727574682c20747275746820626561757479'),
  aad0: hex('436f756e742d30'), // "Count-0"
  ct0: '1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28',
};

const referenceSuite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});

describe('HPKE base mode (X25519, HKDF-SHA256, ChaCha20-Poly1305)', () => {
  it('reproduces RFC 9180 test vector A.2.1 (encryption 0)', () => {
    assert.equal(toHex(hpkePublicKeyFor(A_2_1.skRm)), A_2_1.pkRm);
    const sealer = setupHpkeSender(hex(A_2_1.pkRm), { info: A_2_1.info, ephemeralPrivateKey: A_2_1.skEm });
    assert.equal(toHex(sealer.enc), A_2_1.pkEm);
    assert.equal(toHex(sealer.seal(A_2_1.pt, A_2_1.aad0)), A_2_1.ct0);

    const opener = setupHpkeRecipient(A_2_1.skRm, sealer.enc, { info: A_2_1.info });
    assert.deepEqual(opener.open(hex(A_2_1.ct0), A_2_1.aad0), A_2_1.pt);
  });

  it('numbers messages: the second seal differs and opens only in order', () => {
    const keys = generateHpkeKeyPair();
    const sealer = setupHpkeSender(keys.publicKey);
    const first = sealer.seal(Buffer.from('same'));
    const second = sealer.seal(Buffer.from('same'));
    assert.notEqual(toHex(first), toHex(second));
    const outOfOrder = setupHpkeRecipient(keys.privateKey, sealer.enc);
    assert.throws(
      () => outOfOrder.open(second),
      (error: unknown) => {
        return error instanceof LatchkeyError && error.code === 'session_log_decryption_failed';
      },
    );
    const inOrder = setupHpkeRecipient(keys.privateKey, sealer.enc);
    assert.equal(Buffer.from(inOrder.open(first)).toString(), 'same');
    assert.equal(Buffer.from(inOrder.open(second)).toString(), 'same');
  });

  it('sealPieces: the body and the tag of the same message as seal(), numbered in the same sequence', () => {
    const joined = setupHpkeSender(hex(A_2_1.pkRm), { info: A_2_1.info, ephemeralPrivateKey: A_2_1.skEm });
    const pieces = setupHpkeSender(hex(A_2_1.pkRm), { info: A_2_1.info, ephemeralPrivateKey: A_2_1.skEm });
    for (const aad of [A_2_1.aad0, undefined, A_2_1.aad0]) {
      const [body, tag] = pieces.sealPieces(A_2_1.pt, aad);
      assert.equal(tag.length, 16);
      assert.equal(toHex(Buffer.concat([body, tag])), toHex(joined.seal(A_2_1.pt, aad)));
    }
    assert.equal(pieces.sequence, 3);
    const [body, tag] = setupHpkeSender(hex(A_2_1.pkRm), {
      info: A_2_1.info,
      ephemeralPrivateKey: A_2_1.skEm,
    }).sealPieces(A_2_1.pt, A_2_1.aad0);
    assert.equal(toHex(Buffer.concat([body, tag])), A_2_1.ct0, 'RFC 9180 A.2.1 encryption 0');
  });

  it('interoperates with @hpke/core in both directions', async () => {
    const keys = generateHpkeKeyPair();
    const message = Buffer.from('ls -la /etc\r\n');

    const ours = setupHpkeSender(keys.publicKey);
    const sealedByUs = [ours.seal(message), ours.seal(message)];
    const theirRecipient = await referenceSuite.createRecipientContext({
      recipientKey: await referenceSuite.kem.importKey('raw', keys.privateKey, false),
      enc: ours.enc,
    });
    for (const ciphertext of sealedByUs) {
      assert.deepEqual(Buffer.from(await theirRecipient.open(ciphertext)), message);
    }

    const theirSender = await referenceSuite.createSenderContext({
      recipientPublicKey: await referenceSuite.kem.importKey('raw', keys.publicKey, true),
    });
    const sealedByThem = [await theirSender.seal(message), await theirSender.seal(message)];
    const ourRecipient = setupHpkeRecipient(keys.privateKey, new Uint8Array(theirSender.enc));
    for (const ciphertext of sealedByThem) {
      assert.deepEqual(Buffer.from(ourRecipient.open(new Uint8Array(ciphertext))), message);
    }
  });

  it('rejects keys of the wrong length with invalid_auditor_key', () => {
    assert.throws(
      () => setupHpkeSender(new Uint8Array(31)),
      (error: unknown) => error instanceof LatchkeyError && error.code === 'invalid_auditor_key',
    );
  });
});
