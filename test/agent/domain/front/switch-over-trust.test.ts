import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import {
  initialSwitchOverStage,
  switchOverKeys,
} from '../../../../agent/src/domain/front/switch-over-trust.js';
import { mergeCaFile } from '../../../../agent/src/domain/sshd/merge-ca-file.js';

describe('agent/domain/front: switching a host of an agent before the front over to the host CA', () => {
  const account = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('account CA');
  const hostCa = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('host CA');
  const admins = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('the admin');
  const caFile = (serverKeys: string[], current?: string) => mergeCaFile({ current, serverKeys }).content;

  it('a ca.pub whose Latchkey block holds an account key (the old agent): the transition first', () => {
    assert.equal(initialSwitchOverStage(caFile([account], `${admins}\n`), [account]), 'transition');
  });

  it('a fresh host, a host already switched, or an account key only among the admin’s lines: front only', () => {
    assert.equal(initialSwitchOverStage(undefined, [account]), 'front-only');
    assert.equal(initialSwitchOverStage('', [account]), 'front-only');
    assert.equal(initialSwitchOverStage(caFile([hostCa]), [account]), 'front-only');
    assert.equal(initialSwitchOverStage(`${account}\n`, [account]), 'front-only');
  });

  it('a damaged Latchkey block decides nothing here (the CA merge reports it): front only', () => {
    const damaged = caFile([account]).replace('# <<< latchkey CA keys', '');
    assert.equal(initialSwitchOverStage(damaged, [account]), 'front-only');
  });

  it('the transition trusts both CAs; front only trusts the host CA alone', () => {
    assert.deepEqual(switchOverKeys('transition', [account], hostCa), [account, hostCa]);
    assert.deepEqual(switchOverKeys('front-only', [account], hostCa), [hostCa]);
  });
});
