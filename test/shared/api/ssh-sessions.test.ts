// The contract the agent, the CLI and the server share for fronts, live sessions and session control:
// what a heartbeat may say about its front and sessions, and what a session-control poll may ask.
import assert from 'node:assert/strict';
import {
  AgentHeartbeatSchema,
  SessionControlQuerySchema,
  SshSessionParams,
  TARGET_BINDING_OPTION,
  checkAgainstSchema,
  convertAndCheckQuery,
  findSchemaProblem,
} from '@latchkey/shared';

const base = { version: '0.2.0', distro: 'debian 12', sshd_config: { state: 'trusted' } };
const session = {
  session_id: '7f3a9c1e-0d2b-4b5e-9a61-3c1d2e4f5a6b',
  person: 'ada@example.com',
  unix_user: 'deploy',
  program: 'exec',
  command: 'uptime',
  started_at: '2026-11-24T10:00:00.000Z',
  client_address: '192.0.2.10',
};
const front = { port: 2022, host_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4f root@web-1' };

describe('shared/api: fronts, live sessions and session control', () => {
  it('the binding option is the one the server and the front agree on', () => {
    assert.equal(TARGET_BINDING_OPTION, 'target@latchkey.dev');
  });

  const heartbeats: [string, object, string | undefined][] = [
    ['an older agent: neither front nor sessions', base, undefined],
    ['a front and its sessions', { ...base, front, sessions: [session] }, undefined],
    ['no sessions open', { ...base, front, sessions: [] }, undefined],
    [
      'the least a session says',
      { ...base, sessions: [{ ...session, command: undefined, client_address: undefined }] },
      undefined,
    ],
    ['port 0', { ...base, front: { ...front, port: 0 } }, '/front/port'],
    ['port 65536', { ...base, front: { ...front, port: 65536 } }, '/front/port'],
    ['a front without host key', { ...base, front: { port: 2022 } }, '/front/host_key'],
    ['an unknown front field', { ...base, front: { ...front, tls: true } }, '/front/tls'],
    [
      'a host key of 8193 characters',
      { ...base, front: { ...front, host_key: 'x'.repeat(8193) } },
      '/front/host_key',
    ],
    [
      'a session id with a dot',
      { ...base, sessions: [{ ...session, session_id: 'a.b' }] },
      '/sessions/0/session_id',
    ],
    [
      'an empty session id',
      { ...base, sessions: [{ ...session, session_id: '' }] },
      '/sessions/0/session_id',
    ],
    [
      'a session id of 65',
      { ...base, sessions: [{ ...session, session_id: 'a'.repeat(65) }] },
      '/sessions/0/session_id',
    ],
    ['an unknown program', { ...base, sessions: [{ ...session, program: 'x11' }] }, '/sessions/0/program'],
    [
      'a start that is no time',
      { ...base, sessions: [{ ...session, started_at: 'soon' }] },
      '/sessions/0/started_at',
    ],
    [
      'a command of 1001',
      { ...base, sessions: [{ ...session, command: 'x'.repeat(1001) }] },
      '/sessions/0/command',
    ],
    ['an unknown session field', { ...base, sessions: [{ ...session, pid: 1 }] }, '/sessions/0/pid'],
    ['2001 sessions', { ...base, sessions: Array(2001).fill(session) }, '/sessions'],
  ];
  for (const [name, body, pointer] of heartbeats) {
    it(`heartbeat: ${name} is ${pointer === undefined ? 'accepted' : `refused at ${pointer}`}`, () => {
      const clean = JSON.parse(JSON.stringify(body));
      assert.equal(findSchemaProblem(AgentHeartbeatSchema, clean)?.pointer, pointer);
      if (pointer !== undefined) {
        assert.throws(() => checkAgainstSchema(AgentHeartbeatSchema, clean), {
          message: new RegExp(`^${pointer}`),
        });
      }
    });
  }

  it('session control: after and wait_seconds are numbers in range, both optional', () => {
    assert.deepEqual(convertAndCheckQuery(SessionControlQuerySchema, {}), {});
    assert.deepEqual(convertAndCheckQuery(SessionControlQuerySchema, { after: '12', wait_seconds: '25' }), {
      after: 12,
      wait_seconds: 25,
    });
    for (const query of [{ after: '-1' }, { wait_seconds: '26' }, { wait_seconds: '-1' }, { since: '1' }]) {
      assert.throws(() => convertAndCheckQuery(SessionControlQuerySchema, query), JSON.stringify(query));
    }
  });

  it('a session id in a path is what a heartbeat may report', () => {
    assert.equal(
      findSchemaProblem(SshSessionParams, { account_id: 'a', session_id: session.session_id }),
      undefined,
    );
    assert.notEqual(findSchemaProblem(SshSessionParams, { account_id: 'a', session_id: 'a/b' }), undefined);
  });
});
