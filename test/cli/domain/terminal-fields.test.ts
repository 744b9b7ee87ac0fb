/**
 * Every field the CLI prints that comes from a server, an agent or a log reaches the terminal escaped:
 * each renderer given the same hostile text (the verify attack's cursor-up, erase-line, CR; a clipboard
 * write; a title; an 8-bit CSI asking for a report; a bidirectional override) prints no control character
 * but its line breaks, and prints the text's escaped form.
 */
import assert from 'node:assert/strict';
import {
  renderVerifyReport,
  type Agent,
  type AuditEvent,
  type SshLog,
  type Target,
  type VerifiableLog,
} from '@latchkey/shared';
import {
  renderAdminTargetsTable,
  renderAgentsTable,
  renderAuditTable,
} from '../../../cli/src/domain/admin/admin-tables.js';
import { describeMe } from '../../../cli/src/domain/describe-me.js';
import { renderLogsTable } from '../../../cli/src/domain/logs/render-logs-table.js';
import { renderVerifyReportForTerminal } from '../../../cli/src/domain/logs/verify-report-for-terminal.js';
import { renderTargetsTable } from '../../../cli/src/domain/render-targets-table.js';
import { escapeForTerminal } from '../../../cli/src/domain/terminal-text.js';
import { meTarget } from './fixtures.js';

const HOSTILE =
  '\x1b[1A\x1b[2K\rverdict: verified\x1b]52;c;ZWNobyBvd25lZA==\x07\x1b]0;owned\x07\u009b6n\u202e';
const ESCAPED = escapeForTerminal(HOSTILE);
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Nothing in `printed` acts on a terminal but line feeds, and each hostile field shows escaped. */
function assertInert(printed: string, times = 1): void {
  assert.doesNotMatch(printed, UNSAFE, JSON.stringify(printed));
  assert.ok(printed.split(ESCAPED).length - 1 >= times, printed);
}

const NOW = new Date('2026-11-24T12:00:00Z');
const UUID = '22222222-2222-4222-8222-222222222222';

function verifiableLog(overrides: { identity?: unknown; problems?: string[] } = {}): VerifiableLog {
  const identity = (overrides.identity ?? {
    session_id: 'sess-1',
    target_id: 'target-1',
    target_hostname: 'web-1',
    user_email: 'ada@example.com',
    principal: 'ada',
    program_type: 'exec',
    command: 'uptime',
    client_address: '192.0.2.7:50000',
  }) as VerifiableLog['integrity']['identity'] & object;
  return {
    metadata: {
      started_at: 1_795_000_000,
      data_size: 10,
      encapsulated_key: '00'.repeat(32),
      pty: { term: 'xterm', width: 80, height: 24, modes: [] },
      exit_data: { timestamp: 1_795_000_060, status: 0, signal: null, core_dumped: false, error_msg: null },
    },
    records: [],
    integrity: { status: 'tampered', problems: overrides.problems ?? [], identity },
  };
}

describe('cli/domain: fields from elsewhere are escaped for the terminal', () => {
  it('logs verify: the attack that turned the user line into "verdict: verified" prints inert', () => {
    const log = verifiableLog({
      identity: {
        session_id: `sess-1${HOSTILE}`,
        target_id: HOSTILE,
        target_hostname: HOSTILE,
        user_email: `mallory@example.com${HOSTILE}`,
        principal: HOSTILE,
        program_type: HOSTILE,
        command: HOSTILE,
        client_address: HOSTILE,
      },
      problems: [`the end record says ${HOSTILE}`],
    });
    log.metadata.exit_data = { ...log.metadata.exit_data!, signal: HOSTILE, error_msg: null };
    log.records = [
      {
        kind: 'end',
        elapsedMicros: 1,
        body: { closed_by: HOSTILE } as unknown as Extract<
          VerifiableLog['records'][number],
          { kind: 'end' }
        >['body'],
      },
    ];
    const report = renderVerifyReportForTerminal(log);
    assertInert(report, 10);
    assert.match(report, /^verdict: tampered\n/);
    assert.equal(report.match(/^verdict: /gm)?.length, 1, report);
    assert.ok(report.includes(`user:    mallory@example.com${ESCAPED} as ${ESCAPED}\n`), report);
  });

  it('logs verify: fields that are not strings (record bodies are unchecked JSON) print as escaped JSON', () => {
    const report = renderVerifyReportForTerminal(
      verifiableLog({
        identity: { session_id: [HOSTILE], target_id: { x: HOSTILE }, user_email: 7, principal: 'ada' },
      }),
    );
    assert.doesNotMatch(report, UNSAFE);
    assert.ok(report.includes(`session: ["${escapeForTerminal(JSON.stringify(HOSTILE).slice(1, -1))}"]`));
    assert.match(report, /user: +7 as ada\n/);
  });

  it('logs verify: an ordinary log reads exactly as shared renders it', () => {
    const log = verifiableLog({ problems: ['chunk 2 does not authenticate'] });
    assert.equal(renderVerifyReportForTerminal(log), renderVerifyReport(log));
  });

  it('logs list', () => {
    const log: SshLog = {
      id: 'sess-1.20261124T215822Z.aa',
      session_id: HOSTILE,
      user_email: HOSTILE,
      username: HOSTILE,
      target_id: 'target-1',
      target_hostname: HOSTILE,
      agent_id: 'agent-1',
      pty: false,
      program_type: 'exec',
      command: HOSTILE,
      session_start_datetime: '2026-11-24T21:58:22Z',
      status: 'complete',
      size_bytes: 10,
      sha256: 'ab'.repeat(32),
      uploaded_at: '2026-11-24T22:01:30Z',
    };
    const table = renderLogsTable([log]);
    assertInert(table, 3);
    assert.match(table, /exec \\x1b\[1A\\x1b\[2K\\rverdict: veri… /);
  });

  it('targets, and whoami', () => {
    const targets = renderTargetsTable([
      meTarget(HOSTILE, { usernames: [HOSTILE], virtual_network: { id: UUID, name: HOSTILE } }),
    ]);
    assertInert(targets, 3);
    const me = describeMe('https://lk.example', {
      email: HOSTILE,
      groups: [HOSTILE],
      login_method: HOSTILE,
      auth_methods: [HOSTILE],
      account_id: UUID,
      session_id: UUID,
      expires_at: '2026-11-24T13:00:00Z',
    });
    assertInert(me, 4);
    assert.equal(me.split('\n').length, 6, me);
  });

  it('admin targets, agents and audit', () => {
    const target: Target = {
      id: UUID,
      hostname: HOSTILE,
      ip: { ipv4: { ip_addr: HOSTILE, virtual_network_id: UUID } },
      created_at: '2026-11-24T10:00:00Z',
      modified_at: '2026-11-24T10:00:00Z',
    };
    assertInert(renderAdminTargetsTable([target], new Map([[UUID, HOSTILE]])), 3);
    const agent: Agent = {
      id: UUID,
      hostname: HOSTILE,
      target_id: UUID,
      version: HOSTILE,
      sshd_config: { state: HOSTILE },
      recording: {
        recorder_command: HOSTILE,
        mode: 'strict',
        break_glass: { until: '2026-11-24T13:00:00Z', reason: 'x' },
      },
      last_seen_at: HOSTILE,
      created_at: '2026-11-24T10:00:00Z',
    } as Agent;
    assertInert(renderAgentsTable([agent], new Map([[UUID, HOSTILE]]), NOW), 5);
    const event: AuditEvent = {
      id: UUID,
      actor: HOSTILE,
      action: HOSTILE,
      resource_type: HOSTILE,
      resource_id: HOSTILE,
      after: { hostname: 'x', [HOSTILE]: 1 },
      before: { hostname: 'x' },
      created_at: HOSTILE,
    } as AuditEvent;
    const audit = renderAuditTable([event]);
    assertInert(audit, 4);
    assert.match(audit, /x: changed \\x1b\[1A/);
  });
});
