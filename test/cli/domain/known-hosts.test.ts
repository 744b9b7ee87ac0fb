import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  changedHostKeyMessage,
  forgetHostKey,
  reportsChangedHostKey,
} from '../../../cli/src/domain/known-hosts.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

function hashed(host: string): string {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(host).digest('base64')}`;
}

describe('forgetHostKey', () => {
  it('removes the entries of that host (plain, with a port, hashed, any case) and keeps the rest', () => {
    const text = [
      '# pinned by latchkey',
      `web-1 ${KEY}`,
      `db-1 ${KEY}`,
      `[WEB-1]:2222 ${KEY}`,
      `${hashed('web-1')} ${KEY}`,
      `${hashed('db-1')} ${KEY}`,
      `web-10 ${KEY}`,
      `@cert-authority web-1 ${KEY}`,
      '',
    ].join('\n');
    const result = forgetHostKey(text, 'Web-1');
    assert.equal(result.removed, 3);
    assert.equal(
      result.text,
      [
        '# pinned by latchkey',
        `db-1 ${KEY}`,
        `${hashed('db-1')} ${KEY}`,
        `web-10 ${KEY}`,
        `@cert-authority web-1 ${KEY}`,
        '',
      ].join('\n'),
    );
  });

  it('removes a line that lists the host among others', () => {
    assert.deepEqual(forgetHostKey(`a,web-1,b ${KEY}\n`, 'web-1'), { text: '', removed: 1 });
  });

  it('changes nothing when the host is not pinned', () => {
    const text = `db-1 ${KEY}\n`;
    assert.deepEqual(forgetHostKey(text, 'web-1'), { text, removed: 0 });
  });
});

describe('changed host keys', () => {
  it("recognises ssh's refusal", () => {
    const stderr = [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'Host key for web-1 has changed and you have requested strict checking.',
      'Host key verification failed.',
    ].join('\n');
    assert.ok(reportsChangedHostKey(stderr));
    assert.ok(!reportsChangedHostKey('Permission denied (publickey).'));
  });

  it('names the target, the file and the fix', () => {
    const message = changedHostKeyMessage('web-1', '/home/a/.config/latchkey/known_hosts');
    assert.match(message, /web-1/);
    assert.match(message, /\/home\/a\/\.config\/latchkey\/known_hosts/);
    assert.match(message, /`latchkey known-hosts forget web-1`/);
  });
});
