import assert from 'node:assert/strict';
import {
  DEFAULT_UID_MIN,
  parseUidMin,
  systemUsersOf,
} from '../../../../agent/src/domain/agent/system-accounts.js';

describe('agent/domain: system accounts', () => {
  it('reads UID_MIN from login.defs; the last valid line wins; the default when there is none', () => {
    assert.equal(parseUidMin('# UID_MIN 5\nUID_MIN\t\t 1000\nUID_MAX 60000\n'), 1000);
    assert.equal(parseUidMin('UID_MIN 500\nUID_MIN   2000  # site rule\n'), 2000);
    assert.equal(parseUidMin('UID_MIN 0\nUID_MIN abc\n#UID_MIN 10\n'), DEFAULT_UID_MIN);
    assert.equal(parseUidMin(undefined), DEFAULT_UID_MIN);
  });

  it('names the accounts below UID_MIN and nobody, skipping malformed lines', () => {
    const passwd = [
      'root:x:0:0:root:/root:/bin/bash',
      'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
      'sshd:x:105:65534::/run/sshd:/usr/sbin/nologin',
      'alice:x:1000:1000:Alice:/home/alice:/bin/bash',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
      'broken line',
      'weird:x:-1:0::/:/bin/sh',
      'root:x:0:0:duplicate:/root:/bin/sh',
      '+@netgroup::::::',
      '',
    ].join('\n');
    assert.deepEqual(systemUsersOf(passwd, 1000), ['root', 'daemon', 'sshd', 'nobody']);
    assert.deepEqual(systemUsersOf(passwd, 100), ['root', 'daemon', 'nobody']);
  });
});
