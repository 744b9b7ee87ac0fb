import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { generateSshKeyPair, isLatchkeyError } from '@latchkey/shared';
import {
  changedHostKeyMessage,
  forgetHostKey,
  pinHostCa,
  pinHostKey,
  refusedServerHostKeyMessage,
  reportsChangedHostKey,
  reportsRefusedHostKey,
  serverHostKey,
} from '../../../cli/src/domain/known-hosts.js';
import { RSA_3072_PUBLIC_KEY } from '../../support/fixed-keys.js';

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

describe('serverHostKey (the host key the access server gives for a fronted target)', () => {
  const key = generateSshKeyPair('ed25519').publicKey;
  const canonical = key.toAuthorizedKey();
  const data = canonical.split(' ')[1]!;
  const rsa = RSA_3072_PUBLIC_KEY;

  const accepted: [string, string, string][] = [
    ['a plain line', canonical, canonical],
    ['a line with a comment (dropped)', `${canonical} root@web-1`, canonical],
    ['a comment with spaces', `${canonical} the front of web-1`, canonical],
    ['surrounding blanks and a final newline', `  ${canonical}\n`, canonical],
    ['an RSA key', rsa, rsa],
  ];
  for (const [what, given, expected] of accepted) {
    it(`takes ${what}`, () => assert.equal(serverHostKey(given, 'web-1'), expected));
  }

  const refused: [string, string, RegExp][] = [
    ['a second line', `${canonical}\n* ${canonical}`, /line break/],
    ['a carriage return', `${canonical}\r@cert-authority * ${canonical}`, /control character/],
    ['a tab', `ssh-ed25519\t${data}`, /control character/],
    ['a marker line', `@cert-authority * ${canonical}`, /not one OpenSSH public key line/],
    ['a host pattern before the key', `* ${canonical}`, /cannot be read|not one OpenSSH/],
    ['a certificate', `ssh-ed25519-cert-v01@openssh.com ${data}`, /certificate/],
    ['a type that does not match the data', `ssh-rsa ${data}`, /ssh-rsa but its data is a ssh-ed25519 key/],
    ['data that is not base64', 'ssh-ed25519 not*base64', /cannot be read/],
    ['only a type', 'ssh-ed25519', /not one OpenSSH public key line/],
    ['nothing', '', /not one OpenSSH public key line/],
  ];
  for (const [what, given, reason] of refused) {
    it(`refuses ${what}, naming the target`, () => {
      assert.throws(
        () => serverHostKey(given, 'web-1'),
        (e) =>
          isLatchkeyError(e, 'internal') &&
          e.message.includes("the access server's host key for web-1") &&
          reason.test(e.message),
      );
    });
  }
});

describe('pinHostKey (the only pin of a fronted target)', () => {
  const serverKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
  const cases: [string, string | undefined, string, boolean][] = [
    ['no file yet', undefined, `web-1 ${serverKey}\n`, true],
    ['an empty file', '', `web-1 ${serverKey}\n`, true],
    ['other hosts only (kept, in order)', `db-1 ${KEY}\n`, `db-1 ${KEY}\nweb-1 ${serverKey}\n`, true],
    ['a file without a final newline', `db-1 ${KEY}`, `db-1 ${KEY}\nweb-1 ${serverKey}\n`, true],
    [
      'a first-use pin of another key (replaced)',
      `web-1 ${KEY}\ndb-1 ${KEY}\n`,
      `db-1 ${KEY}\nweb-1 ${serverKey}\n`,
      true,
    ],
    [
      'pins under every spelling of the name (all replaced), markers and comments kept',
      [
        '# latchkey',
        `${hashed('web-1')} ${KEY}`,
        `[web-1]:2222 ${KEY}`,
        `a,WEB-1 ${KEY}`,
        `@cert-authority web-1 ${KEY}`,
        `web-10 ${KEY}`,
        '',
      ].join('\n'),
      ['# latchkey', `@cert-authority web-1 ${KEY}`, `web-10 ${KEY}`, `web-1 ${serverKey}`, ''].join('\n'),
      true,
    ],
    [
      'exactly that pin already',
      `db-1 ${KEY}\nweb-1 ${serverKey}\n`,
      `db-1 ${KEY}\nweb-1 ${serverKey}\n`,
      false,
    ],
    [
      'that pin and another key for the host (the other removed)',
      `web-1 ${serverKey}\nweb-1 ${KEY}\n`,
      `web-1 ${serverKey}\n`,
      true,
    ],
  ];
  for (const [what, before, after, changed] of cases) {
    it(what, () => assert.deepEqual(pinHostKey(before, 'Web-1', serverKey), { text: after, changed }));
  }

  it('refuses a name that is not a plain hostname (a known_hosts pattern would pin other hosts)', () => {
    for (const name of ['*', 'web-1,db-1', 'web 1', '!web-1', '']) {
      assert.throws(
        () => pinHostKey('', name, serverKey),
        (e) => isLatchkeyError(e, 'internal'),
      );
    }
  });
});

describe('pinHostCa (a front with a host certificate: its name trusts only the host CA)', () => {
  const hostCa = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
  const line = `@cert-authority web-1 ${hostCa}`;
  const cases: [string, string | undefined, string, boolean][] = [
    ['no file yet', undefined, `${line}\n`, true],
    [
      "the front's plain pin, under every spelling (removed: an uncertified key is refused)",
      [`${hashed('web-1')} ${KEY}`, `[web-1]:2222 ${KEY}`, `web-1 ${KEY}`, `db-1 ${KEY}`, ''].join('\n'),
      [`db-1 ${KEY}`, line, ''].join('\n'),
      true,
    ],
    [
      "an older CA line for that name (replaced); other names' CA lines and comments kept",
      ['# latchkey', `@cert-authority web-1 ${KEY}`, `@cert-authority web-10 ${KEY}`, ''].join('\n'),
      ['# latchkey', `@cert-authority web-10 ${KEY}`, line, ''].join('\n'),
      true,
    ],
    ['exactly that line already', `db-1 ${KEY}\n${line}\n`, `db-1 ${KEY}\n${line}\n`, false],
  ];
  for (const [what, before, after, changed] of cases) {
    it(what, () => assert.deepEqual(pinHostCa(before, 'Web-1', hostCa), { text: after, changed }));
  }

  it('then a plain pin for the name keeps the CA line (as any marker line)', () => {
    const key = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    assert.deepEqual(pinHostKey(`${line}\n`, 'web-1', key), {
      text: `${line}\nweb-1 ${key}\n`,
      changed: true,
    });
  });

  it('refuses a name that is not a plain hostname', () => {
    for (const name of ['*', 'web-1,db-1', '!web-1', '']) {
      assert.throws(
        () => pinHostCa('', name, hostCa),
        (e) => isLatchkeyError(e, 'internal'),
      );
    }
  });
});

describe('a fronted target that showed another host key', () => {
  it("recognises ssh's refusals under strict checking: a changed key, or none of that type known", () => {
    assert.ok(
      reportsRefusedHostKey(
        '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n',
      ),
    );
    assert.ok(
      reportsRefusedHostKey(
        'No ECDSA host key is known for web-1 and you have requested strict checking.\nHost key verification failed.\n',
      ),
    );
    assert.ok(!reportsRefusedHostKey('Permission denied (publickey).'));
    assert.ok(!reportsRefusedHostKey('Connection refused'));
  });

  it('says the host is not the one the access server knows, and how to refresh the list', () => {
    const message = refusedServerHostKeyMessage('web-1');
    assert.match(message, /not the one the access server knows for web-1/);
    assert.match(message, /`latchkey targets` refreshes/);
    assert.match(message, /reinstalled/);
    assert.doesNotMatch(message, /known-hosts forget/, 'forgetting the pin is no fix for a fronted target');
  });

  it('for a certified front, says no host certificate for it was shown', () => {
    const message = refusedServerHostKeyMessage('web-1', true);
    assert.match(message, /not the one the access server certified as web-1/);
    assert.match(message, /host certificate from your access server's host CA for web-1/);
    assert.match(message, /`latchkey targets` refreshes/);
  });
});
