import assert from 'node:assert/strict';
import { editSshdConfig } from '../../../../agent/src/domain/sshd/edit-sshd-config.js';
import { undoSshdConfigEdit } from '../../../../agent/src/domain/sshd/undo-sshd-config-edit.js';
import { readGlobalView } from '../../../../agent/src/domain/sshd/sshd-global-directives.js';
import {
  UPDATE_GOLDEN,
  applyEdit,
  decisionOf,
  loadGoldenCases,
  readExpected,
  writeExpected,
} from './golden-cases.js';

const cases = loadGoldenCases();

describe('editSshdConfig on stock configs and variants (golden files)', () => {
  it('has the distros and variants the issue asks for', () => {
    const names = cases.map((c) => c.name);
    for (const name of [
      'debian-12',
      'debian-10',
      'ubuntu-20.04',
      'ubuntu-22.04',
      'ubuntu-24.04',
      'centos-7',
      'rhel-9',
      'fedora-40',
      'amazon-linux-2023',
      'opensuse-tumbleweed',
      'alpine-3.20',
      'arch',
      'variant-match-blocks',
      'variant-pubkey-no',
      'variant-foreign-ca',
      'variant-crlf',
      'variant-key-equals-value',
    ]) {
      assert.ok(names.includes(name), `missing golden case ${name}`);
    }
  });

  for (const golden of cases) {
    describe(golden.name, () => {
      const edit = editSshdConfig(golden.input);
      const after = applyEdit(golden.files, edit);

      it('writes exactly the expected files and decision', () => {
        if (UPDATE_GOLDEN) writeExpected(golden, edit);
        const expected = readExpected(golden);
        assert.deepEqual(decisionOf(edit), expected.decision);
        assert.deepEqual(
          edit.writes.map((w) => w.path).sort(),
          [...expected.files.keys()].sort(),
          'the written files are the ones with .expected outputs',
        );
        for (const write of edit.writes)
          assert.equal(write.content, expected.files.get(write.path), write.path);
      });

      it('leaves sshd with PubkeyAuthentication yes and our TrustedUserCAKeys first, before any Match', () => {
        const mainPath = edit.writes.find((w) => w.role === 'main')?.path ?? golden.input.mainPath;
        const view = readGlobalView({
          mainPath,
          mainText: after.get(mainPath)!,
          included: new Map([...after].filter(([path]) => path !== mainPath)),
        });
        const first = (keyword: string) => view.directives.find((d) => d.line.keyword === keyword)?.line.args;
        assert.deepEqual(first('pubkeyauthentication'), ['yes']);
        assert.deepEqual(first('trustedusercakeys'), ['/etc/ssh/ca.pub']);
      });

      it('is idempotent: editing its own output changes nothing', () => {
        const mainPath = edit.writes.find((w) => w.role === 'main')?.path ?? golden.input.mainPath;
        const again = editSshdConfig({
          mainPath,
          mainText: after.get(mainPath)!,
          included: new Map([...after].filter(([path]) => path !== mainPath)),
        });
        assert.deepEqual(again.writes, []);
        assert.deepEqual(again.deletes, []);
        assert.equal(again.method, edit.method);
      });

      it('is undone byte for byte without a backup', () => {
        const mainPath = edit.writes.find((w) => w.role === 'main')?.path ?? golden.input.mainPath;
        const undo = undoSshdConfigEdit({
          mainPath,
          mainText: after.get(mainPath)!,
          included: new Map([...after].filter(([path]) => path !== mainPath)),
        });
        const restored = new Map(after);
        for (const path of undo.deletes) restored.delete(path);
        for (const write of undo.writes) restored.set(write.path, write.content);
        if (mainPath !== golden.input.mainPath) {
          // openSUSE-style: the in-place copy was a new file next to the vendor one; uninstall deletes it.
          restored.delete(mainPath);
        }
        assert.deepEqual(restored, new Map(golden.files));
      });
    });
  }
});
