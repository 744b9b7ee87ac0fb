import assert from 'node:assert/strict';
import { INCLUDE_COMMENT, addInclude, hasInclude } from '../../../cli/src/domain/ssh-include.js';

const PATH = '/home/a/.config/latchkey/ssh_config';

describe('addInclude', () => {
  it('makes a config holding only the Include when there is none', () => {
    assert.equal(addInclude(undefined, PATH), `${INCLUDE_COMMENT}\nInclude ${PATH}\n`);
    assert.equal(addInclude('', PATH), `${INCLUDE_COMMENT}\nInclude ${PATH}\n`);
  });

  it('puts the Include at the very top, before any Host block, and keeps the rest byte for byte', () => {
    const existing = 'Host *\n  ServerAliveInterval 30\n\nHost gh\n  HostName github.com\n';
    assert.equal(addInclude(existing, PATH), `${INCLUDE_COMMENT}\nInclude ${PATH}\n\n${existing}`);
  });

  it('keeps CRLF line ends', () => {
    const existing = 'Host *\r\n  User me\r\n';
    assert.equal(addInclude(existing, PATH), `${INCLUDE_COMMENT}\r\nInclude ${PATH}\r\n\r\n${existing}`);
  });

  it('quotes a path with spaces', () => {
    assert.match(addInclude(undefined, '/home/a b/ssh_config')!, /^Include "\/home\/a b\/ssh_config"$/m);
  });

  it('is idempotent: nothing to do when the file is already included, however it is written', () => {
    const once = addInclude('Host x\n', PATH)!;
    assert.equal(addInclude(once, PATH), undefined);
    for (const line of [
      `include ${PATH}`,
      `  Include "${PATH}"`,
      `Include=${PATH}`,
      `Include ~/other ${PATH}`,
    ]) {
      assert.ok(hasInclude(`Host *\n${line}\n`, PATH), line);
    }
    assert.ok(!hasInclude(`Include ${PATH}.old\n# Include ${PATH}\n`, PATH));
  });
});
