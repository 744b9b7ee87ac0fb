// The front's inner keys, drawn in bulk: every key the agent makes must be one ssh2 (the front's SSH
// server) reads, and ssh2's own generator fails that for one key in 256. Here rather than in the unit
// tier (test/agent/front/front-keys.test.ts) because 600 keys take 3 to 8 s: sshpk writes each one's
// OpenSSH text in pure JavaScript (issue 17 keeps the unit tier under 20 s).
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import { generateInnerKey } from '../../../../agent/src/front/front-keys.js';

describe('agent/front/front-keys: keys ssh2 reads, every time', () => {
  it("makes inner keys that ssh2 reads, 600 in a row (ssh2's generator fails this 9 times in 10)", () => {
    for (let i = 0; i < 600; i++) {
      const parsed = ssh2.utils.parseKey(generateInnerKey().keyOpenSsh);
      assert.ok(!(parsed instanceof Error), `key ${i + 1}: ${(parsed as Error).message}`);
    }
  });
});
