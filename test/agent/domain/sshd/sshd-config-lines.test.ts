import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import {
  joinLines,
  parseSshdConfig,
  quoteArgument,
  splitArguments,
  splitLines,
} from '../../../../agent/src/domain/sshd/sshd-config-lines.js';
import {
  expandIncludePattern,
  absoluteIncludePattern,
} from '../../../../agent/src/domain/sshd/sshd-include.js';

describe('sshd_config reader', () => {
  const cases: [string, string, string, string[]][] = [
    ['Key value', 'PubkeyAuthentication yes', 'pubkeyauthentication', ['yes']],
    ['Key=value', 'PubkeyAuthentication=no', 'pubkeyauthentication', ['no']],
    ['Key = value', 'Port = 2222', 'port', ['2222']],
    ['leading whitespace and tabs', '\t  Port\t22', 'port', ['22']],
    ['upper case keyword', 'TRUSTEDUSERCAKEYS /etc/ssh/ca.pub', 'trustedusercakeys', ['/etc/ssh/ca.pub']],
    ['double quotes', 'AuthorizedKeysFile ".ssh/a b" x', 'authorizedkeysfile', ['.ssh/a b', 'x']],
    ['single quotes', "Banner '/etc/issue net'", 'banner', ['/etc/issue net']],
    ['escaped quote', 'ForceCommand "echo \\"hi\\""', 'forcecommand', ['echo "hi"']],
    ['trailing comment', 'PrintMotd no # pam does that', 'printmotd', ['no']],
    ['trailing CR and form feed', 'Port 22 \f', 'port', ['22']],
    ['Include with several globs', 'Include a/*.conf "b c/*.conf"', 'include', ['a/*.conf', 'b c/*.conf']],
  ];
  for (const [name, line, keyword, args] of cases) {
    it(`reads ${name}`, () => {
      const [parsed] = parseSshdConfig(line, 'x');
      assert.equal(parsed!.kind, 'directive');
      assert.equal(parsed!.keyword, keyword);
      assert.deepEqual(parsed!.args, args);
    });
  }

  it('sees directives inside comments (stock defaults) and keeps prose as plain comments', () => {
    const [a, b, c] = parseSshdConfig(
      '#PubkeyAuthentication yes\n#  PubkeyAuthentication no\n# "unbalanced\n',
      'x',
    );
    assert.deepEqual(a!.commented, { keyword: 'pubkeyauthentication', args: ['yes'] });
    assert.deepEqual(b!.commented, { keyword: 'pubkeyauthentication', args: ['no'] });
    assert.equal(c!.commented, undefined);
  });

  it('keeps every byte: LF, CRLF, no final newline, empty text', () => {
    for (const text of ['', 'a', 'a\n', 'a\r\nb\r\n', 'a\nb', '\n\n', 'x\r\ny\nz', 'lone\rcr\n']) {
      assert.equal(joinLines(splitLines(text)), text);
    }
    assert.deepEqual(splitLines('a\r\nb'), [
      { text: 'a', eol: '\r\n' },
      { text: 'b', eol: '' },
    ]);
  });

  it('rejects an unterminated quote, as sshd does', () => {
    assert.throws(
      () => parseSshdConfig('Port 22\nBanner "/etc/issue\n', '/etc/ssh/sshd_config'),
      (error) =>
        isLatchkeyError(error, 'invalid_sshd_config') && /line 2: unterminated quote/.test(error.message),
    );
  });

  it('splits arguments like argv_split and quotes them back', () => {
    assert.deepEqual(splitArguments('a\\ b c'), ['a b', 'c']);
    assert.deepEqual(splitArguments('"a # b" # rest'), ['a # b']);
    assert.equal(splitArguments('"open'), undefined);
    for (const value of ['/etc/ssh/ca.pub', 'a b', 'q"uote', 'back\\slash', 'hash#']) {
      assert.deepEqual(splitArguments(quoteArgument(value)), [value]);
    }
  });
});

describe('Include patterns', () => {
  const files = [
    '/etc/ssh/sshd_config.d/50-cloud-init.conf',
    '/etc/ssh/sshd_config.d/00-latchkey.conf',
    '/etc/ssh/sshd_config.d/0-early.conf',
    '/etc/ssh/sshd_config.d/.hidden.conf',
    '/etc/ssh/sshd_config.d/notes.txt',
    '/etc/ssh/sshd_config.d/sub/x.conf',
    '/etc/ssh/sshd_config.d/{a,b}.conf',
  ];
  const table: [string, string[]][] = [
    [
      '/etc/ssh/sshd_config.d/*.conf',
      [
        '/etc/ssh/sshd_config.d/0-early.conf',
        '/etc/ssh/sshd_config.d/00-latchkey.conf',
        '/etc/ssh/sshd_config.d/50-cloud-init.conf',
        '/etc/ssh/sshd_config.d/{a,b}.conf',
      ],
    ],
    [
      '/etc/ssh/sshd_config.d/[0-4]*.conf',
      ['/etc/ssh/sshd_config.d/0-early.conf', '/etc/ssh/sshd_config.d/00-latchkey.conf'],
    ],
    ['/etc/ssh/sshd_config.d/0?-*.conf', ['/etc/ssh/sshd_config.d/00-latchkey.conf']],
    ['/etc/ssh/sshd_config.d/**/*.conf', ['/etc/ssh/sshd_config.d/sub/x.conf']],
    ['/etc/ssh/sshd_config.d/{a,b}.conf', ['/etc/ssh/sshd_config.d/{a,b}.conf']],
    ['/etc/ssh/sshd_config.d/50-cloud-init.conf', ['/etc/ssh/sshd_config.d/50-cloud-init.conf']],
  ];
  for (const [pattern, expected] of table) {
    it(`${pattern} matches like glob(3), sorted`, () => {
      assert.deepEqual(expandIncludePattern(pattern, files), expected);
    });
  }

  it('reads relative paths against /etc/ssh, not the including file', () => {
    assert.equal(absoluteIncludePattern('sshd_config.d/*.conf'), '/etc/ssh/sshd_config.d/*.conf');
    assert.equal(absoluteIncludePattern('/opt/x.conf'), '/opt/x.conf');
    assert.equal(absoluteIncludePattern('x.conf', '/usr/etc/ssh/'), '/usr/etc/ssh/x.conf');
  });
});
