import assert from 'node:assert/strict';
import { TARGET_BINDING_OPTION } from '@latchkey/shared';
import {
  certificateBinding,
  targetFront,
  type CertificateBinding,
  type TargetAgent,
} from '../../../server/src/domain/certificate-binding.js';

const DEFAULT = 'latchkey-agent record';
const TARGET = '0a1b2c3d-0000-4000-8000-00000000000a';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4fTQAkDEPwYfrW7c0k4VYUVgpXqQFfHbqvFpz1zA7L';

function agent(
  seconds: number | undefined,
  report: { recorder?: string; front?: { port: number; hostKey: string } } = {},
): TargetAgent {
  return {
    ...(seconds === undefined ? {} : { lastSeenAt: new Date(seconds * 1000) }),
    heartbeat: {
      version: '0.1.0',
      distro: 'debian 12',
      sshdConfig: { state: 'trusted' },
      ...(report.recorder === undefined
        ? {}
        : { recording: { recorderCommand: report.recorder, mode: 'best-effort' } }),
      ...(report.front === undefined ? {} : { front: report.front }),
    },
  };
}

const front = (port: number) => ({ port, hostKey: KEY });
const bound = (port: number): CertificateBinding => ({
  criticalOptions: { [TARGET_BINDING_OPTION]: TARGET },
  boundToTarget: true,
  front: front(port),
});
const plain = (forceCommand?: string): CertificateBinding => ({
  criticalOptions: forceCommand === undefined ? {} : { 'force-command': forceCommand },
  boundToTarget: false,
});

describe('server/domain: what a certificate is bound to and where the client connects', () => {
  const unfronted: CertificateBinding = {
    criticalOptions: { [TARGET_BINDING_OPTION]: TARGET },
    boundToTarget: true,
  };
  const cases: [string, boolean, TargetAgent[], CertificateBinding][] = [
    ['no agent, not recorded: a plain certificate', false, [], plain()],
    ['no agent, recorded: the server’s recorder command, as before', true, [], plain(DEFAULT)],
    ['an agent never heard from: bound, no front yet, never a force-command', true, [{}], unfronted],
    [
      'an agent before the front (it reported a recorder), recorded: bound, never its force-command',
      true,
      [agent(1, { recorder: '/opt/rec' })],
      unfronted,
    ],
    [
      'an agent before the front, not recorded: bound all the same (never plain: no way around a front)',
      false,
      [agent(1, { recorder: '/opt/rec' })],
      unfronted,
    ],
    [
      'a fronted agent, not recorded: bound, the front port',
      false,
      [agent(1, { front: front(2022) })],
      bound(2022),
    ],
    [
      'a fronted agent, recorded: bound and no force-command (the front records)',
      true,
      [agent(1, { recorder: 'latchkey-agent front', front: front(2022) })],
      bound(2022),
    ],
    [
      'enrolled twice, the newer agent has a front: bound to it',
      true,
      [agent(5, { recorder: '/old/rec' }), agent(9, { front: front(7022) })],
      bound(7022),
    ],
    [
      'enrolled twice, the newer agent has no front: bound, no front',
      true,
      [agent(9, { recorder: '/new/rec' }), agent(5, { front: front(7022) })],
      unfronted,
    ],
    [
      'an agent never seen does not outrank one seen',
      false,
      [agent(undefined, { front: front(1) }), agent(3, { front: front(2) })],
      bound(2),
    ],
  ];
  for (const [name, recordsSessions, targetAgents, expected] of cases) {
    it(name, () => {
      assert.deepEqual(
        certificateBinding({
          recordsSessions,
          targetId: TARGET,
          targetAgents,
          defaultRecorderCommand: DEFAULT,
        }),
        expected,
      );
    });
  }

  it('binds to the lowercase target id', () => {
    const binding = certificateBinding({
      recordsSessions: false,
      targetId: TARGET.toUpperCase(),
      targetAgents: [agent(1, { front: front(22) })],
      defaultRecorderCommand: DEFAULT,
    });
    assert.deepEqual(binding.criticalOptions, { [TARGET_BINDING_OPTION]: TARGET });
  });

  it('targetFront: the front of the most recently seen agent, or none', () => {
    assert.equal(targetFront([]), undefined);
    assert.equal(targetFront([agent(1)]), undefined);
    assert.deepEqual(targetFront([agent(1, { front: front(5) }), agent(2)]), undefined);
    assert.deepEqual(targetFront([agent(3, { front: front(5) }), agent(2)]), front(5));
  });
});
