// The decisions behind "a quick start that always starts" (issue 18), as data: which agent enrolment
// scripts/up.sh keeps, and which processes it takes for what an earlier start of the same checkout left
// running. quick-start.test.ts shows the same against real starts; these cases are the edges.
import assert from 'node:assert/strict';
import { judgeEnrolment } from '../../../scripts/local-latchkey/agent-enrolment.js';
import { findLeftovers } from '../../../scripts/local-latchkey/leftovers.js';
import type { ProcessInfo } from '../../../scripts/local-latchkey/processes.js';

describe('scripts/local-latchkey: which enrolment is kept, which processes are leftovers', () => {
  describe('judgeEnrolment', () => {
    const server = { url: 'http://127.0.0.1:8443', accountId: 'acc-1' };
    const enrolment = {
      server: 'http://127.0.0.1:8443',
      accountId: 'acc-1',
      agentId: 'agent-1',
      apiToken: 'lk_secret',
    };
    const cases: [string, string | undefined, RegExp | 'missing' | 'check-credential'][] = [
      ['no enrolment.json', undefined, 'missing'],
      ["this server's", JSON.stringify(enrolment), 'check-credential'],
      [
        'the same server with a trailing slash',
        JSON.stringify({ ...enrolment, server: 'http://127.0.0.1:8443/' }),
        'check-credential',
      ],
      [
        'another server URL',
        JSON.stringify({ ...enrolment, server: 'http://127.0.0.1:9443' }),
        /another server \(http:\/\/127\.0\.0\.1:9443\)/,
      ],
      [
        "another account (the server's data was made again)",
        JSON.stringify({ ...enrolment, accountId: 'acc-0' }),
        /enrolled in account acc-0, which this server's data does not have/,
      ],
      ['not JSON', '{"server":', /not valid JSON/],
      ['without a credential', JSON.stringify({ ...enrolment, apiToken: undefined }), /lacks/],
    ];
    for (const [what, text, expected] of cases) {
      it(what, () => {
        const verdict = judgeEnrolment(text, server);
        if (typeof expected === 'string') assert.equal(verdict.kind, expected);
        else {
          assert.equal(verdict.kind, 'stale');
          assert.match(verdict.kind === 'stale' ? verdict.why : '', expected);
        }
      });
    }
  });

  describe('findLeftovers', () => {
    const dev = '/src/a/.latchkey-dev';
    const paths = {
      agentState: `${dev}/agent-state`,
      sshdConfig: `${dev}/target/sshd_config`,
      serverData: `${dev}/server`,
    };
    let nextPid = 100;
    const proc = (argv: string[], ppid = 1): ProcessInfo => ({
      pid: nextPid++,
      ppid,
      startTime: 5,
      argv,
    });
    const server = proc([
      '/usr/bin/node',
      '/src/a/server/bin/latchkey-server.js',
      'start',
      '--data-dir',
      paths.serverData,
      '--listen',
      '127.0.0.1:8443',
    ]);
    // sshd retitles itself: its whole command line in one string.
    const sshd = proc([`sshd: /usr/sbin/sshd -D -e -f ${paths.sshdConfig} [listener] 0 of 10-100 startups`]);
    const agent = proc([
      '/usr/bin/node',
      '/src/a/agent/bin/latchkey-agent.js',
      'run',
      '--state-dir',
      paths.agentState,
      '--front-listen',
      '127.0.0.1:2022',
    ]);
    const others = [
      proc([
        '/usr/bin/node',
        '/src/b/server/bin/latchkey-server.js',
        'start',
        '--data-dir',
        '/src/b/.latchkey-dev/server',
      ]),
      proc(['ls', paths.serverData]),
      proc([
        '/usr/bin/node',
        '/src/a/server/bin/latchkey-server.js',
        'user',
        'list',
        '--data-dir',
        paths.serverData,
      ]),
      proc(['sshd: latchkey-demo [priv]']),
    ];

    it('finds none among other checkouts and commands that merely name its paths', () => {
      assert.deepEqual(findLeftovers(others, paths, 1), { kind: 'none' });
    });

    it('takes orphans for leftovers, the agent first and the server last', () => {
      const verdict = findLeftovers([server, ...others, sshd, agent], paths, 1);
      assert.equal(verdict.kind, 'orphans');
      assert.deepEqual(verdict.kind === 'orphans' ? verdict.leftovers.map((l) => [l.role, l.pid]) : [], [
        ['latchkey-agent', agent.pid],
        ['sshd', sshd.pid],
        ['latchkey-server', server.pid],
      ]);
    });

    it('says the Latchkey is running when their starter lives', () => {
      const main = proc([
        'node',
        '--conditions=latchkey-source',
        '--import',
        'tsx',
        'scripts/local-latchkey/main.ts',
      ]);
      const child = { ...server, ppid: main.pid };
      const verdict = findLeftovers([main, child, sshd], paths, 1);
      assert.deepEqual(verdict, { kind: 'running', main });
    });

    it('leaves out the start that is looking', () => {
      const main = proc(['node', 'scripts/local-latchkey/main.ts']);
      const child = { ...server, ppid: main.pid };
      assert.equal(findLeftovers([main, child], paths, main.pid).kind, 'orphans');
    });
  });
});
