// Issue 18, "a quick start that always starts": `bash scripts/up.sh` keeps everything in the checkout's
// own .latchkey-dev/, so it comes up from a second checkout on the same machine (same ports, as the
// defaults would be), after `git clean -fdx`, and after a start that was killed outright (SIGKILL) and
// left its processes and a stale credential behind. Each time the demo person then really logs in through
// the agent's SSH front. The checkouts are copies of this one in a temp dir (their node_modules borrowed);
// every process they start is stopped by the end.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createTempDir,
  findFreePort,
  isAlive,
  runCommand,
  terminate,
  type TempDir,
} from '../../harness/index.js';
import { loginWithDeviceFlow, makeCliHome, runLatchkey } from '../cli/latchkey-cli.js';
import {
  LocalLatchkey,
  borrowNodeModules,
  copyCheckout,
  processesNaming,
  stopEverythingFrom,
} from './local-latchkey.js';

describe('e2e: scripts/up.sh always starts (any checkout, after git clean -fdx, after a crash)', function () {
  this.timeout(600_000);
  const unixUser = `lk-qs-${randomBytes(3).toString('hex')}`;
  let dir: TempDir;
  let first: string;
  let second: string;
  let env: NodeJS.ProcessEnv;
  const enrolmentOf = (checkout: string) => join(checkout, '.latchkey-dev', 'agent-state', 'enrolment.json');
  let logins = 0;

  before(async function () {
    this.timeout(120_000);
    dir = await createTempDir('quick-start');
    stopEverythingFrom(dir.path);
    first = await copyCheckout(dir.file('first'), { git: true });
    second = await copyCheckout(dir.file('second'));
    // One set of ports for both checkouts, as the defaults are one set for the machine.
    env = {
      ...process.env,
      LATCHKEY_LISTEN: `127.0.0.1:${await findFreePort('127.0.0.1')}`,
      LATCHKEY_FRONT_LISTEN: `127.0.0.1:${await findFreePort('127.0.0.1')}`,
      LATCHKEY_TARGET_LISTEN: `127.0.0.1:${await findFreePort('127.0.0.1')}`,
      LATCHKEY_DEMO_UNIX_USER: unixUser,
    };
    delete env.LATCHKEY_DEV_DIR; // each checkout's own .latchkey-dev/
  });

  after(async () => {
    // Whatever a failed test left running in the copies, before its user and files go.
    if (dir !== undefined) await terminate((await processesNaming(dir.path)).map((found) => found.pid));
    await runCommand('userdel', ['-r', unixUser]);
    await dir?.remove();
  });

  /** The demo person signs in with the printed password and runs a command through the front. */
  async function demoPersonLogsIn(up: LocalLatchkey): Promise<void> {
    const { url, password } = await up.ready();
    const cli = await makeCliHome(dir.file(`person-${++logins}`), url);
    const signedIn = await loginWithDeviceFlow(cli, { email: 'demo@latchkey.test', password }, [
      '--server',
      url,
    ]);
    assert.equal(signedIn.code, 0, signedIn.stderr);
    const ran = await runLatchkey(cli, ['ssh', `${unixUser}@local-target`, '--', 'id', '-un'], {
      timeoutMs: 60_000,
    });
    assert.equal(ran.code, 0, `${ran.stderr}\nscripts/up.sh printed:\n${up.output}`);
    assert.equal(ran.stdout, `${unixUser}\n`);
  }

  async function stopsCleanly(up: LocalLatchkey, checkout: string): Promise<void> {
    assert.equal(await up.interrupt(), 0, up.output);
    assert.match(up.output, /Stopped: nothing is left running\./);
    assert.deepEqual(await processesNaming(checkout), []);
  }

  it('after a crash: a start stops what the killed one left running, and enrols again if its credential went stale', async () => {
    const crashed = LocalLatchkey.start(first, env);
    const { url } = await crashed.ready();
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    const orphans = await processesNaming(first);
    for (const what of [/latchkey-server\.js start/, /sshd -D/]) {
      assert.ok(
        orphans.some((orphan) => what.test(orphan.command)),
        `${what} left running: ${JSON.stringify(orphans)}`,
      );
    }
    // The crash also hit while the agent renewed its credential: the server revoked the old one, the
    // new one never reached enrolment.json.
    const stale = JSON.parse(await readFile(enrolmentOf(first), 'utf8')) as { apiToken: string };
    const renewed = await fetch(`${url}/v1/agents/credential/renew`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stale.apiToken}` },
    });
    assert.equal(renewed.status, 200, await renewed.text());

    const up = LocalLatchkey.start(first, env);
    await up.ready();
    assert.match(
      up.output,
      /stopping what an earlier start left running: .*sshd \(pid \d+\).*latchkey-server \(pid \d+\)/,
    );
    for (const orphan of orphans) assert.ok(!isAlive(orphan.pid), `${orphan.command} still runs`);
    assert.match(up.output, /the agent: enrolled again: the server does not accept its credential/);
    await demoPersonLogsIn(up);
    await stopsCleanly(up, first);
  });

  it('a second checkout on the same machine has a Latchkey of its own; the first keeps its own', async () => {
    const firstEnrolment = await readFile(enrolmentOf(first), 'utf8');
    const up = LocalLatchkey.start(second, env);
    await up.ready();
    assert.match(up.output, /the agent: enrolled$/m);
    await demoPersonLogsIn(up);
    await stopsCleanly(up, second);
    const secondEnrolment = JSON.parse(await readFile(enrolmentOf(second), 'utf8')) as {
      accountId: string;
    };
    assert.notEqual(
      secondEnrolment.accountId,
      (JSON.parse(firstEnrolment) as { accountId: string }).accountId,
    );
    assert.equal(await readFile(enrolmentOf(first), 'utf8'), firstEnrolment);
  });

  it("after git clean -fdx, even with another checkout's enrolment where the agent keeps its state", async () => {
    const cleaned = await runCommand('git', ['-C', first, 'clean', '-q', '-fdx']);
    assert.equal(cleaned.code, 0, cleaned.stderr);
    assert.ok(!existsSync(join(first, '.latchkey-dev')));
    // What `npm ci` (which up.sh runs when node_modules is gone) would make again, borrowed.
    await borrowNodeModules(first);
    // What the old layout kept outside the checkout, across cleans and checkouts (/run/latchkey-dev):
    // the second checkout's enrolment, for the same server URL but another server's data.
    await mkdir(join(first, '.latchkey-dev', 'agent-state'), { recursive: true, mode: 0o700 });
    await copyFile(enrolmentOf(second), enrolmentOf(first));

    const up = LocalLatchkey.start(first, env);
    await up.ready();
    assert.match(
      up.output,
      /the agent: enrolled again: it was enrolled in account \S+, which this server's data does not have/,
    );
    await demoPersonLogsIn(up);
    await stopsCleanly(up, first);
  });
});
