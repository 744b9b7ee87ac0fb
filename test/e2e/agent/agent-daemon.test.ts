// The real agent, as a child process, against a real access server (listening on loopback) and a real
// sshd (the harness's, no service manager: the reload is a SIGHUP to its PidFile): enrol with a join
// token, run the daemon, and check what a sysadmin would — the target appears with its addresses, a
// certificate the server issues logs in through the agent's SSH front (sshd itself trusts only the
// agent's host CA), tampering with ca.pub is repaired (and audited), and a server
// that goes away and comes back breaks nothing. The waits are generous bounds, not timings: how fast drift
// is repaired is measured by bench/agent-daemon.bench.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseSshPrivateKey } from '@latchkey/shared';
import { buildApp } from '../../../server/src/adapters/http/build-app.js';
import { createServices } from '../../../server/src/compose.js';
import { runAgent, startAgent } from './agent-process.js';
import type { AgentProcess } from './agent-process.js';
import type { LatchkeyApp } from '../../../server/src/adapters/http/build-app.js';
import {
  createTempDir,
  createTestUser,
  eventually,
  generateKeyWithSshKeygen,
  registerCleanup,
  removeTestUser,
  runSsh,
  startSshd,
} from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import { postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { startTestServer, TEST_PASSWORD_HASHER } from '../../server/support/test-server.js';
import type { Json, TestServer } from '../../server/support/test-server.js';

describe('e2e: the agent daemon against a real access server and a real sshd', function () {
  this.timeout(90_000);
  let server: TestServer;
  let restarted: LatchkeyApp | undefined;
  let sshd: RunningSshd;
  let user: TestUser;
  let dir: TempDir;
  let agent: AgentProcess;
  let caPublicKey: string;
  let caPath: string;
  let keyFile: string;
  let publicKey: string;
  let sshdArgs: string[];
  let lastCertificateFile: string | undefined;
  let pristineConfig: string;
  const stateDir = () => dir.file('state');

  /** The admin API over real HTTP (so it works across the server's restart). */
  async function admin(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Json> {
    const response = await fetch(`${server.url}${path.startsWith('/v1/') ? '' : server.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as Json;
    assert.ok(response.status < 300, `${method} ${path}: ${JSON.stringify(answer)}`);
    return answer.result;
  }

  /**
   * ssh to the harness sshd, retrying while it refuses connections: a reload (SIGHUP) makes sshd re-exec
   * and re-listen, and a connection that arrives in that instant is refused. Any other outcome (a login,
   * an authentication failure) is answered at once.
   */
  async function sshAcrossReloads(options: Parameters<typeof runSsh>[0]) {
    for (let attempt = 1; ; attempt += 1) {
      const result = await runSsh(options);
      if (result.code !== 255 || !/Connection refused/.test(result.stderr) || attempt === 20) return result;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Signs bob in through the device flow and gets a certificate for the agent's target. */
  async function certificateLogin(
    targetId: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const tokens = await signInBuiltIn(server.url, 'bob@corp.example', 'bob password');
    const issued = await postJson(server.url, '/v1/me/certificates', tokens.access_token, {
      target_id: targetId,
      username: user.name,
      public_key: publicKey,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const certificateFile = dir.file(`cert-${randomBytes(4).toString('hex')}-cert.pub`);
    await writeFile(certificateFile, `${issued.body.result.certificate}\n`);
    lastCertificateFile = certificateFile;
    return sshThroughFront(certificateFile);
  }

  /** The agent's front: its port from the agent's log, its host key from its state directory. */
  async function sshThroughFront(certificateFile: string) {
    const port = Number(/ssh front listening on 127\.0\.0\.1:(\d+)/.exec(agent.output())?.[1]);
    const hostKey = parseSshPrivateKey(
      await readFile(`${stateDir()}/front/ssh_host_ed25519_key`, 'utf8'),
    ).publicKey.toAuthorizedKey();
    const knownHostsFile = dir.file('front_known_hosts');
    await writeFile(knownHostsFile, `[127.0.0.1]:${port} ${hostKey}\n`);
    return sshAcrossReloads({
      host: '127.0.0.1',
      port,
      knownHostsFile,
      user: user.name,
      identityFile: keyFile,
      certificateFile,
      command: 'id -un',
    });
  }

  /** What sshd's ca.pub must hold: the agent's host-local CA, never the account CA. */
  async function hostCaKey(): Promise<string> {
    const hostCa = parseSshPrivateKey(await readFile(`${stateDir()}/front/host_ca_ed25519_key`, 'utf8'));
    return hostCa.publicKey.toAuthorizedKey().split(' ')[1]!;
  }

  /**
   * sshd is still the harness's, on its own config: alive, and its pid file (which sshd removes when it
   * re-executes, and writes again only from the PidFile of the config it read) names it.
   */
  async function assertSshdIsTheHarnesss(): Promise<void> {
    assert.equal(sshd.exited, false, `sshd exited; its log:\n${sshd.logs().slice(-4000)}`);
    await eventually('sshd writes its pid file again', 10_000, async () =>
      (await readFile(`${sshd.dir}/sshd.pid`, 'utf8').catch(() => '')).trim() === String(sshd.pid)
        ? true
        : undefined,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; sshd's log:\n${sshd.logs().slice(-4000)}`);
    });
  }

  async function agentTarget(): Promise<Json | undefined> {
    const targets = await admin('GET', '/infrastructure/targets?hostname=e2e-box');
    return targets[0];
  }

  before(async () => {
    // Owned by this block (not by the test that starts the agent): the agent runs across the tests.
    registerCleanup('latchkey-agent run', async () => {
      await agent?.stop();
    });
    server = await startTestServer({ listen: true });
    dir = await createTempDir('agent-daemon-e2e');
    user = await createTestUser();
    sshd = await startSshd();
    caPath = `${sshd.dir}/ca.pub`;
    pristineConfig = await readFile(sshd.configPath, 'utf8');
    sshdArgs = [
      '--state-dir',
      stateDir(),
      '--sshd-config',
      sshd.configPath,
      '--ssh-dir',
      sshd.dir,
      '--ca-path',
      caPath,
      '--sshd-pid-file',
      `${sshd.dir}/sshd.pid`,
    ];
    caPublicKey = (await admin('POST', '/access/gateway_ca')).public_key;
    keyFile = dir.file('id_ed25519');
    publicKey = (await generateKeyWithSshKeygen(keyFile)).publicKey;
    await server.addUser('bob@corp.example', 'bob password', ['sre']);
    await admin('POST', '/access/apps', {
      name: 'e2e-box over ssh',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['e2e-box'] }, port: sshd.port, protocol: 'SSH' }],
      policies: [
        {
          name: 'bob',
          decision: 'allow',
          include: [{ email: { email: 'bob@corp.example' } }],
          connection_rules: { ssh: { usernames: [user.name] } },
        },
      ],
    });
  });

  after(async () => {
    await agent?.stop();
    await restarted?.app.close();
    await sshd?.stop();
    if (user) await removeTestUser(user);
    await server?.close();
    await dir?.remove();
  });

  it('enrol: a join token gives the agent its credential, kept 0600 in the state directory; a used token is refused', async () => {
    const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: 'e2e' })).token;
    const enrolled = await runAgent([
      'enroll',
      '--server',
      server.url,
      '--token',
      joinToken,
      '--state-dir',
      stateDir(),
      '--hostname',
      'E2E_Box',
      '--interface',
      'lo',
    ]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    assert.match(enrolled.stdout, /^enrolled as agent [0-9a-f-]{36}/);
    const credential = await stat(`${stateDir()}/enrolment.json`);
    assert.equal(credential.mode & 0o777, 0o600);
    assert.equal((await stat(stateDir())).mode & 0o777, 0o700);
    const enrolment = JSON.parse(await readFile(`${stateDir()}/enrolment.json`, 'utf8'));
    assert.equal(enrolment.server, server.url);
    assert.equal(enrolment.hostname, 'e2e-box', 'normalised by the hostname rules');

    const again = await runAgent([
      'enroll',
      '--server',
      server.url,
      '--token',
      joinToken,
      '--state-dir',
      dir.file('other'),
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /this join token has been used up/);
  });

  it('run: the target appears with its addresses, sshd trusts the CA, and a server-issued certificate logs in', async () => {
    await assert.rejects(stat(caPath), 'no CA file before the agent runs');
    agent = startAgent([...sshdArgs, '--interval', '2', '--front-listen', '127.0.0.1:0'], {
      cleanup: false,
    });
    await agent.waitForOutput(/sshd now trusts the CA/, 20_000);
    const target = await eventually('the target registration', 10_000, agentTarget);
    assert.equal(target.hostname, 'e2e-box');
    assert.equal(target.ip.ipv4.ip_addr, '127.0.0.1');
    assert.equal(target.ip.ipv6?.ip_addr, '::1');
    const trusted = await readFile(caPath, 'utf8');
    assert.ok(trusted.includes(await hostCaKey()), "sshd trusts the agent's host CA");
    assert.ok(!trusted.includes(caPublicKey.split(' ')[1]!), 'and not the account CA');

    const login = await certificateLogin(target.id);
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout.trim(), user.name);

    const agents = await eventually('a heartbeat', 10_000, async () => {
      const listed = (await admin('GET', '/latchkey/agents')) as Json[];
      return listed.find((a) => a.hostname === 'e2e-box' && a.sshd_config?.state === 'trusted');
    });
    assert.equal(agents.version, '0.1.0');
    assert.equal(agents.target_id, target.id);
    assert.match(agents.sshd_version ?? '', /^OpenSSH_/);
    assert.ok(typeof agents.distro === 'string');
    assert.equal(agents.uid_min, 1000, "the host's UID_MIN from login.defs (Debian's)");
  });

  it('tampering with ca.pub is repaired, and audited', async () => {
    const mark = agent.mark();
    await writeFile(caPath, '# emptied by hand\n');
    await agent.waitForOutput(/drift in .*ca\.pub repaired/, 15_000, mark);
    assert.ok((await readFile(caPath, 'utf8')).includes(await hostCaKey()));
    const target = await agentTarget();
    const login = await certificateLogin(target.id);
    assert.equal(login.code, 0, login.stderr);
    await eventually('the drift audit event', 10_000, async () => {
      const events = (await admin('GET', '/v1/audit?action=agent.drift_repair')) as Json[];
      return events.find((event: Json) => String(event.after?.path).endsWith('ca.pub'));
    });
  });

  it('tampering with sshd_config is repaired too', async () => {
    const mark = agent.mark();
    const config = await readFile(sshd.configPath, 'utf8');
    await writeFile(sshd.configPath, config.replace(/^TrustedUserCAKeys .*\n/m, ''));
    // Repaired by the watcher (and reported as drift) or, if its event is lost under load, by the next
    // cycle's check: what matters is that the file is whole again.
    await eventually('sshd_config repaired', 30_000, async () =>
      /^TrustedUserCAKeys /m.test(await readFile(sshd.configPath, 'utf8')) ? true : undefined,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the agent said:\n${agent.output().slice(mark)}`);
    });
  });

  it('100 tampers in a row while every CPU is kept busy: each one is repaired', async function () {
    // Issue 18: a lost or coalesced file event must not leave drift in place. Busy loops on every CPU
    // (as stress-ng would) slow the agent's watcher and cycles; each tamper must still be repaired, by the
    // watcher or by the next cycle's check. Each wait is on the file itself, bounded generously.
    this.timeout(900_000);
    const hogs = Array.from({ length: availableParallelism() }, () =>
      spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
    );
    const hogCleanup = registerCleanup('CPU hogs', async () => hogs.forEach((hog) => hog.kill('SIGKILL')));
    const stopHogs = () => {
      hogs.forEach((hog) => hog.kill('SIGKILL'));
      hogCleanup.release();
    };
    const hostCa = await hostCaKey();
    const caWhole = async () => (await readFile(caPath, 'utf8').catch(() => '')).includes(hostCa);
    const configWhole = async () => /^TrustedUserCAKeys /m.test(await readFile(sshd.configPath, 'utf8'));
    const slowest: number[] = [];
    let lastRound = agent.mark();
    try {
      for (let round = 0; round < 100; round++) {
        lastRound = agent.mark();
        const started = Date.now();
        const kind = round % 4;
        if (kind === 0) await writeFile(caPath, `# emptied by hand, round ${round}\n`);
        else if (kind === 1) await rm(caPath, { force: true });
        else if (kind === 2) {
          // A replacement by rename (what editors and config tools do): the watched inode goes away.
          await writeFile(`${caPath}.tmp`, `# replaced, round ${round}\n`);
          await rename(`${caPath}.tmp`, caPath);
        } else {
          const config = await readFile(sshd.configPath, 'utf8');
          await writeFile(sshd.configPath, config.replace(/^TrustedUserCAKeys .*\n/m, ''));
        }
        const whole = kind === 3 ? configWhole : caWhole;
        await eventually(
          `tamper ${round + 1} of 100 repaired`,
          60_000,
          async () => ((await whole()) ? true : undefined),
          50,
        ).catch((error: Error) => {
          throw new Error(`${error.message}; the agent said:\n${agent.output().slice(-3000)}`);
        });
        slowest.push(Date.now() - started);
      }
    } finally {
      stopHogs();
    }
    slowest.sort((a, b) => b - a);
    console.log(`      100 tampers repaired; the slowest took ${slowest.slice(0, 3).join(', ')} ms`);
    assert.equal(slowest.length, 100);
    // The last tamper (of sshd_config) is whole once the agent has written it, before its reload and
    // probe: the login below waits for the repair to end, not to meet sshd in the middle of re-executing.
    await agent.waitForOutput(/drift in .*sshd_config repaired|sshd now trusts the CA/, 30_000, lastRound);
    await assertSshdIsTheHarnesss();
    // And the host still works: a certificate logs in through the front.
    const login = await certificateLogin((await agentTarget()).id);
    assert.equal(login.code, 0, login.stderr);
  });

  it('a slow writer of sshd_config (truncate, pause, write) never gets sshd reloaded onto its empty file', async function () {
    // Issue 18, found under CPU load: a repair that read sshd_config between someone's truncate and their
    // write wrote Latchkey's lines alone, and the reload brought sshd up on port 22 with defaults (its pid
    // file gone). The agent now waits for the file to settle, and never reloads onto a file it did not write.
    this.timeout(120_000);
    for (let round = 0; round < 5; round++) {
      const mark = agent.mark();
      const config = (await readFile(sshd.configPath, 'utf8')).replace(/^TrustedUserCAKeys .*\n/m, '');
      const handle = await open(sshd.configPath, 'w'); // truncates: the watcher sees an empty file
      try {
        await new Promise((resolve) => setTimeout(resolve, 600)); // longer than the agent's settle
        await handle.writeFile(config);
      } finally {
        await handle.close();
      }
      // The next edit comes once the agent is done with this one (its repair, reload and probe): an edit
      // landing in the very instant sshd re-reads its file after a reload is beyond what any agent can
      // prevent (sshd reads it by path; docs/agent.md).
      // (By the watcher's repair or, when it came first, the cycle's check.)
      await agent
        .waitForOutput(/drift in .*sshd_config repaired|sshd now trusts the CA/, 30_000, mark)
        .catch((error: Error) => {
          throw new Error(`${error.message}; the agent said:\n${agent.output().slice(mark)}`);
        });
      assert.match(await readFile(sshd.configPath, 'utf8'), /^TrustedUserCAKeys /m);
      assert.match(await readFile(sshd.configPath, 'utf8'), /^PidFile /m, 'the repair kept their file');
    }
    await assertSshdIsTheHarnesss();
    const login = await certificateLogin((await agentTarget()).id);
    assert.equal(login.code, 0, login.stderr);
  });

  it('the server going away breaks nothing: sshd keeps the CA, the agent retries and reconnects', async () => {
    const target = await agentTarget();
    const port = Number(new URL(server.url).port);
    await server.app.close();
    try {
      const mark = agent.mark();
      await agent.waitForOutput(/server unreachable/, 10_000, mark);
      // A certificate issued before the server stopped still logs in: the front keeps the account CA.
      void target;
      const login = await sshThroughFront(lastCertificateFile!);
      assert.equal(login.code, 0, login.stderr);
      // The drift watcher keeps working from the last keys.
      await writeFile(caPath, '');
      await agent.waitForOutput(/drift in .*ca\.pub repaired/, 15_000, mark);
    } finally {
      // The server comes back whatever happened above, so the tests after this one still have it.
      restarted = await buildApp(
        await createServices({
          store: server.store,
          caKeys: server.services.caKeys,
          passwords: TEST_PASSWORD_HASHER,
          signIn: { publicUrl: server.url },
        }),
      );
      await restarted.app.listen({ host: '127.0.0.1', port });
    }
    const back = new Date();
    const seen = await eventually('a heartbeat after the server came back', 20_000, async () => {
      const listed = (await admin('GET', '/latchkey/agents')) as Json[];
      const agentNow = listed.find((a) => a.hostname === 'e2e-box');
      return agentNow?.last_seen_at !== undefined && new Date(agentNow.last_seen_at) >= back
        ? agentNow
        : undefined;
    });
    // Same machine, same clock: the offset measured from the Date header is within its 1 s resolution.
    assert.equal(typeof seen.clock_offset_ms, 'number');
    assert.ok(Math.abs(seen.clock_offset_ms) <= 1500, `clock offset ${seen.clock_offset_ms} ms`);
  });

  it('Cloudflare mode: the same calls with an admin API token (POST gateway_ca, then GET on already-exists)', async () => {
    const network = await admin('POST', '/teamnet/virtual_networks', { name: 'cf-net' });
    const result = await runAgent([
      'apply',
      ...sshdArgs.map((arg) => (arg === stateDir() ? dir.file('cf-state') : arg)),
      '--cloudflare-account-id',
      server.accountId,
      '--api-token',
      server.adminToken,
      '--api-base',
      `${server.url}/client/v4`,
      '--hostname',
      'cf-box',
      '--interface',
      'lo',
      '--vnet',
      'cf-net',
    ]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const status = JSON.parse(result.stdout);
    assert.equal(status.sshd.state, 'trusted');
    assert.equal(status.caKeys, 1);
    const targets = await admin('GET', '/infrastructure/targets?hostname=cf-box');
    assert.equal(targets.length, 1);
    assert.equal(targets[0].ip.ipv4.virtual_network_id, network.id);
    assert.equal(targets[0].ip.ipv4.ip_addr, '127.0.0.1');
  });

  it('status shows the enrolment without its secret', async () => {
    const status = await runAgent(['status', '--state-dir', stateDir()]);
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout);
    assert.equal(shown.enrolled, true);
    assert.equal(shown.enrolment.apiToken, undefined);
    assert.ok(!status.stdout.includes('lk_'));
    assert.equal(shown.last_cycle.sshd.state, 'trusted');
  });

  it('uninstall (after the daemon stops) puts sshd_config back byte for byte and removes ca.pub', async () => {
    assert.equal(await agent.stop(), 0, 'SIGTERM stops the daemon cleanly');
    assert.match(agent.output(), /SIGTERM: stopping/);
    const result = await runAgent(['uninstall', ...sshdArgs]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /sshd's files are restored/);
    assert.equal(await readFile(sshd.configPath, 'utf8'), pristineConfig);
    await assert.rejects(stat(caPath));
    const login = await sshAcrossReloads({
      server: sshd,
      user: user.name,
      identityFile: keyFile,
      certificateFile: lastCertificateFile!,
      command: 'id -un',
    });
    assert.notEqual(login.code, 0, 'certificates are no longer trusted');
  });

  it('enrol again: an enrolled host re-enrols with its credential as the same agent; once removed, it becomes a new one', async () => {
    const enrolArgs = (token: string) => [
      'enroll',
      '--server',
      server.url,
      '--token',
      token,
      '--state-dir',
      stateDir(),
      '--hostname',
      'E2E_Box',
      '--interface',
      'lo',
    ];
    const readState = async (name: string) => JSON.parse(await readFile(`${stateDir()}/${name}`, 'utf8'));
    const before = await readState('enrolment.json');
    const { targetId } = await readState('registration.json');

    // The join token given is no token at all: a re-enrolment never uses it (a machine id proves nothing).
    const again = await runAgent(enrolArgs('lkj_not_a_token'));
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      new RegExp(`^re-enrolled \\(with its current credential\\) as agent ${before.agentId}`),
    );
    const reenrolled = await readState('enrolment.json');
    assert.notEqual(reenrolled.apiToken, before.apiToken, 'a fresh credential');
    assert.deepEqual(await readState('registration.json'), { targetId }, 'the same target');
    const oldRefused = await fetch(`${server.url}/v1/agents/credential/renew`, {
      method: 'POST',
      headers: { authorization: `Bearer ${before.apiToken}` },
    });
    assert.equal(oldRefused.status, 401, 'the old credential is revoked');

    // Removed by an admin (target kept): its credential proves nothing any more; the join token makes a new agent.
    await admin('DELETE', `/latchkey/agents/${before.agentId}?keep_target=true`);
    const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: 'e2e again' })).token;
    const anew = await runAgent(enrolArgs(joinToken));
    assert.equal(anew.code, 0, anew.stderr);
    const fresh = await readState('enrolment.json');
    assert.notEqual(fresh.agentId, before.agentId);
    assert.match(anew.stdout, new RegExp(`^enrolled as agent ${fresh.agentId}`));
    assert.match(
      anew.stderr,
      new RegExp(`warning: the server refused this host's credential as agent ${before.agentId}`),
    );
    await assert.rejects(
      stat(`${stateDir()}/registration.json`),
      "the removed agent's target is not the new one's",
    );
  });
});
