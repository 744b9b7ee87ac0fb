import assert from 'node:assert/strict';
import {
  decideUpload,
  uploadMetadataOf,
  type SpooledLogFacts,
} from '../../../../agent/src/domain/recording/spooled-log-upload.js';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const log = (fields: Partial<SpooledLogFacts>): SpooledLogFacts => ({
  log_id: 'sess-1.20261124T120000Z.0011223344556677',
  status: 'complete',
  started_at: T0 / 1000,
  pty: null,
  identity: null,
  unix_user: 'bob',
  updated_at: new Date(T0 + 5000).toISOString(),
  ...fields,
});

describe('agent/domain: when a spooled log is uploaded, and its index fields', () => {
  const policy = { incompleteGraceMs: 120_000 };

  it('complete at once, recording never, incomplete after the grace period, held ones when the hold ends', () => {
    assert.deepEqual(decideUpload(log({}), T0, policy), { action: 'upload' });
    assert.equal(decideUpload(log({ status: 'recording' }), T0 + 1e9, policy).action, 'skip');
    const waiting = decideUpload(log({ status: 'incomplete' }), T0 + 10_000, policy);
    assert.deepEqual(waiting, {
      action: 'wait',
      untilMs: T0 + 125_000,
      why: 'incomplete: it may still change',
    });
    assert.deepEqual(decideUpload(log({ status: 'incomplete' }), T0 + 125_000, policy), { action: 'upload' });
    assert.equal(decideUpload(log({}), T0, policy, T0 + 1).action, 'wait');
    assert.equal(decideUpload(log({}), T0 + 1, policy, T0 + 1).action, 'upload');
  });

  it('without an identity: the session id from the log id, the UNIX user from the spool; fields cut to size', () => {
    const meta = uploadMetadataOf(log({ status: 'incomplete', reason: 'x'.repeat(3000), unix_user: 'bob' }));
    assert.equal(meta.session_id, 'sess-1');
    assert.equal(meta.username, 'bob');
    assert.equal(meta.user_email, '');
    assert.equal(meta.program_type, 'shell');
    assert.equal(meta.pty, false);
    assert.equal(meta.status, 'incomplete');
    assert.equal(meta.error?.length, 2000);
    assert.equal(meta.session_finish_datetime, new Date(T0 + 5000).toISOString());
  });

  it('the UNIX user the agent knows wins over the identity; a claimed one is flagged in the error', () => {
    const identity = {
      session_id: 's',
      target_id: 't',
      user_email: 'a@b.c',
      principal: 'root',
      program_type: 'shell' as const,
    };
    assert.equal(
      uploadMetadataOf(log({ identity, unix_user: 'mallory', unix_user_verified: true })).username,
      'mallory',
    );
    const claimed = uploadMetadataOf(log({ identity, unix_user: 'root', unix_user_verified: false }));
    assert.equal(claimed.username, 'root');
    assert.match(claimed.error ?? '', /could not verify the UNIX user/);
  });

  it('an exec session keeps its command; a complete log reports the error its writer recorded', () => {
    const meta = uploadMetadataOf(
      log({
        identity: {
          session_id: 's',
          target_id: 't',
          user_email: 'a@b.c',
          principal: 'alice',
          program_type: 'exec',
          command: 'uptime',
        },
      }),
      {
        started_at: T0 / 1000,
        data_size: 0,
        encapsulated_key: '',
        pty: null,
        exit_data: {
          timestamp: T0 / 1000 + 2,
          status: 0,
          signal: null,
          core_dumped: false,
          error_msg: 'recording degraded (best effort): spool down',
        },
      },
    );
    assert.equal(meta.program_type, 'exec');
    assert.equal(meta.command, 'uptime');
    assert.equal(meta.username, 'alice');
    assert.equal(meta.error, 'recording degraded (best effort): spool down');
    assert.equal(meta.session_finish_datetime, new Date(T0 + 2000).toISOString());
  });
});
