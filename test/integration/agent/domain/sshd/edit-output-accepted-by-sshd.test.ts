import assert from 'node:assert/strict';
import { join } from 'node:path';
import { editSshdConfig } from '../../../../../agent/src/domain/sshd/edit-sshd-config.js';
import { createTempDir, type TempDir } from '../../../../harness/index.js';
import { applyEdit, loadGoldenCases } from '../../../../agent/domain/sshd/golden-cases.js';
import { checkWithRealSshd, makeSshdCheckKit, type SshdCheckKit } from './real-sshd-check.js';

describe('every golden edit is accepted by the real sshd (sshd -t, sshd -T)', function () {
  this.timeout(60_000);
  let dir: TempDir;
  let kit: SshdCheckKit;
  before(async () => {
    dir = await createTempDir('sshd-golden');
    kit = await makeSshdCheckKit(dir);
  });
  after(async () => {
    await dir?.remove();
  });

  for (const golden of loadGoldenCases()) {
    it(golden.name, async () => {
      const before = await checkWithRealSshd(
        kit,
        join(dir.path, golden.name, 'before'),
        golden.files,
        golden.input.mainPath,
      );
      assert.equal(before.code, 0, `the input itself must be valid: ${before.stderr}`);

      const edit = editSshdConfig(golden.input);
      const mainPath = edit.writes.find((w) => w.role === 'main')?.path ?? golden.input.mainPath;
      const root = join(dir.path, golden.name, 'after');
      const verdict = await checkWithRealSshd(kit, root, applyEdit(golden.files, edit), mainPath);
      assert.equal(verdict.code, 0, `sshd -t rejected the edited config: ${verdict.stderr}`);
      assert.deepEqual(verdict.effective.get('pubkeyauthentication'), ['yes']);
      assert.deepEqual(verdict.effective.get('trustedusercakeys'), [`${root}/etc/ssh/ca.pub`]);
    });
  }
});
