import assert from 'node:assert/strict';
import { isLatchkeyError, parseSshPublicKey } from '@latchkey/shared';
import {
  CA_BLOCK_BEGIN,
  mergeCaFile,
  undoCaFileMerge,
} from '../../../../../agent/src/domain/sshd/merge-ca-file.js';
import { createTempDir, generateKeyWithSshKeygen, type TempDir } from '../../../../harness/index.js';

describe('mergeCaFile', () => {
  let dir: TempDir;
  let server1: string;
  let server2: string;
  let admin: string;
  let vault: string;
  let rsa: string;
  before(async () => {
    dir = await createTempDir('ca-merge');
    [server1, server2, admin, vault, rsa] = await Promise.all([
      generateKeyWithSshKeygen(dir.file('s1'), 'ed25519', 'latchkey-ca-1').then((k) => k.publicKey),
      generateKeyWithSshKeygen(dir.file('s2'), 'ecdsa-p256', 'latchkey-ca-2').then((k) => k.publicKey),
      generateKeyWithSshKeygen(dir.file('a'), 'ed25519', 'admin-ca').then((k) => k.publicKey),
      generateKeyWithSshKeygen(dir.file('v'), 'ed25519', 'vault-ca').then((k) => k.publicKey),
      generateKeyWithSshKeygen(dir.file('r'), 'rsa', 'rsa-ca').then((k) => k.publicKey),
    ]);
  });
  after(async () => {
    await dir?.remove();
  });
  const fp = (line: string) => parseSshPublicKey(line).fingerprint();

  it('creates the file with the server keys in a marked block', () => {
    const merge = mergeCaFile({ current: undefined, serverKeys: [server1, server2] });
    assert.equal(merge.content, `${CA_BLOCK_BEGIN}\n${server1}\n${server2}\n# <<< latchkey CA keys\n`);
    assert.deepEqual(merge.added, [fp(server1), fp(server2)]);
    assert.ok(merge.changed);
  });

  it('keeps the admin lines and comments, replaces only its own keys, and is idempotent', () => {
    const current = `# site CA\n${admin}\n\n`;
    const first = mergeCaFile({ current, serverKeys: [server1, rsa] });
    assert.ok(first.content.endsWith(current));
    const second = mergeCaFile({ current: first.content, serverKeys: [server2] });
    assert.deepEqual(second.removed, [fp(server1), fp(rsa)]);
    assert.deepEqual(second.added, [fp(server2)]);
    assert.ok(second.content.includes(admin) && !second.content.includes(server1));
    const again = mergeCaFile({ current: second.content, serverKeys: [server2] });
    assert.equal(again.changed, false);
    assert.equal(undoCaFileMerge(second.content), current);
  });

  it('tolerates CRLF and blank lines, and writes LF (a CRLF blank line stops sshd reading the file)', () => {
    const merge = mergeCaFile({ current: `${admin}\r\n\r\n# c\r\n`, serverKeys: [`${server1}\r\n`.trim()] });
    assert.doesNotMatch(merge.content, /\r/);
    assert.ok(merge.content.endsWith(`${admin}\n\n# c\n`));
  });

  it('adopts the keys of the CA file sshd trusted before, once, and never removes them', () => {
    const adopt = [{ path: '/etc/ssh/vault_ca.pub', text: `# vault\r\n${vault}\r\n${admin}\n` }];
    const first = mergeCaFile({ current: `${admin}\n`, serverKeys: [server1], adopt });
    assert.deepEqual(first.adopted, [fp(vault)], 'the admin key already present is not copied twice');
    assert.match(first.content, /adopted CA keys[^]*adopted from \/etc\/ssh\/vault_ca\.pub/);
    const later = mergeCaFile({ current: first.content, serverKeys: [server2], adopt });
    assert.deepEqual(later.adopted, []);
    assert.ok(later.content.includes(vault.split(' ')[1]!));
    assert.equal(undoCaFileMerge(later.content), `${admin}\n`);
  });

  it('warns about admin lines sshd cannot read, since it stops there', () => {
    const merge = mergeCaFile({ current: 'not a key\n', serverKeys: [server1] });
    assert.equal(merge.warnings.length, 1);
    const unknownType = mergeCaFile({ current: `${securityKeyLine()}\n`, serverKeys: [server1] });
    assert.equal(unknownType.warnings.length, 0, 'a key type Latchkey does not use is still a key');
  });

  const garbage: [string, string][] = [
    ['not a key', 'hello world'],
    ['bad base64', 'ssh-ed25519 AAAA!!!!'],
    ['type mismatch', 'ssh-rsa ' + 'AAAAC3NzaC1lZDI1NTE5AAAAIKyQ0k3s4mVv0C1l1ZJj7v0m0Yc2x6wYwZ0qM0cA3V1b'],
    [
      'options before the key',
      'cert-authority ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKyQ0k3s4mVv0C1l1ZJj7v0m0Yc2x6wYwZ0qM0cA3V1b',
    ],
    [
      'two lines',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKyQ0k3s4mVv0C1l1ZJj7v0m0Yc2x6wYwZ0qM0cA3V1b\nssh-ed25519 AAAA',
    ],
  ];
  for (const [name, line] of garbage) {
    it(`rejects a server key that is ${name}`, () => {
      assert.throws(
        () => mergeCaFile({ current: undefined, serverKeys: [server1, line] }),
        (e) => isLatchkeyError(e, 'malformed_key') && e.pointer === '/serverKeys/1',
      );
    });
  }

  it('refuses an empty server list rather than untrusting every CA', () => {
    assert.throws(
      () => mergeCaFile({ current: undefined, serverKeys: [] }),
      (e) => isLatchkeyError(e, 'invalid_argument'),
    );
  });

  it('refuses a block damaged by hand', () => {
    assert.throws(
      () => mergeCaFile({ current: `${CA_BLOCK_BEGIN}\n${server1}\n`, serverKeys: [server1] }),
      (e) => isLatchkeyError(e, 'invalid_sshd_config'),
    );
  });
});

/** A well-formed sk-ssh-ed25519 key line (a type sshd reads and Latchkey does not use). */
function securityKeyLine(): string {
  const str = (bytes: Uint8Array) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  const type = 'sk-ssh-ed25519@openssh.com';
  const blob = Buffer.concat([
    str(Buffer.from(type)),
    str(new Uint8Array(32).fill(7)),
    str(Buffer.from('ssh:')),
  ]);
  return `${type} ${blob.toString('base64')} yubikey`;
}
