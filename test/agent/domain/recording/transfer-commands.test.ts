import assert from 'node:assert/strict';
import {
  classifyTransferCommand,
  isSftpServerCommand,
  splitShellWords,
} from '../../../../agent/src/domain/recording/transfer-commands.js';

describe('classifyTransferCommand', () => {
  const cases: [string, ReturnType<typeof classifyTransferCommand>][] = [
    ['scp -t .', { program: 'scp', direction: 'upload' }],
    ['scp -r -p -t -- /srv/data', { program: 'scp', direction: 'upload' }],
    ['scp -pt /tmp', { program: 'scp', direction: 'upload' }],
    ['scp -f file.txt', { program: 'scp', direction: 'download' }],
    ["/usr/bin/scp -v -f 'a b.txt'", { program: 'scp', direction: 'download' }],
    ['rsync --server -logDtpre.iLsfxCIvu . dest', { program: 'rsync', direction: 'upload' }],
    ['rsync --server --sender -logDtpre.iLsfxCIvu . src', { program: 'rsync', direction: 'download' }],
    ['internal-sftp', { program: 'sftp-server', direction: 'both' }],
    ['/usr/lib/openssh/sftp-server -l INFO', { program: 'sftp-server', direction: 'both' }],
    ['scp', null],
    ['rsync -a a b', null],
    ['echo scp -t', null],
    ['ls -la', null],
    ['', null],
  ];
  for (const [line, expected] of cases) {
    it(`${JSON.stringify(line)} → ${JSON.stringify(expected)}`, () =>
      assert.deepEqual(classifyTransferCommand(line), expected));
  }
});

describe('sftp server command', () => {
  it('recognises internal-sftp and sftp-server binaries only', () => {
    assert.equal(isSftpServerCommand('internal-sftp -u 022'), true);
    assert.equal(isSftpServerCommand('/usr/libexec/openssh/sftp-server'), true);
    assert.equal(isSftpServerCommand('sftp'), false);
    assert.equal(isSftpServerCommand('echo internal-sftp'), false);
  });
});

describe('splitShellWords', () => {
  const cases: [string, string[]][] = [
    ['a b  c', ['a', 'b', 'c']],
    ['\'a b\' "c d" e\\ f', ['a b', 'c d', 'e f']],
    ["\"x\\\"y\" 'it'\\''s'", ['x"y', "it's"]],
    ["''", ['']],
    ['  ', []],
  ];
  for (const [line, words] of cases) {
    it(`${JSON.stringify(line)}`, () => assert.deepEqual(splitShellWords(line), words));
  }
});
