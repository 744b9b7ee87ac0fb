import assert from 'node:assert/strict';
import { generateSshKeyPair, isLatchkeyError, parseCertificate } from '@latchkey/shared';
import { connectSsh } from '../../../cli/src/app/connect-ssh.js';
import type { SshIdentity, SshRunResult, SshRunner } from '../../../cli/src/app/ports/ssh-runner.js';
import type { TargetCache } from '../../../cli/src/app/ports/target-cache.js';
import { credentialsFromTokens } from '../../../cli/src/domain/credentials.js';
import type { MeTarget } from '../../../cli/src/domain/access-api.js';
import { NO_PASS_THROUGH } from '../../../cli/src/domain/ssh-arguments.js';
import { meTarget } from '../domain/fixtures.js';
import { FakeAccessServer, FakeClock, FakeCredentialStore, MemoryTextFiles } from './fakes.js';

class MemoryTargetCache implements TargetCache {
  readonly lists = new Map<string, readonly MeTarget[]>();
  async get(server: string) {
    return this.lists.get(server);
  }
  async put(server: string, targets: readonly MeTarget[]) {
    this.lists.set(server, targets);
  }
  async forget(server: string) {
    this.lists.delete(server);
  }
}

describe('connectSsh', () => {
  async function setUp(answer: SshRunResult) {
    const clock = new FakeClock(new Date());
    const server = new FakeAccessServer(clock);
    server.targets = [meTarget('web-1', { usernames: ['ubuntu', 'deploy'], port: 2200 })];
    const store = new FakeCredentialStore();
    await store.put(credentialsFromTokens(server.url, server.issueTokens(), clock.now()));
    /** What happened, in order: server calls are in server.calls; here the ssh side. */
    const events: string[] = [];
    const starts: { args: string[]; kept: boolean; abandoned: boolean }[] = [];
    const provided: SshIdentity[] = [];
    let sessionOpen = false;
    const ssh: SshRunner = {
      async withAgent(use) {
        sessionOpen = true;
        try {
          return await use({
            agentSocket: '/t/agent.sock',
            provide: (identity) => {
              events.push(`provide after ${server.calls.length} server calls`);
              provided.push(identity);
            },
            start: (args) => {
              events.push(`start after ${server.calls.length} server calls`);
              const run = { args, kept: false, abandoned: false };
              starts.push(run);
              return {
                result: Promise.resolve(answer),
                keep: () => void (run.kept = true),
                abandon: async () => {
                  events.push(`abandon ssh ${starts.indexOf(run) + 1}`);
                  run.abandoned = true;
                },
              };
            },
          });
        } finally {
          sessionOpen = false;
        }
      },
    };
    const notes: string[] = [];
    const targetCache = new MemoryTargetCache();
    const files = new MemoryTextFiles(events);
    const deps = {
      server,
      store,
      clock,
      ssh,
      targetCache,
      files,
      generateKey: () => generateSshKeyPair('ed25519'),
      notify: (line: string) => notes.push(line),
      knownHostsFile: '/c/known_hosts',
    };
    return { server, starts, provided, events, notes, deps, files, targetCache, isOpen: () => sessionOpen };
  }
  const request = (destination: string) => ({
    destination,
    command: ['id', '-un'],
    passThrough: NO_PASS_THROUGH,
    localUsername: 'deploy',
  });

  it("with no recent target list: lists them, starts ssh, and keeps it when the certificate's address and port agree", async () => {
    const { starts, provided, events, server, targetCache, deps, isOpen } = await setUp({
      exitCode: 7,
      stderrTail: '',
    });
    assert.equal(await connectSsh(deps, request('web-1')), 7);
    assert.equal(isOpen(), false);
    assert.equal(starts.length, 1);
    const [run] = starts;
    assert.equal(run!.kept, true);
    const certificate = parseCertificate(provided[0]!.certificate);
    assert.deepEqual(certificate.principals, ['deploy'], 'the local user, being allowed');
    assert.ok(
      certificate.subjectKey.equals(provided[0]!.privateKey.publicKey),
      'the certificate is for the key',
    );
    assert.deepEqual(run!.args.slice(-5), ['2200', '--', 'deploy@10.0.0.5', 'id', '-un']);
    assert.ok(run!.args.includes('HostKeyAlias=web-1'));
    assert.ok(run!.args.includes('IdentityAgent=/t/agent.sock'));
    assert.equal(server.calls.filter((c) => c.startsWith('targets')).length, 1);
    assert.deepEqual(
      events,
      ['start after 1 server calls', 'provide after 2 server calls'],
      'ssh starts once the list has named the target, before the certificate request',
    );
    assert.equal(targetCache.lists.get(server.url)?.length, 1, 'the list is kept for the next connection');
  });

  it('with a recent target list: starts ssh before the certificate is issued, and keeps it', async () => {
    const { starts, events, server, targetCache, deps } = await setUp({ exitCode: 0, stderrTail: '' });
    await targetCache.put(server.url, server.targets);
    assert.equal(await connectSsh(deps, request('web-1')), 0);
    assert.deepEqual(events, ['start after 0 server calls', 'provide after 1 server calls']);
    assert.deepEqual(
      server.calls.map((c) => c.split(' ')[0]),
      ['certificate'],
      'no listing',
    );
    assert.equal(starts.length, 1);
    assert.equal(starts[0]!.kept, true);
  });

  it('when the recent list is out of date (another port), ends the early ssh and goes where the certificate says', async () => {
    const { starts, server, targetCache, deps } = await setUp({ exitCode: 0, stderrTail: '' });
    await targetCache.put(server.url, [{ ...server.targets[0]!, port: 22 }]);
    assert.equal(await connectSsh(deps, request('web-1')), 0);
    assert.equal(starts.length, 2);
    assert.deepEqual([starts[0]!.abandoned, starts[0]!.kept], [true, false]);
    assert.equal(starts[0]!.args[starts[0]!.args.indexOf('-p') + 1], '22');
    assert.equal(starts[1]!.kept, true);
    assert.equal(starts[1]!.args[starts[1]!.args.indexOf('-p') + 1], '2200');
  });

  describe('through the tunnel', () => {
    const proxyArg = (args: readonly string[]) => args.find((arg) => arg.startsWith('ProxyCommand='));
    const withTunnel = <T extends object>(deps: T) => ({
      ...deps,
      tunnel: { proxyCommand: (targetId: string) => `latchkey proxy ${targetId} %p` },
    });

    it('a target the list marks tunnel: true goes through the tunnel; an unmarked one dials its address', async () => {
      for (const [tunnel, proxy] of [
        [true, `ProxyCommand=latchkey proxy ${meTarget('web-1').id} %p`],
        [undefined, undefined],
      ] as const) {
        const { starts, server, deps } = await setUp({ exitCode: 0, stderrTail: '' });
        server.targets = [{ ...server.targets[0]!, ...(tunnel === undefined ? {} : { tunnel }) }];
        assert.equal(await connectSsh(withTunnel(deps), request('web-1')), 0);
        assert.equal(starts.length, 1);
        assert.equal(proxyArg(starts[0]!.args), proxy);
        assert.deepEqual(
          server.calls.map((c) => c.split(' ')[0]),
          ['targets', 'certificate'],
          'no separate tunnel list: the target list says it',
        );
      }
    });

    it('from a recent list, whether to tunnel is read from the list the server gives now', async () => {
      const { starts, server, targetCache, deps } = await setUp({ exitCode: 0, stderrTail: '' });
      await targetCache.put(server.url, [{ ...server.targets[0]!, tunnel: true }]);
      assert.equal(await connectSsh(withTunnel(deps), request('web-1')), 0);
      assert.deepEqual(
        server.calls.map((c) => c.split(' ')[0]),
        ['certificate', 'targets'],
      );
      assert.equal(starts.length, 2, 'the early ssh went through a tunnel that is gone');
      assert.deepEqual([starts[0]!.abandoned, proxyArg(starts[0]!.args) !== undefined], [true, true]);
      assert.deepEqual([starts[1]!.kept, proxyArg(starts[1]!.args)], [true, undefined]);
    });
  });

  it('when the recent list names a target that is gone, asks the server for the list', async () => {
    const { starts, server, targetCache, deps } = await setUp({ exitCode: 0, stderrTail: '' });
    await targetCache.put(server.url, [meTarget('web-1', { id: 'gone', usernames: ['deploy'] })]);
    assert.equal(await connectSsh(deps, request('web-1')), 0);
    assert.deepEqual(
      server.calls.map((c) => c.split(' ')[0]),
      ['certificate', 'targets', 'certificate'],
    );
    assert.equal(starts.at(-1)!.kept, true);
    assert.equal(targetCache.lists.get(server.url)?.[0]?.id, server.targets[0]!.id, 'the cache is renewed');
  });

  it('names the target and the fix when ssh refused a changed host key', async () => {
    const { notes, deps } = await setUp({
      exitCode: 255,
      stderrTail:
        '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n',
    });
    assert.equal(await connectSsh(deps, request('ubuntu@web-1')), 255);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /The host key of web-1 .*\/c\/known_hosts.*latchkey known-hosts forget web-1/);
  });

  it('does not keep any ssh when the server denies the certificate (an early one is ended)', async () => {
    const { server, starts, provided, targetCache, deps } = await setUp({ exitCode: 0, stderrTail: '' });
    await targetCache.put(server.url, server.targets);
    server.deny = (target, username) => `you may not log in to ${target.hostname} as ${username}`;
    await assert.rejects(
      connectSsh(deps, request('root@web-1')),
      (e) => isLatchkeyError(e, 'permission_denied') && e.message === 'you may not log in to web-1 as root',
    );
    assert.equal(provided.length, 0);
    assert.ok(starts.every((run) => !run.kept && run.abandoned));
    assert.deepEqual(
      server.calls.map((c) => c.split(' ')[0]),
      ['certificate'],
      'a denied username the person named is not asked again with a fresh list',
    );
  });

  describe("a fronted target (its agent's SSH front, with the host key the server gives)", () => {
    const SERVER_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const OLD_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const FIRST_USE_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const front = (hostKey: string) => ({
      port: 2201,
      front: { port: 2201, host_key: `${hostKey} agent@web-1` },
    });
    const option = (args: string[], name: string) => args.find((a) => a.startsWith(`${name}=`));
    const port = (args: string[]) => args[args.indexOf('-p') + 1];

    async function fronted(answer: SshRunResult = { exitCode: 0, stderrTail: '' }) {
      const setup = await setUp(answer);
      setup.server.targets = [meTarget('web-1', { usernames: ['ubuntu', 'deploy'], ...front(SERVER_KEY) })];
      return setup;
    }

    it("pins the server's key before ssh starts (replacing an earlier pin, keeping other lines), and ssh checks strictly at the front's port", async () => {
      const { starts, events, files, deps } = await fronted();
      files.files.set('/c/known_hosts', `db-1 ${FIRST_USE_KEY}\nweb-1 ${FIRST_USE_KEY}\n`);
      assert.equal(await connectSsh(deps, request('web-1')), 0);
      assert.equal(files.files.get('/c/known_hosts'), `db-1 ${FIRST_USE_KEY}\nweb-1 ${SERVER_KEY}\n`);
      // Without a recent list, the pin is written (and ssh started) while the certificate is requested.
      assert.deepEqual(events, [
        'write /c/known_hosts',
        'start after 2 server calls',
        'provide after 2 server calls',
      ]);
      assert.equal(starts.length, 1);
      const args = starts[0]!.args;
      assert.equal(option(args, 'StrictHostKeyChecking'), 'StrictHostKeyChecking=yes');
      assert.equal(option(args, 'GlobalKnownHostsFile'), 'GlobalKnownHostsFile=/dev/null');
      assert.equal(option(args, 'HostKeyAlias'), 'HostKeyAlias=web-1');
      assert.equal(port(args), '2201');
    });

    it('writes nothing when that key is already the pin, and starts at once from a recent list', async () => {
      const { starts, events, files, server, targetCache, deps } = await fronted();
      files.files.set('/c/known_hosts', `web-1 ${SERVER_KEY}\n`);
      await targetCache.put(server.url, server.targets);
      assert.equal(await connectSsh(deps, request('web-1')), 0);
      assert.deepEqual(events, ['start after 0 server calls', 'provide after 1 server calls']);
      assert.equal(starts[0]!.kept, true);
    });

    it("a stale key in the recent list: the early ssh is ended before it is offered the identity, and the one kept is held to the certificate answer's key", async () => {
      const { starts, events, files, server, targetCache, deps } = await fronted();
      await targetCache.put(server.url, [{ ...server.targets[0]!, ...front(OLD_KEY) }]);
      assert.equal(await connectSsh(deps, request('web-1')), 0);
      assert.deepEqual(events, [
        'write /c/known_hosts',
        'start after 0 server calls',
        'abandon ssh 1',
        'write /c/known_hosts',
        'start after 1 server calls',
        'provide after 1 server calls',
      ]);
      assert.deepEqual(
        starts.map((run) => [run.abandoned, run.kept]),
        [
          [true, false],
          [false, true],
        ],
      );
      assert.equal(files.files.get('/c/known_hosts'), `web-1 ${SERVER_KEY}\n`);
    });

    it('a recent list that did not know the target was fronted: the first-use ssh is ended, a strict one goes to the front', async () => {
      const { starts, files, server, targetCache, deps } = await fronted();
      await targetCache.put(server.url, [meTarget('web-1', { usernames: ['ubuntu', 'deploy'], port: 22 })]);
      assert.equal(await connectSsh(deps, request('web-1')), 0);
      assert.equal(starts.length, 2);
      assert.equal(option(starts[0]!.args, 'StrictHostKeyChecking'), 'StrictHostKeyChecking=accept-new');
      assert.equal(starts[0]!.abandoned, true);
      assert.equal(option(starts[1]!.args, 'StrictHostKeyChecking'), 'StrictHostKeyChecking=yes');
      assert.equal(port(starts[1]!.args), '2201');
      assert.equal(files.files.get('/c/known_hosts'), `web-1 ${SERVER_KEY}\n`);
    });

    it('when the host shows another key: says it is not the host the server knows, how to refresh, and forgets the recent list', async () => {
      const { notes, server, targetCache, deps } = await fronted({
        exitCode: 255,
        stderrTail:
          '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key for web-1 has changed and you have requested strict checking.\nHost key verification failed.\n',
      });
      await targetCache.put(server.url, server.targets);
      assert.equal(await connectSsh(deps, request('web-1')), 255);
      assert.equal(notes.length, 1);
      assert.match(notes[0]!, /not the one the access server knows for web-1/);
      assert.match(notes[0]!, /`latchkey targets` refreshes/);
      assert.equal(targetCache.lists.get(server.url), undefined, 'the next connection lists afresh');
    });

    it('when the host shows a key of another type (none of it known): the same refusal', async () => {
      const { notes, deps } = await fronted({
        exitCode: 255,
        stderrTail:
          'No ECDSA host key is known for web-1 and you have requested strict checking.\nHost key verification failed.\n',
      });
      assert.equal(await connectSsh(deps, request('web-1')), 255);
      assert.match(notes[0] ?? '', /not the one the access server knows for web-1/);
    });

    it('a certificate answer without host_key, with a recent list that says fronted: lists again and holds ssh to the key listed now', async () => {
      const { starts, files, server, targetCache, deps } = await fronted();
      server.omitHostKey = true;
      await targetCache.put(server.url, [{ ...server.targets[0]!, ...front(OLD_KEY) }]);
      assert.equal(await connectSsh(deps, request('web-1')), 0);
      assert.deepEqual(
        server.calls.map((c) => c.split(' ')[0]),
        ['certificate', 'targets'],
      );
      assert.equal(starts.at(-1)!.kept, true);
      assert.equal(option(starts.at(-1)!.args, 'StrictHostKeyChecking'), 'StrictHostKeyChecking=yes');
      assert.equal(files.files.get('/c/known_hosts'), `web-1 ${SERVER_KEY}\n`);
      assert.equal(
        targetCache.lists.get(server.url)?.[0]?.front?.host_key,
        server.targets[0]!.front!.host_key,
        'the recent list is renewed',
      );
    });

    it('a host key from the server that is not one public key line: no connection, no identity, and the early ssh ended', async () => {
      const { starts, provided, files, server, targetCache, deps } = await fronted();
      await targetCache.put(server.url, server.targets);
      server.targets = [{ ...server.targets[0]!, ...front(`${SERVER_KEY}\n* ${OLD_KEY}`) }];
      await assert.rejects(connectSsh(deps, request('web-1')), (e) => isLatchkeyError(e, 'internal'));
      assert.equal(provided.length, 0);
      assert.ok(starts.every((run) => run.abandoned && !run.kept));
      assert.doesNotMatch(files.files.get('/c/known_hosts') ?? '', /\* /);
    });
  });
});
