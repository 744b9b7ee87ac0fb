// How a session through the SSH front ends when its client does not end it: the ssh client is SIGKILLed
// mid-session (a laptop lid closed, a network gone). The front must hang the session up on the target
// (the program under the PTY gets its SIGHUP, nothing keeps running as the user) and still finish the log
// whole, as the force-command recorder's "a client that vanishes" test showed for that design. Real
// processes throughout (test/e2e/front/front-fixture.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { registerCleanup, eventually, runCommand } from '../../harness/index.js';
import { startFrontWorld, type FrontWorld } from './front-fixture.js';

describe('e2e: sessions through the SSH front that end badly', function () {
  this.timeout(240_000);
  let world: FrontWorld;

  before(async () => {
    world = await startFrontWorld();
  });
  after(async () => {
    await world?.stop();
  });

  it('the session is hung up on the target, and its log is finished whole', async () => {
    const marker = `vanish-${process.pid}-${Date.now()}`;
    const certificate = await world.certificateFor(world.web);
    const options = await world.clientOptions(world.web, certificate);
    // A program that would outlive the client if nothing hung it up, named after the marker (exec -a).
    const client = spawn(
      '/usr/bin/ssh',
      [
        '-tt',
        ...options,
        ...['-p', String(world.web.frontPort), '-l', world.user.name, '127.0.0.1'],
        `bash -c 'echo started-${marker}; exec -a sleep-${marker} sleep 300'`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const handle = registerCleanup('ssh client (vanish)', async () => {
      client.kill('SIGKILL');
    });
    let output = '';
    client.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    client.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually('the session started', 30_000, async () =>
      output.includes(`started-${marker}`) ? true : undefined,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the client said:\n${output}`);
    });
    const running = async () =>
      (await runCommand('pgrep', ['-u', world.user.name, '-f', `sleep-${marker}`])).stdout.trim();
    assert.notEqual(await running(), '', 'the program runs on the target as the user');

    // The client vanishes without a word to the front.
    client.kill('SIGKILL');
    await new Promise((resolve) => client.once('close', resolve));
    handle.release();

    await eventually('the program hung up on the target', 20_000, async () =>
      (await running()) === '' ? true : undefined,
    );
    const log = await eventually('the session log on the server', 60_000, async () => {
      for (const { log } of await world.serverLogs(world.web)) {
        const text = Buffer.concat(log.packets.map((p) => Buffer.from(p.data))).toString();
        if (text.includes(`started-${marker}`)) return log;
      }
      return undefined;
    });
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
  });

  it('a program killed by a signal: the client is told so, and the log records that signal', async () => {
    const marker = `signal-${process.pid}-${Date.now()}`;
    const certificate = await world.certificateFor(world.web);
    const result = await world.sshFront(world.web, certificate, `echo ${marker}; kill -TERM $$`);
    assert.notEqual(result.code, 0, 'not a clean exit');
    assert.match(result.stdout, new RegExp(marker));
    const log = await eventually('the session log on the server', 60_000, async () => {
      for (const { log } of await world.serverLogs(world.web)) {
        const text = Buffer.concat(log.packets.map((p) => Buffer.from(p.data))).toString();
        if (text.includes(marker)) return log;
      }
      return undefined;
    });
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    assert.equal(log.metadata.exit_data?.signal, 'TERM');
  });
});
