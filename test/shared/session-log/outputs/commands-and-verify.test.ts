import assert from 'node:assert/strict';
import {
  VERDICT_MEANINGS,
  decryptedLogEntries,
  listCommands,
  readSessionLog,
  renderVerifyReport,
} from '@latchkey/shared';
import {
  alterMetadata,
  flipByte,
  foreignLog,
  newKeys,
  ptyLog,
  truncate,
} from '../../../e2e/cli/logs-fixtures.js';

describe('session-log outputs: commands.json and verify.txt', () => {
  it('lists the commands with their time, cwd and exit status when known', () => {
    const keys = newKeys();
    const log = readSessionLog(ptyLog(keys), keys.privateKey);
    assert.deepEqual(listCommands(log), [
      { time: '2026-11-24T21:58:22.550Z', elapsed: 0.55, command: 'ls', cwd: '/home/ada', exit_status: 0 },
      { time: '2026-11-24T21:58:42.000Z', elapsed: 20, command: 'exit', cwd: '/home/ada' },
    ]);
    const entry = decryptedLogEntries(log).find((candidate) => candidate.name === 'commands.json')!;
    const parsed = JSON.parse(Buffer.concat([...entry.pieces()]).toString('utf8')) as unknown;
    assert.deepEqual(parsed, listCommands(log));
  });

  it('puts the zip entries in order: ssh-log-cli first, then Latchkey additions', () => {
    const keys = newKeys();
    const log = readSessionLog(ptyLog(keys), keys.privateKey);
    assert.deepEqual(
      decryptedLogEntries(log).map((entry) => entry.name),
      ['term_data.txt', 'term_times.txt', 'session.cast', 'commands.json', 'verify.txt'],
    );
  });

  it('reports a verified log with who and what it proves', () => {
    const keys = newKeys();
    const report = renderVerifyReport(readSessionLog(ptyLog(keys), keys.privateKey));
    assert.equal(
      report,
      [
        'verdict: verified',
        `meaning: ${VERDICT_MEANINGS.verified}`,
        'session: sess-0001',
        'target:  web-1 (target-0001)',
        'user:    ada@example.com as ada',
        'program: shell',
        'client:  127.0.0.1:50000',
        'started: 2026-11-24T21:58:22.000Z',
        'ended:   2026-11-24T21:58:43.000Z, exit status 0',
        'closed by: recorder',
        'terminal: 100x30',
        '',
      ].join('\n'),
    );
  });

  it('reports tampered, incomplete and swapped logs with their problems, identity as a claim', () => {
    const keys = newKeys();
    const file = ptyLog(keys);
    const cases = [
      { file: flipByte(file), status: 'tampered', problem: /chunk 0 does not authenticate/ },
      { file: truncate(file), status: 'incomplete', problem: /truncated/ },
      {
        file: alterMetadata(file, { exit_data: null }),
        status: 'tampered',
        problem: /not the metadata the writer had/,
      },
    ];
    for (const { file: damaged, status, problem } of cases) {
      const report = renderVerifyReport(readSessionLog(damaged, keys.privateKey));
      assert.match(report, new RegExp(`^verdict: ${status}\n`));
      assert.match(report, /\nproblems:\n {2}- /);
      assert.match(report, problem);
      if (/session: /.test(report)) assert.match(report, /\(claimed by the log, not proven\)/);
    }
  });

  it('reports a log without Latchkey records (as Cloudflare writes them) as unverified', () => {
    const keys = newKeys();
    const log = readSessionLog(foreignLog(keys), keys.privateKey);
    const report = renderVerifyReport(log);
    assert.match(report, /^verdict: unverified\n/);
    assert.match(report, /no Latchkey integrity records/);
    assert.doesNotMatch(report, /session: /);
  });
});
