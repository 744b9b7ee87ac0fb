import assert from 'node:assert/strict';
import { join } from 'node:path';
import { editSshdConfig } from '../../../../../agent/src/domain/sshd/edit-sshd-config.js';
import { BLOCK_BEGIN, BLOCK_END } from '../../../../../agent/src/domain/sshd/latchkey-sshd-block.js';
import { parseSshdConfig } from '../../../../../agent/src/domain/sshd/sshd-config-lines.js';
import { readGlobalView } from '../../../../../agent/src/domain/sshd/sshd-global-directives.js';
import { undoSshdConfigEdit } from '../../../../../agent/src/domain/sshd/undo-sshd-config-edit.js';
import { createTempDir, type TempDir } from '../../../../harness/index.js';
import { applyEdit } from '../../../../agent/domain/sshd/golden-cases.js';
import { randomHost, type RandomHost } from '../../../../agent/domain/sshd/random-sshd-config.js';
import { checkWithRealSshd, makeSshdCheckKit, type SshdCheckKit } from './real-sshd-check.js';

const CASES = 400;
const SSHD_SAMPLE = 40;
const hosts = Array.from({ length: CASES }, (_, i) => randomHost(1000 + i));

function filesOf(host: RandomHost): Map<string, string> {
  return new Map([[host.mainPath, host.mainText], ...host.included]);
}

function editAndApply(host: RandomHost) {
  const edit = editSshdConfig(host);
  return { edit, after: applyEdit(filesOf(host), edit) };
}

function view(files: ReadonlyMap<string, string>) {
  return readGlobalView({
    mainPath: '/etc/ssh/sshd_config',
    mainText: files.get('/etc/ssh/sshd_config')!,
    included: new Map([...files].filter(([path]) => path !== '/etc/ssh/sshd_config')),
  });
}

describe(`editSshdConfig on ${CASES} random valid configurations`, () => {
  it('makes our values the first global ones, with our block before the first Match', () => {
    for (const host of hosts) {
      const { edit, after } = editAndApply(host);
      const v = view(after);
      const first = (k: string) => v.directives.find((d) => d.line.keyword === k)?.line.args[0];
      assert.equal(first('pubkeyauthentication')?.toLowerCase(), 'yes', `seed ${host.seed}`);
      assert.equal(first('trustedusercakeys'), '/etc/ssh/ca.pub', `seed ${host.seed}`);
      const main = parseSshdConfig(after.get(host.mainPath)!, host.mainPath);
      const end = main.findIndex((line) => line.text === BLOCK_END);
      if (edit.method === 'in-place') {
        assert.ok(
          end >= 0 && end < v.firstMatchIndex,
          `seed ${host.seed}: block ends before the first Match`,
        );
        assert.equal(main.filter((line) => line.text === BLOCK_BEGIN).length, 1, `seed ${host.seed}`);
      } else {
        assert.equal(end, -1, `seed ${host.seed}: ${edit.method} leaves the main file alone`);
      }
    }
  });

  it('is idempotent and undone byte for byte', () => {
    for (const host of hosts) {
      const { edit, after } = editAndApply(host);
      const again = editSshdConfig({
        mainPath: host.mainPath,
        mainText: after.get(host.mainPath)!,
        included: new Map([...after].filter(([path]) => path !== host.mainPath)),
      });
      assert.deepEqual(
        [again.writes, again.deletes, again.method],
        [[], [], edit.method],
        `seed ${host.seed}`,
      );
      const undo = undoSshdConfigEdit({
        mainPath: host.mainPath,
        mainText: after.get(host.mainPath)!,
        included: new Map([...after].filter(([path]) => path !== host.mainPath)),
      });
      const restored = new Map(after);
      for (const path of undo.deletes) restored.delete(path);
      for (const write of undo.writes) restored.set(write.path, write.content);
      assert.deepEqual(restored, filesOf(host), `seed ${host.seed}`);
    }
  });

  describe(`a sample of ${SSHD_SAMPLE} checked by the real sshd`, function () {
    this.timeout(120_000);
    let dir: TempDir;
    let kit: SshdCheckKit;
    before(async () => {
      dir = await createTempDir('sshd-random');
      kit = await makeSshdCheckKit(dir);
    });
    after(async () => {
      await dir?.remove();
    });

    it('accepts input and output, and -T shows our CA file unless a Match block overrides it (with a warning)', async () => {
      let checked = 0;
      for (const host of hosts.filter((_, i) => i % Math.floor(CASES / SSHD_SAMPLE) === 0)) {
        const root = join(dir.path, String(host.seed));
        const before = await checkWithRealSshd(kit, join(root, 'before'), filesOf(host), host.mainPath);
        assert.equal(
          before.code,
          0,
          `seed ${host.seed}: the generator made an invalid input: ${before.stderr}`,
        );
        const { edit, after } = editAndApply(host);
        const verdict = await checkWithRealSshd(kit, join(root, 'after'), after, host.mainPath);
        assert.equal(verdict.code, 0, `seed ${host.seed}: ${verdict.stderr}`);
        const ours =
          verdict.effective.get('pubkeyauthentication')?.join() === 'yes' &&
          verdict.effective.get('trustedusercakeys')?.join() === `${join(root, 'after')}/etc/ssh/ca.pub`;
        // A Match block that sets either keyword (`Match all` applies even to sshd -T without -C) wins over
        // any global value for the connections it matches: Latchkey leaves the admin's Match blocks alone and
        // must say so. Without such a block, sshd's effective values must be Latchkey's.
        if (edit.warnings.length === 0)
          assert.ok(ours, `seed ${host.seed}: sshd -T does not show our values`);
        if (!ours) assert.match(edit.warnings.join('\n'), /inside a Match block/, `seed ${host.seed}`);
        checked += ours ? 1 : 0;
      }
      assert.ok(checked >= SSHD_SAMPLE / 2, `only ${checked} configurations showed our values`);
    });
  });
});
