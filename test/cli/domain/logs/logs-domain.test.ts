import assert from 'node:assert/strict';
import type { LogPacket, SshLog } from '@latchkey/shared';
import { auditorKeySetupHint } from '../../../../cli/src/domain/logs/auditor-key-setup.js';
import { decryptOutputPath } from '../../../../cli/src/domain/logs/decrypt-output-path.js';
import { parseTime } from '../../../../cli/src/domain/logs/parse-time.js';
import { duration, humanBytes, renderLogsTable } from '../../../../cli/src/domain/logs/render-logs-table.js';
import { replaySteps } from '../../../../cli/src/domain/logs/replay-steps.js';
import { TerminalModeTracker } from '../../../../cli/src/domain/logs/terminal-restore.js';
import { exitCodeForVerdict } from '../../../../cli/src/domain/logs/verdict-exit-code.js';

function sshLog(id: string, overrides: Partial<SshLog> = {}): SshLog {
  return {
    id,
    session_id: 'sess',
    user_email: 'ada@example.com',
    username: 'ada',
    target_id: 'target-1',
    target_hostname: 'web-1',
    agent_id: 'agent-1',
    pty: true,
    program_type: 'shell',
    session_start_datetime: '2026-11-24T21:58:22Z',
    session_finish_datetime: '2026-11-24T22:01:26Z',
    status: 'complete',
    size_bytes: 1536,
    sha256: 'ab'.repeat(32),
    uploaded_at: '2026-11-24T22:01:30Z',
    ...overrides,
  };
}

describe('cli/domain/logs', () => {
  it('renders the logs table aligned, newest first as given, without trailing spaces', () => {
    const table = renderLogsTable([
      sshLog('sess-2.20261124T220000Z.ab', {
        program_type: 'exec',
        command: 'rsync --server -vlogDtpre.iLsfxCIvu . /srv/backup/of/a/long/path',
        session_finish_datetime: undefined,
        status: 'incomplete',
        size_bytes: 300,
        user_email: '',
      }),
      sshLog('sess-1.20261124T215822Z.cd'),
    ]);
    assert.equal(
      table,
      [
        'LOG ID                      STARTED (UTC)        DURATION  USER             AS   TARGET  PROGRAM                              STATUS      SIZE',
        'sess-2.20261124T220000Z.ab  2026-11-24 21:58:22  -         -                ada  web-1   exec rsync --server -vlogDtpre.iLs…  incomplete  300 B',
        'sess-1.20261124T215822Z.cd  2026-11-24 21:58:22  3m04s     ada@example.com  ada  web-1   shell                                complete    1.5 KiB',
        '',
      ].join('\n'),
    );
    assert.equal(renderLogsTable([]), 'No session logs match.\n');
  });

  it('says durations and sizes briefly', () => {
    assert.equal(duration('2026-01-01T00:00:00Z', '2026-01-01T00:00:09Z'), '9s');
    assert.equal(duration('2026-01-01T00:00:00Z', '2026-01-01T01:02:03Z'), '1h02m');
    assert.equal(duration('2026-01-01T00:00:00Z', undefined), '-');
    assert.equal(humanBytes(1023), '1023 B');
    assert.equal(humanBytes(200 * 1024 * 1024), '200.0 MiB');
  });

  it('gives each verdict its exit code: verify tells all four apart, decrypt fails only when tampered', () => {
    assert.deepEqual(
      (['verified', 'tampered', 'incomplete', 'unverified'] as const).map((status) => [
        exitCodeForVerdict(status, 'verify'),
        exitCodeForVerdict(status, 'decrypt'),
      ]),
      [
        [0, 0],
        [7, 7],
        [8, 0],
        [9, 0],
      ],
    );
  });

  it('names the zip as ssh-log-cli does and insists on .zip', () => {
    assert.equal(decryptOutputPath('logs/a.sshlog', undefined), 'logs/a.sshlog-decrypted.zip');
    assert.equal(decryptOutputPath('a', 'out.zip'), 'out.zip');
    assert.throws(() => decryptOutputPath('a', 'out.tar'), { code: 'invalid_argument', message: /\.zip/ });
    assert.throws(() => decryptOutputPath('logs/x.zip', './logs/x.zip'), { message: /is the log itself/ });
  });

  it('reads --since as ISO 8601 or a span ago', () => {
    const now = new Date('2026-11-24T22:00:00Z');
    assert.equal(parseTime('2h', '--since', now), '2026-11-24T20:00:00.000Z');
    assert.equal(parseTime('3d', '--since', now), '2026-11-21T22:00:00.000Z');
    assert.equal(parseTime('2026-11-01T10:00:00+01:00', '--since', now), '2026-11-01T09:00:00.000Z');
    assert.equal(parseTime(undefined, '--since', now), undefined);
    assert.throws(() => parseTime('yesterday', '--since', now), {
      code: 'invalid_argument',
      message: /--since/,
    });
  });

  it('plans a replay: origin output only, pauses divided by the speed and capped by --max-idle', () => {
    const packet = (source: 0 | 1, micros: number, text: string): LogPacket => ({
      source,
      code: 0,
      elapsedMicros: micros,
      data: Buffer.from(text),
    });
    const packets = [packet(1, 1_000_000, 'a'), packet(0, 1_500_000, 'typed'), packet(1, 11_000_000, 'b')];
    const plan = (options: { speed: number; maxIdleSeconds?: number }) =>
      [...replaySteps(packets, options)].map((step) => [step.waitMs, Buffer.from(step.data).toString()]);
    assert.deepEqual(plan({ speed: 1 }), [
      [1000, 'a'],
      [10_000, 'b'],
    ]);
    assert.deepEqual(plan({ speed: 4, maxIdleSeconds: 2 }), [
      [250, 'a'],
      [500, 'b'],
    ]);
  });

  it('undoes the terminal modes a replay left on, also when a sequence is split across writes', () => {
    const tracker = new TerminalModeTracker();
    tracker.observe(Buffer.from('\x1b[?1049h\x1b[?25l\x1b[?20'));
    tracker.observe(Buffer.from('04h text \x1b[?1000h\x1b[?1000l'));
    assert.equal(tracker.restoreSequence(), '\x1b[?1049l\x1b[?25h\x1b[?2004l\x1b[0m');
    const clean = new TerminalModeTracker();
    clean.observe(Buffer.from('\x1b[?25l...\x1b[?25h'));
    assert.equal(clean.restoreSequence(), '\x1b[0m');
  });

  it('tells the next step after keygen: the exact PUT of audit_ssh_settings', () => {
    const hint = auditorKeySetupHint({
      publicKey: 'PUB=',
      privateKeyPath: 'sshkey',
      server: 'https://lk.example',
    });
    assert.match(
      hint,
      /curl -X PUT "https:\/\/lk\.example\/client\/v4\/accounts\/\$ACCOUNT_ID\/gateway\/audit_ssh_settings"/,
    );
    assert.match(hint, /--data '\{"public_key":"PUB="\}'/);
  });
});
