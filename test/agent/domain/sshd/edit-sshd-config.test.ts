import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { editSshdConfig } from '../../../../agent/src/domain/sshd/edit-sshd-config.js';
import {
  dropInContent,
  removeLatchkeyBlocks,
} from '../../../../agent/src/domain/sshd/latchkey-sshd-block.js';

const MAIN = '/etc/ssh/sshd_config';
const DROP_IN = '/etc/ssh/sshd_config.d/00-latchkey.conf';
const edit = (mainText: string, included: [string, string][] = [], caPath?: string) =>
  editSshdConfig({ mainPath: MAIN, mainText, included: new Map(included), ...(caPath ? { caPath } : {}) });

describe('editSshdConfig edge cases', () => {
  it('rewrites a stale Latchkey block (another CA path) in place, keeping the replaced line', () => {
    const first = edit('Port 22\n#PubkeyAuthentication yes\n').writes[0]!.content;
    const moved = edit(first, [], '/etc/ssh/latchkey_ca.pub');
    assert.equal(moved.writes.length, 1);
    assert.match(moved.writes[0]!.content, /TrustedUserCAKeys \/etc\/ssh\/latchkey_ca\.pub\n/);
    assert.doesNotMatch(moved.writes[0]!.content, /ca\.pub\n[^]*ca\.pub\n/);
    assert.equal(
      removeLatchkeyBlocks(moved.writes[0]!.content, MAIN),
      'Port 22\n#PubkeyAuthentication yes\n',
    );
  });

  it('moves to a drop-in when an Include appears, removing its old block', () => {
    const inPlace = edit('#PubkeyAuthentication yes\n').writes[0]!.content;
    const next = edit(`Include /etc/ssh/sshd_config.d/*.conf\n${inPlace}`);
    assert.equal(next.method, 'drop-in');
    assert.deepEqual(
      next.writes.map((w) => [w.role, w.path]),
      [
        ['drop-in', DROP_IN],
        ['main', MAIN],
      ],
    );
    assert.equal(
      next.writes[1]!.content,
      'Include /etc/ssh/sshd_config.d/*.conf\n#PubkeyAuthentication yes\n',
    );
  });

  it('deletes its drop-in when a drop-in no longer wins (an earlier one now says no)', () => {
    const included: [string, string][] = [
      [DROP_IN, dropInContent('/etc/ssh/ca.pub')],
      ['/etc/ssh/sshd_config.d/0-site.conf', 'PubkeyAuthentication no\n'],
    ];
    const result = edit('Include /etc/ssh/sshd_config.d/*.conf\n', included);
    assert.equal(result.method, 'in-place');
    assert.deepEqual(result.deletes, [DROP_IN]);
    assert.match(result.writes[0]!.content, /^# >>> latchkey begin[^]*# <<< latchkey end\nInclude /);
  });

  it('keeps an unchanged drop-in untouched', () => {
    const result = edit('Include /etc/ssh/sshd_config.d/*.conf\n', [
      [DROP_IN, dropInContent('/etc/ssh/ca.pub')],
    ]);
    assert.deepEqual([result.method, result.writes, result.deletes], ['drop-in', [], []]);
  });

  it('reports the admin CA file it must keep trusting, even through TrustedUserCAKeys none', () => {
    assert.deepEqual(edit('TrustedUserCAKeys /etc/ssh/vault.pub\n').adoptCaFiles, ['/etc/ssh/vault.pub']);
    assert.deepEqual(edit('TrustedUserCAKeys none\n').adoptCaFiles, []);
    assert.deepEqual(edit('TrustedUserCAKeys etc/rel.pub\n').adoptCaFiles, ['/etc/rel.pub']);
  });

  it('never puts its lines after a Match, even when the PubkeyAuthentication line is inside one', () => {
    const text = 'Port 22\nMatch User x\n\tPubkeyAuthentication no\n';
    const out = edit(text).writes[0]!.content;
    assert.ok(out.indexOf('TrustedUserCAKeys') < out.indexOf('Match User x'));
    assert.match(out, /\tPubkeyAuthentication no\n$/);
  });

  it('refuses damaged markers instead of guessing', () => {
    const inPlace = edit('#PubkeyAuthentication yes\n').writes[0]!.content;
    const damaged = inPlace.replace('# <<< latchkey end\n', '');
    assert.throws(
      () => edit(damaged),
      (e) => isLatchkeyError(e, 'invalid_sshd_config') && /begin marker/.test(e.message),
    );
    assert.throws(
      () => edit('# <<< latchkey end\n'),
      (e) => isLatchkeyError(e, 'invalid_sshd_config'),
    );
  });

  it('refuses CA paths sshd_config cannot carry plainly', () => {
    for (const bad of ['ca.pub', '/etc/ssh/my ca.pub', '/etc/ssh/"x', '/etc/ssh/#x']) {
      assert.throws(
        () => edit('', [], bad),
        (e) => isLatchkeyError(e, 'invalid_argument'),
      );
    }
  });

  it('writes an in-place edit of a vendor file (/usr/etc/ssh) as /etc/ssh/sshd_config', () => {
    const result = editSshdConfig({
      mainPath: '/usr/etc/ssh/sshd_config',
      mainText: '#PubkeyAuthentication yes\n',
      included: new Map(),
    });
    assert.deepEqual(
      result.writes.map((w) => w.path),
      ['/etc/ssh/sshd_config'],
    );
  });
});
