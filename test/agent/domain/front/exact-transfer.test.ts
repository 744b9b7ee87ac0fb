import assert from 'node:assert/strict';
import { classifyExactTransfer, isSimpleCommand } from '../../../../agent/src/domain/front/exact-transfer.js';

describe('agent/domain/front: classifyExactTransfer (a transfer label only for plain transfers)', () => {
  const transfers: [string, string, string][] = [
    ['scp -t /tmp', 'scp', 'upload'],
    ["scp -f 'my file.txt'", 'scp', 'download'],
    ['rsync --server -vlogDtpre.iLsfxCIvu . /tmp/x', 'rsync', 'upload'],
    ['rsync --server --sender -vlogDtpre.iLsfxCIvu . /tmp/x', 'rsync', 'download'],
    ['/usr/lib/openssh/sftp-server', 'sftp-server', 'both'],
  ];
  for (const [line, program, direction] of transfers) {
    it(`labels ${JSON.stringify(line)} a ${program} ${direction}`, () => {
      assert.deepEqual(classifyExactTransfer(line), { program, direction });
    });
  }

  const disguises = [
    '/usr/lib/openssh/sftp-server </dev/null; echo SECRET',
    'scp -t /tmp; echo SECRET',
    'rsync --server . /tmp && sh',
    'scp -t $(id)',
    'scp -t `id`',
    'scp -t "$HOME"',
    'scp -t /tmp\necho SECRET',
    'scp -t /tmp | tee x',
    "scp -t 'unclosed",
    'scp -t /tmp # comment',
  ];
  for (const line of disguises) {
    it(`refuses the label for ${JSON.stringify(line)}`, () => {
      assert.equal(classifyExactTransfer(line), null);
    });
  }

  it('takes quoted words without expansions as simple', () => {
    assert.equal(isSimpleCommand(`scp -t 'a;b' "c d"`), true);
    assert.equal(isSimpleCommand('scp -t "a$b"'), false);
  });
});
