/**
 * ML-KEM-768 (shared/src/ssh2/ml-kem-768.ts): noble's against a NIST ACVP key-generation vector, and
 * Node's own (OpenSSL 3.5, what the packaged agent runs: Node 24.21.0, whose npm tarball
 * scripts/package-agent.mjs caches) against noble's in both directions, run on that Node 24.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mlKem768, nobleMlKem768, nodeMlKem768 } from '@latchkey/shared/ssh2/ml-kem-768';
import { runCommand } from '../../../harness/run-command.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const ACVP_SEED =
  'E34A701C4C87582F42264EE422D3C684D97611F2523EFE0C998AF05056D693DCA85768F3486BD32A01BF9A8F21EA938E648EAE4E5448C34C3EB88820B159EEDD';
const ACVP_EK_SHA3 = 'e29020839d052fa372585627f8b59ee312ae414c979d825f06a6929a79625718';

/** The agent package's Node, where scripts/package-agent.mjs caches it (its NODE_VERSION). */
function packagedNode(): string {
  const script = readFileSync(join(repo, 'scripts/package-agent.mjs'), 'utf8');
  const version = /export const NODE_VERSION = '([\d.]+)'/.exec(script)?.[1];
  assert.ok(version, "scripts/package-agent.mjs's NODE_VERSION");
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'latchkey', 'agent-package');
  return join(cache, `node-${version}`, 'package', 'bin', 'node');
}

describe('ML-KEM-768', () => {
  it("noble's key generation matches the NIST ACVP vector", () => {
    const key = nobleMlKem768.generateKeyPair(Buffer.from(ACVP_SEED, 'hex'));
    assert.equal(createHash('sha3-256').update(key.encapsulationKey).digest('hex'), ACVP_EK_SHA3);
  });

  it("noble's encapsulation round-trips and refuses a key that fails the modulus check", () => {
    const key = nobleMlKem768.generateKeyPair();
    const { ciphertext, sharedSecret } = nobleMlKem768.encapsulate(key.encapsulationKey);
    assert.equal(ciphertext.length, 1088);
    assert.deepEqual(key.decapsulate(ciphertext), sharedSecret);
    const bad = Buffer.from(key.encapsulationKey);
    bad.fill(0xff, 0, 384);
    assert.throws(() => nobleMlKem768.encapsulate(bad));
  });

  it("this runtime uses Node's ML-KEM when it has one, else noble's", () => {
    assert.equal(
      mlKem768().implementation,
      nodeMlKem768() === undefined ? '@noble/post-quantum' : 'node:crypto',
    );
  });

  it("Node 24's ML-KEM (the packaged agent's) matches the vector and interoperates with noble's", async function () {
    this.timeout(60_000);
    const node = packagedNode();
    if (!existsSync(node)) {
      // scripts/test.sh fetches it before the tests (npm run package:agent); under CI its absence fails.
      if (process.env.CI === 'true') assert.fail(`no Node 24 at ${node}: run npm run package:agent`);
      this.skip();
    }
    const result = await runCommand(
      node,
      [
        '--conditions=latchkey-source',
        '--import',
        'tsx',
        join(repo, 'test/integration/shared/ssh2/node-ml-kem-check.ts'),
        ACVP_SEED,
        '42'.repeat(32),
      ],
      { timeoutMs: 50_000, cwd: repo },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout.trim().split('\n').at(-1)!), {
      chosen: 'node:crypto',
      encapsulationKeySha3: ACVP_EK_SHA3,
      decapsulatesNoble: true,
      nobleDecapsulatesNode: true,
      nodeDecapsulatesNoble: true,
      hybridNodeClient: true,
      hybridNodeServer: true,
      refusesBadKey: true,
    });
  });
});
