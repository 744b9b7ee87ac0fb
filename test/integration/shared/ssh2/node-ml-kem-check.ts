/**
 * Run by ml-kem-768.test.ts on the agent package's Node 24 (whose OpenSSL 3.5 has ML-KEM; the tests
 * themselves run on Node 20, which has none): checks Node's ML-KEM-768 against noble's and against the
 * known answers, and prints what it found as one JSON line.
 */
import { createHash } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { mlKem768, nobleMlKem768, nodeMlKem768 } from '@latchkey/shared/ssh2/ml-kem-768';
import { answerClient, startClient } from '@latchkey/shared/ssh2/mlkem768x25519-sha256';

const [seedHex, messageHex] = process.argv.slice(2);
const seed = Buffer.from(seedHex!, 'hex');
const node = nodeMlKem768();
if (node === undefined) throw new Error(`Node ${process.version} has no ML-KEM-768`);

// Node's key from the ACVP seed, a ciphertext to it made deterministically by noble, decapsulated by Node.
const fromSeed = node.generateKeyPair(seed);
const { cipherText, sharedSecret } = ml_kem768.encapsulate(
  fromSeed.encapsulationKey,
  Buffer.from(messageHex!, 'hex'),
);
const nodeDecapsulated = fromSeed.decapsulate(Buffer.from(cipherText));

// Each direction between the two implementations, and the hybrid exchange with one on each side.
const nodeKey = node.generateKeyPair();
const toNode = nobleMlKem768.encapsulate(nodeKey.encapsulationKey);
const nobleKey = nobleMlKem768.generateKeyPair();
const toNoble = node.encapsulate(nobleKey.encapsulationKey);
const nodeClient = startClient(node);
const nobleServer = answerClient(nobleMlKem768, nodeClient.init);
const nobleClient = startClient(nobleMlKem768);
const nodeServer = answerClient(node, nobleClient.init);
const badKey = Buffer.from(nodeKey.encapsulationKey);
badKey.fill(0xff, 0, 384);
let refusesBadKey = false;
try {
  node.encapsulate(badKey);
} catch {
  refusesBadKey = true;
}

console.log(
  JSON.stringify({
    chosen: mlKem768().implementation,
    encapsulationKeySha3: createHash('sha3-256').update(fromSeed.encapsulationKey).digest('hex'),
    decapsulatesNoble: nodeDecapsulated.equals(Buffer.from(sharedSecret)),
    nobleDecapsulatesNode: nobleKey.decapsulate(toNoble.ciphertext).equals(toNoble.sharedSecret),
    nodeDecapsulatesNoble: nodeKey.decapsulate(toNode.ciphertext).equals(toNode.sharedSecret),
    hybridNodeClient: nodeClient.finish(nobleServer.reply).equals(nobleServer.secret),
    hybridNodeServer: nobleClient.finish(nodeServer.reply).equals(nodeServer.secret),
    refusesBadKey,
  }),
);
