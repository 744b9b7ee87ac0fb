// A login through the SSH front while the local sshd is away for a moment (issue 18: drift repair that
// never locks anyone out). sshd is briefly not listening whenever it re-executes on SIGHUP: after the
// agent's own reload, a package upgrade, an admin's `systemctl reload ssh`. The front tries its inner
// connection again for a few seconds (agent/src/front/inner-login-retry.ts) instead of refusing a person
// whose access is fine. Everything real (front-fixture.ts): the server, the agent with its front, the
// harness's sshd, which the test stops and starts again on the same port, and OpenSSH's client.
import assert from 'node:assert/strict';
import { eventually } from '../../harness/index.js';
import { startFrontWorld, type FrontWorld } from './front-fixture.js';

describe('e2e: a login through the front while sshd is away', function () {
  this.timeout(180_000);
  let world: FrontWorld;

  before(async () => {
    world = await startFrontWorld();
  });
  after(async () => {
    await world?.stop();
  });

  it('waits for sshd to come back, logs in, and the session is recorded', async () => {
    const { web } = world;
    const marker = `away-${process.pid}-${Date.now()}`;
    const certificate = await world.certificateFor(web);
    const since = web.agent.output().length;
    await web.sshd.halt();
    let resumed = false;
    const login = world.sshFront(web, certificate, `echo through-${marker}`, { timeoutMs: 60_000 });
    try {
      // sshd comes back only once the front has found it gone: the retry is what lets this login in.
      await web.agent.waitForOutput(/the local sshd is not answering .*; trying again/, 30_000, since);
    } finally {
      await web.sshd.resume();
      resumed = true;
    }
    const result = await login;
    assert.ok(resumed);
    assert.equal(result.code, 0, `ssh failed: ${result.stderr}\nagent:\n${web.agent.output().slice(since)}`);
    assert.match(result.stdout, new RegExp(`through-${marker}`));
    assert.match(web.agent.output().slice(since), /logged in as/);

    const recorded = await eventually('the session log on the server', 60_000, async () =>
      (await world.serverLogs(web)).find(({ log }) =>
        Buffer.concat(log.packets.map((packet) => packet.data))
          .toString('utf8')
          .includes(`through-${marker}`),
      ),
    );
    assert.ok(recorded);
  });

  it('refuses the login, saying why, when sshd stays away, and logs in again once it is back', async () => {
    const { web } = world;
    const certificate = await world.certificateFor(web);
    const since = web.agent.output().length;
    await web.sshd.halt();
    try {
      const refused = await world.sshFront(web, certificate, 'echo never', { timeoutMs: 60_000 });
      assert.notEqual(refused.code, 0, 'a login with no sshd behind the front cannot succeed');
      const said = web.agent.output().slice(since);
      assert.equal(said.match(/trying again/g)?.length, 5, `five retries, then the refusal:\n${said}`);
      assert.match(said, /no login to the local sshd: .*ECONNREFUSED/);
    } finally {
      await web.sshd.resume().catch((error: Error) => {
        throw new Error(`${error.message}\nagent:\n${web.agent.output().slice(since)}`);
      });
    }
    const result = await world.sshFront(web, certificate, 'echo back');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /back/);
  });
});
