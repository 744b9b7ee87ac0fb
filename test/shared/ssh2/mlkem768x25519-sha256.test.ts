/**
 * The mlkem768x25519-sha256 arithmetic (shared/src/ssh2/mlkem768x25519-sha256.ts) with fixed keys, so
 * each half is a known answer: the ML-KEM-768 key from a NIST ACVP key-generation seed, the X25519 keys
 * and their shared secret from RFC 7748 §6.1, the ML-KEM encapsulation made deterministic (noble's `msg`).
 * The draft (draft-ietf-sshm-mlkem-hybrid-kex) has no test vectors of its own; K below was computed
 * from those inputs as the draft defines it: SHA-256(ML-KEM shared secret || X25519 shared secret).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { nobleMlKem768, type MlKem768 } from '@latchkey/shared/ssh2/ml-kem-768';
import {
  answerClient,
  CLIENT_INIT_BYTES,
  SERVER_REPLY_BYTES,
  startClient,
} from '@latchkey/shared/ssh2/mlkem768x25519-sha256';

const hex = (text: string) => Buffer.from(text, 'hex');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sha3 = (bytes: Uint8Array) => createHash('sha3-256').update(bytes).digest('hex');

/** NIST ACVP ML-KEM-768 keyGen: seed d || z and SHA3-256 of the encapsulation key (as NSS's KAT keeps it). */
const ACVP_SEED = hex(
  'E34A701C4C87582F42264EE422D3C684D97611F2523EFE0C998AF05056D693DCA85768F3486BD32A01BF9A8F21EA938E648EAE4E5448C34C3EB88820B159EEDD',
);
const ACVP_EK_SHA3 = 'e29020839d052fa372585627f8b59ee312ae414c979d825f06a6929a79625718';
/** RFC 7748 §6.1: Alice (here the client) and Bob (the server). */
const ALICE_PRIVATE = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_PRIVATE = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
const BOB_PUBLIC = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const X25519_SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
/** Pinned results for these inputs (computed once, then checked by the independent steps above). */
const KNOWN_REPLY_SHA256 = 'f83841f57abe7d3d8f8c0022dcf4c057100010f4641e96fb10dca3a25e868246';
const KNOWN_K = '6c7bd66fb3422860be9cc39fd7eb01988528721cf7604bad33d16bd36fe6f93b';
/** The encapsulation's 32 random bytes, fixed. */
const ENCAPSULATION_MESSAGE = Buffer.alloc(32, 0x42);

/** noble's ML-KEM-768 with a fixed encapsulation message: a deterministic server. */
const deterministicKem: MlKem768 = {
  ...nobleMlKem768,
  encapsulate(encapsulationKey) {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(encapsulationKey, ENCAPSULATION_MESSAGE);
    return { ciphertext: Buffer.from(cipherText), sharedSecret: Buffer.from(sharedSecret) };
  },
};

describe('mlkem768x25519-sha256', () => {
  const client = startClient(nobleMlKem768, { mlKemSeed: ACVP_SEED, x25519PrivateKey: ALICE_PRIVATE });
  const server = answerClient(deterministicKem, client.init, { x25519PrivateKey: BOB_PRIVATE });

  it("lays out the client's C_INIT as the ML-KEM encapsulation key, then the X25519 public key", () => {
    assert.equal(client.init.length, CLIENT_INIT_BYTES);
    assert.equal(CLIENT_INIT_BYTES, 1184 + 32);
    assert.equal(sha3(client.init.subarray(0, 1184)), ACVP_EK_SHA3);
    assert.equal(client.init.subarray(1184).toString('hex'), ALICE_PUBLIC);
  });

  it("lays out the server's S_REPLY as the ML-KEM ciphertext, then the X25519 public key", () => {
    assert.equal(server.reply.length, SERVER_REPLY_BYTES);
    assert.equal(SERVER_REPLY_BYTES, 1088 + 32);
    assert.equal(server.reply.subarray(1088).toString('hex'), BOB_PUBLIC);
  });

  it('derives K = SHA-256(ML-KEM secret || X25519 secret), the same on both sides', () => {
    const secretKey = ml_kem768.keygen(ACVP_SEED).secretKey;
    const kemSecret = ml_kem768.decapsulate(server.reply.subarray(0, 1088), secretKey);
    const expected = sha256(Buffer.concat([kemSecret, hex(X25519_SHARED)]));
    assert.equal(server.secret.toString('hex'), expected);
    assert.equal(client.finish(server.reply).toString('hex'), expected);
    // The whole exchange, pinned (a regression check of the above with these fixed inputs).
    assert.equal(sha256(server.reply), KNOWN_REPLY_SHA256);
    assert.equal(server.secret.toString('hex'), KNOWN_K);
  });

  it('agrees with fresh keys on both sides', () => {
    const fresh = startClient(nobleMlKem768);
    const answer = answerClient(nobleMlKem768, fresh.init);
    assert.deepEqual(fresh.finish(answer.reply), answer.secret);
    assert.equal(answer.secret.length, 32);
  });

  it('refuses a C_INIT of the wrong length, or whose ML-KEM key fails the FIPS 203 modulus check', () => {
    assert.throws(() => answerClient(nobleMlKem768, client.init.subarray(1)), /1216/);
    const badKey = Buffer.from(client.init);
    badKey.fill(0xff, 0, 384);
    assert.throws(() => answerClient(nobleMlKem768, badKey), /modulus/);
  });

  it('refuses an X25519 key that gives the all-zero secret, and an S_REPLY of the wrong length', () => {
    const lowOrder = Buffer.from(client.init);
    lowOrder.fill(0, 1184);
    assert.throws(() => answerClient(nobleMlKem768, lowOrder));
    const other = startClient(nobleMlKem768);
    const zeroReply = Buffer.from(server.reply);
    zeroReply.fill(0, 1088);
    assert.throws(() => other.finish(zeroReply));
    assert.throws(() => other.finish(server.reply.subarray(0, 1100)), /1120/);
  });
});
