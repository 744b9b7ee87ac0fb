import assert from 'node:assert/strict';
import { recorderCommandFor } from '../../../server/src/domain/recorder-command.js';
import type { AgentRecord } from '../../../server/src/domain/records.js';

const DEFAULT = 'latchkey-agent record';

function agent(
  seconds: number | undefined,
  recorderCommand?: string,
): Pick<AgentRecord, 'heartbeat' | 'lastSeenAt'> {
  return {
    ...(seconds === undefined ? {} : { lastSeenAt: new Date(seconds * 1000) }),
    heartbeat: {
      version: '0.1.0',
      distro: 'debian 12',
      sshdConfig: { state: 'trusted' },
      ...(recorderCommand === undefined ? {} : { recording: { recorderCommand, mode: 'best-effort' } }),
    },
  };
}

describe('server/domain: the force-command of a certificate', () => {
  it('none when the account keeps no session-log key, whatever the agents say', () => {
    assert.equal(recorderCommandFor(false, [agent(1, '/opt/rec')], DEFAULT), undefined);
  });

  it("the target's agent's recorder; the server's default without a report or without an agent", () => {
    assert.equal(recorderCommandFor(true, [agent(1, '/opt/rec')], DEFAULT), '/opt/rec');
    assert.equal(recorderCommandFor(true, [agent(1)], DEFAULT), DEFAULT);
    assert.equal(recorderCommandFor(true, [{}], DEFAULT), DEFAULT, 'enrolled, never heard from');
    assert.equal(recorderCommandFor(true, [], DEFAULT), DEFAULT);
  });

  it('a host enrolled twice: the agent seen most recently that reported a recorder', () => {
    assert.equal(
      recorderCommandFor(true, [agent(5, '/old/rec'), agent(9, '/new/rec'), agent(12)], DEFAULT),
      '/new/rec',
    );
    assert.equal(
      recorderCommandFor(true, [agent(undefined, '/never/seen'), agent(3, '/seen')], DEFAULT),
      '/seen',
    );
  });
});
