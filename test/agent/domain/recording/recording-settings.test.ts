import assert from 'node:assert/strict';
import { encodeAuditorKey, generateHpkeKeyPair, isLatchkeyError } from '@latchkey/shared';
import {
  formatRecordingSettings,
  parseRecordingSettings,
} from '../../../../agent/src/domain/recording/recording-settings.js';
import { decideWhenSpoolUnavailable } from '../../../../agent/src/domain/recording/unavailable-spool-policy.js';

describe('recording settings', () => {
  const key = generateHpkeKeyPair().publicKey;
  const base64 = encodeAuditorKey(key);

  it('round-trips what the agent writes, with best effort by default', () => {
    const parsed = parseRecordingSettings(formatRecordingSettings({ auditorPublicKeyBase64: base64 }), 'f');
    assert.deepEqual(parsed, {
      auditorPublicKey: key,
      mode: 'best-effort',
      targetId: '',
      targetHostname: undefined,
    });
    const full = parseRecordingSettings(
      formatRecordingSettings({
        auditorPublicKeyBase64: base64,
        mode: 'strict',
        targetId: 't',
        targetHostname: 'h',
      }),
      'f',
    );
    assert.equal(full.mode, 'strict');
    assert.equal(full.targetHostname, 'h');
  });

  it('reads a file written by an agent before the front, ignoring its recorder fields', () => {
    const parsed = parseRecordingSettings(
      JSON.stringify({
        auditor_public_key: base64,
        mode: 'strict',
        spool_socket: '/run/latchkey-agent/record.sock',
        sftp_server: '/usr/lib/openssh/sftp-server',
      }),
      'f',
    );
    assert.deepEqual(parsed, {
      auditorPublicKey: key,
      mode: 'strict',
      targetId: '',
      targetHostname: undefined,
    });
  });

  const rejects: [string, RegExp][] = [
    ['not json', /is not JSON/],
    ['[]', /not a JSON object/],
    ['{}', /has no auditor_public_key/],
    ['{"auditor_public_key":"abc"}', /auditor_public_key in \/x/],
    [`{"auditor_public_key":"${base64}","mode":"sometimes"}`, /mode other than/],
    [`{"auditor_public_key":"${base64}","target_id":5}`, /target_id that is not a string/],
  ];
  for (const [text, message] of rejects) {
    it(`refuses ${text.slice(0, 40)}`, () => {
      assert.throws(
        () => parseRecordingSettings(text, '/x'),
        (error: unknown) =>
          isLatchkeyError(error) &&
          (error.code === 'invalid_config' || error.code === 'invalid_auditor_key') &&
          message.test(error.message),
      );
    });
  }
});

describe('decideWhenSpoolUnavailable', () => {
  it('strict refuses with a message that says why and what to do', () => {
    const decision = decideWhenSpoolUnavailable('strict', 'connect ENOENT /run/x.sock');
    assert.equal(decision.action, 'refuse');
    assert.match(
      decision.action === 'refuse' ? decision.message : '',
      /must be recorded.*ENOENT.*administrator/,
    );
  });
  it('best effort continues with a marker', () => {
    assert.deepEqual(decideWhenSpoolUnavailable('best-effort', 'down'), {
      action: 'continue',
      marker: 'recording degraded (best effort): down',
    });
  });
});
