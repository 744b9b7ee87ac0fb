// The front's keys: every key the agent makes must be one ssh2 (the front's SSH server) reads. ssh2's own
// generator fails that for one key in 256, which kept an agent from ever starting (found in this stop).
// Drawing 600 inner keys in a row takes 3 to 8 s: that test is in test/integration/agent/front/.
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { generateSshKeyPair } from '@latchkey/shared';
import { loadOrCreateFrontKeys } from '../../../agent/src/front/front-keys.js';
import { createTempDir, type TempDir } from '../../harness/temp-dir.js';

describe('agent/front/front-keys: keys ssh2 reads, every time', () => {
  let dir: TempDir;
  before(async () => {
    dir = await createTempDir('front-keys');
  });
  after(async () => {
    await dir?.remove();
  });

  it('writes a key whose public key starts with 0 so that ssh2 reads it', () => {
    // The case ssh2's own generator gets wrong, drawn on purpose (one key in 256).
    let key = generateSshKeyPair('ed25519');
    while (key.publicKey.blob[19] !== 0) key = generateSshKeyPair('ed25519');
    const parsed = ssh2.utils.parseKey(key.toOpenSSH('latchkey-front-inner'));
    assert.ok(!(parsed instanceof Error), (parsed as Error).message);
    assert.deepEqual(
      Buffer.from((parsed as { getPublicSSH(): Buffer }).getPublicSSH()),
      Buffer.from(key.publicKey.blob),
    );
  });

  it('sets aside a malformed key file an older agent wrote, and makes a readable one', async () => {
    const stateDir = dir.file('state');
    await mkdir(`${stateDir}/front`, { recursive: true });
    // What ssh2's generator wrote for a public key starting with 0: a 31-byte key it then refuses.
    let malformed: string;
    do malformed = ssh2.utils.generateKeyPairSync('ed25519').private;
    while (!(ssh2.utils.parseKey(malformed) instanceof Error));
    await writeFile(`${stateDir}/front/ssh_host_ed25519_key`, malformed, { mode: 0o600 });

    const keys = await loadOrCreateFrontKeys(stateDir);

    assert.ok(!(ssh2.utils.parseKey(keys.hostKeyOpenSsh) instanceof Error));
    assert.equal(await readFile(`${stateDir}/front/ssh_host_ed25519_key.malformed`, 'utf8'), malformed);
    assert.deepEqual((await readdir(`${stateDir}/front`)).sort(), [
      'host_ca_ed25519_key',
      'ssh_host_ed25519_key',
      'ssh_host_ed25519_key.malformed',
    ]);
    // And a readable key is kept as it is on the next start.
    assert.equal((await loadOrCreateFrontKeys(stateDir)).hostKeyOpenSsh, keys.hostKeyOpenSsh);
  });
});
