import assert from 'node:assert/strict';
import { LatchkeyError, generateSshKeyPair, parseSshPublicKey } from '@latchkey/shared';
import { AgentDaemon, FOLLOW_UP_CHECK_MS } from '../../../../agent/src/app/agent/agent-daemon.js';
import type { AgentDaemonDeps, AgentDaemonSettings } from '../../../../agent/src/app/agent/agent-daemon.js';
import type { OsFacts } from '../../../../agent/src/domain/sshd/distro.js';
import { BLOCK_BEGIN } from '../../../../agent/src/domain/sshd/latchkey-sshd-block.js';
import { InMemorySshdHost } from '../in-memory-sshd-host.js';
import {
  FakeAgentServer,
  FakeControlPlane,
  FakeHostInfo,
  FakeWatcher,
  MemoryAgentState,
} from './agent-fakes.js';

const DEBIAN: OsFacts = { id: 'debian', versionId: '12', initSystem: 'systemd' };
const CA = '/etc/ssh/ca.pub';
const caKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('latchkey CA');
const NOW = new Date('2026-11-24T12:00:00.000Z');

function setUp(
  options: {
    cloudflare?: boolean;
    sleep?: AgentDaemonDeps['sleep'];
    recording?: AgentDaemonDeps['recording'];
    recordingReport?: AgentDaemonSettings['recording'];
    front?: AgentDaemonSettings['front'];
    frontHostCertificate?: AgentDaemonDeps['frontHostCertificate'];
  } = {},
) {
  const sshdHost = new InMemorySshdHost({
    '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\n',
  });
  sshdHost.respond = (argv) =>
    argv.includes('-T') ? { stdout: `pubkeyauthentication yes\ntrustedusercakeys ${CA}\n` } : {};
  const controlPlane = new FakeControlPlane();
  controlPlane.caKeys = [caKey];
  const server = new FakeAgentServer();
  const state = new MemoryAgentState();
  const host = new FakeHostInfo();
  const watcher = new FakeWatcher();
  const log: string[] = [];
  const sleeps: number[] = [];
  let now = NOW;
  const renewedTokens: string[] = [];
  const enrolment = {
    server: 'http://server',
    accountId: '66666666-6666-4666-8666-666666666666',
    agentId: '55555555-5555-4555-8555-555555555555',
    apiToken: 'lk_first',
    issuedAt: NOW.toISOString(),
    expiresAt: '2026-12-24T12:00:00.000Z',
  };
  state.enrolment = enrolment;
  const deps: AgentDaemonDeps = {
    sshd: { host: sshdHost, facts: DEBIAN, timings: { probeTimeoutMs: 0 } },
    controlPlane,
    host,
    state,
    watcher,
    ...(options.cloudflare
      ? {}
      : { latchkey: { server, enrolment, onRenewed: (next) => renewedTokens.push(next.apiToken) } }),
    ...(options.recording === undefined ? {} : { recording: options.recording }),
    ...(options.frontHostCertificate === undefined
      ? {}
      : { frontHostCertificate: options.frontHostCertificate }),
    now: () => now,
    random: () => 0.5,
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      await options.sleep?.(ms, signal);
    },
    log: (line) => log.push(line),
  };
  const daemon = new AgentDaemon(deps, {
    version: '0.1.0',
    register: {},
    createCa: options.cloudflare === true,
    intervalMs: 60_000,
    ...(options.recordingReport === undefined ? {} : { recording: options.recordingReport }),
    ...(options.front === undefined ? {} : { front: options.front }),
  });
  return {
    daemon,
    sshdHost,
    controlPlane,
    server,
    state,
    host,
    watcher,
    log,
    sleeps,
    renewedTokens,
    setNow: (date: Date) => (now = date),
  };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), what);
}

/**
 * A fake clock for the one timer the daemon sets itself, the check a real setTimeout runs
 * FOLLOW_UP_CHECK_MS after every repair: such timers are held until the test fires them, instead of
 * the test waiting a second. Every other timer is real. `restore` puts the real functions back.
 */
function holdFollowUpChecks(): { fire(): void; restore(): void } {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const held = new Set<object>();
  const callbacks = new Map<object, () => void>();
  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (ms !== FOLLOW_UP_CHECK_MS) return realSetTimeout(callback, ms, ...args);
    const timer = { ref: () => timer, unref: () => timer, hasRef: () => false };
    held.add(timer);
    callbacks.set(timer, () => callback(...args));
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer: Parameters<typeof clearTimeout>[0]) => {
    if (timer !== undefined && held.delete(timer as object)) return;
    realClearTimeout(timer);
  }) as typeof clearTimeout;
  return {
    fire() {
      for (const timer of [...held]) {
        held.delete(timer);
        callbacks.get(timer)!();
      }
    },
    restore() {
      globalThis.setTimeout = realSetTimeout;
      globalThis.clearTimeout = realClearTimeout;
    },
  };
}

describe('agent/app: the agent daemon over in-memory ports', () => {
  it('one cycle: registers the normalised hostname and addresses, trusts the CA, heartbeats', async () => {
    const t = setUp();
    const { ok, status } = await t.daemon.cycle();
    assert.ok(ok, JSON.stringify(status));
    assert.deepEqual(
      t.controlPlane.targets.map((target) => [target.hostname, target.ip]),
      [['web-1.example.com', { ipv4: { ip_addr: '10.0.0.5' } }]],
    );
    assert.equal(t.state.registration?.targetId, t.controlPlane.targets[0]!.id);
    assert.ok(t.sshdHost.text(CA)?.includes(caKey.split(' ')[1]!));
    assert.equal(t.server.heartbeats.length, 1);
    assert.deepEqual(t.server.heartbeats[0], {
      version: '0.1.0',
      distro: 'Debian GNU/Linux 12',
      sshd_version: 'OpenSSH_9.2p1',
      sshd_config: {
        state: 'trusted',
        method: 'drop-in',
        ca_keys: 1,
        ca_key_fingerprints: [parseSshPublicKey(caKey).fingerprint()],
      },
      uid_min: 1000,
      system_users: ['root', 'daemon', 'nobody'],
    });
    assert.equal(t.state.status?.sshd.state, 'trusted');
    assert.equal(t.state.status?.targetId, t.controlPlane.targets[0]!.id);

    // The next cycle: nothing changes, and the clock offset measured last time is reported.
    t.controlPlane.calls.length = 0;
    await t.daemon.cycle();
    assert.deepEqual(t.controlPlane.calls, ['list web-1.example.com', 'get gateway_ca']);
    assert.equal(t.server.heartbeats[1]!.clock_offset_ms, 1200);
  });

  it('logs the commands a change ran on sshd (check, reload, probe), and none when nothing changed', async () => {
    const t = setUp();
    assert.ok((await t.daemon.cycle()).ok);
    const ran = t.log.filter((line) => line.startsWith('sshd: ran '));
    assert.ok(
      ran.some((line) => /^sshd: ran \/usr\/sbin\/sshd -t -f \S+: exit 0$/.test(line)),
      ran.join('\n'),
    );
    assert.ok(ran.includes('sshd: ran systemctl reload ssh: exit 0'), ran.join('\n'));
    t.log.length = 0;
    assert.ok((await t.daemon.cycle()).ok);
    assert.deepEqual(
      t.log.filter((line) => line.startsWith('sshd: ran ')),
      [],
    );
  });

  it('updates its target when the address changes', async () => {
    const t = setUp();
    await t.daemon.cycle();
    t.host.addresses = [{ interface: 'eth0', address: '10.0.0.6', family: 'IPv4', internal: false }];
    await t.daemon.cycle();
    assert.equal(t.controlPlane.targets.length, 1);
    assert.equal(t.controlPlane.targets[0]!.ip.ipv4?.ip_addr, '10.0.0.6');
    assert.ok(t.controlPlane.calls.some((call) => call.startsWith('replace ')));
  });

  it('a foreign target with the hostname is reported, and sshd still gets the CA', async () => {
    const t = setUp();
    t.controlPlane.targets.push({
      id: 'foreign',
      hostname: 'web-1.example.com',
      ip: { ipv4: { ip_addr: '10.9.9.9' } },
    });
    const { ok, status } = await t.daemon.cycle();
    assert.equal(ok, false);
    assert.match(status.error ?? '', /already exists \(foreign\) and was not registered by this agent/);
    assert.equal(status.sshd.state, 'trusted');
    assert.ok(t.sshdHost.text(CA)?.includes(caKey.split(' ')[1]!));
  });

  it('sshd files the agent cannot plan on are left alone and reported as failed in the heartbeat', async () => {
    const t = setUp();
    // Latchkey's block with its end marker deleted by hand.
    t.sshdHost.put('/etc/ssh/sshd_config', `${BLOCK_BEGIN}\nPort 22\n`);
    const before = t.sshdHost.snapshot();
    const { ok, status } = await t.daemon.cycle();
    assert.equal(ok, false);
    assert.equal(status.sshd.state, 'failed');
    assert.deepEqual(t.sshdHost.snapshot(), before, 'nothing written');
    assert.equal(t.server.heartbeats[0]!.sshd_config.state, 'failed');
    assert.match(t.server.heartbeats[0]!.sshd_config.message ?? '', /sshd_config/);
  });

  it('an unreachable server stops the cycle and touches nothing', async () => {
    const t = setUp();
    t.controlPlane.reachable = false;
    const before = t.sshdHost.snapshot();
    const { ok, status } = await t.daemon.cycle();
    assert.equal(ok, false);
    assert.equal(status.serverReachable, false);
    assert.deepEqual(t.sshdHost.snapshot(), before);
    assert.equal(t.server.heartbeats.length, 0);
    assert.match(t.log.join('\n'), /server unreachable: cannot reach/);
  });

  it('each cycle brings recording.json up to date, with the target, even when the server is away', async () => {
    const synced: { targetId?: string; hostname?: string }[] = [];
    let failSync = false;
    const t = setUp({
      recording: {
        sync: async (target) => {
          if (failSync) throw new Error('read-only file system');
          synced.push(target);
          return {};
        },
      },
    });
    assert.ok((await t.daemon.cycle()).ok);
    const targetId = t.controlPlane.targets[0]!.id;
    assert.deepEqual(synced, [{ targetId, hostname: 'web-1.example.com' }]);
    t.controlPlane.reachable = false;
    await t.daemon.cycle();
    assert.deepEqual(synced[1], { targetId }, 'the registered target, from the state');
    t.controlPlane.reachable = true;
    failSync = true;
    const { ok } = await t.daemon.cycle();
    assert.ok(ok, 'a recording.json that cannot be written does not fail the cycle');
    assert.match(t.log.join('\n'), /cannot update the recording settings: read-only file system/);
  });

  it("the heartbeat reports that the front records, the mode and a break-glass in force after this cycle's sync", async () => {
    let breakGlass: { until: string; reason: string } | undefined;
    const t = setUp({
      recording: { sync: async () => (breakGlass === undefined ? {} : { breakGlass }) },
      recordingReport: { mode: 'strict' },
    });
    assert.ok((await t.daemon.cycle()).ok);
    assert.deepEqual(t.server.heartbeats[0]!.recording, {
      recorder_command: 'latchkey-agent front',
      mode: 'strict',
    });
    breakGlass = { until: '2026-11-25T13:00:00.000Z', reason: 'spool disk full' };
    await t.daemon.cycle();
    assert.deepEqual(
      t.server.heartbeats[1]!.recording?.break_glass,
      breakGlass,
      'the same cycle, not the next',
    );
    breakGlass = undefined;
    await t.daemon.cycle();
    assert.equal(t.server.heartbeats[2]!.recording?.break_glass, undefined, 'ended');
  });

  it("the front's host certificate: reported, replaced from the heartbeat's answer, a failure logged", async () => {
    let current: string | undefined;
    const replaced: string[] = [];
    let refuse = false;
    const hostKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const t = setUp({
      front: { port: 3022, hostKey, hostCaPublicKey: caKey },
      frontHostCertificate: {
        current: () => current,
        replace: async (line) => {
          if (refuse) throw new Error('not a certificate of the front key');
          replaced.push(line);
          current = line;
        },
      },
    });
    await t.daemon.cycle();
    assert.equal(t.server.heartbeats[0]!.front?.host_certificate, undefined, 'none yet');
    assert.deepEqual(replaced, [], 'the server gave none');
    t.server.frontHostCertificate = 'ssh-ed25519-cert-v01@openssh.com AAAA-first';
    await t.daemon.cycle();
    assert.deepEqual(replaced, ['ssh-ed25519-cert-v01@openssh.com AAAA-first']);
    await t.daemon.cycle();
    assert.equal(
      t.server.heartbeats[2]!.front?.host_certificate,
      'ssh-ed25519-cert-v01@openssh.com AAAA-first',
    );
    assert.equal(replaced.length, 1, 'the same certificate is not stored again');
    refuse = true;
    t.server.frontHostCertificate = 'ssh-ed25519-cert-v01@openssh.com AAAA-bad';
    assert.ok((await t.daemon.cycle()).ok, 'a certificate that cannot be used does not fail the cycle');
    assert.match(t.log.join('\n'), /cannot use the host certificate the server sent: not a certificate/);
    assert.equal(current, 'ssh-ed25519-cert-v01@openssh.com AAAA-first', 'the old one stays');
  });

  it('a credential the server no longer accepts says how to fix it', async () => {
    const t = setUp();
    t.controlPlane.listTargetsByHostname = async () => {
      throw new LatchkeyError('unauthenticated', 'this API token has been revoked');
    };
    const { ok, status } = await t.daemon.cycle();
    assert.equal(ok, false);
    assert.equal(status.serverReachable, true);
    assert.match(
      status.error ?? '',
      /this API token has been revoked; the credential is no longer accepted: enrol again with latchkey-agent enroll/,
    );
  });

  it('run: backs off while the server is unreachable, then cycles at the interval', async () => {
    const stop = new AbortController();
    // Three failures, then the server is back; stop after the first good pause.
    const t = setUp({
      sleep: async () => {
        if (t.sleeps.length === 3) t.controlPlane.reachable = true;
        if (t.sleeps.length === 4) stop.abort();
      },
    });
    t.controlPlane.reachable = false;
    await t.daemon.run(stop.signal);
    assert.deepEqual(t.sleeps, [750, 1500, 3000, 60_000]);
    assert.ok(t.watcher.stopped, 'the watcher is stopped when run ends');
    assert.deepEqual(t.watcher.paths, [
      '/etc/ssh/ca.pub',
      '/etc/ssh/sshd_config',
      '/etc/ssh/sshd_config.d/00-latchkey.conf',
    ]);
  });

  it('drift: a change to a watched file is repaired from the last keys and reported in a heartbeat', async () => {
    const t = setUp({
      sleep: (_ms, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())),
    });
    await t.daemon.cycle();
    const stop = new AbortController();
    const running = t.daemon.run(stop.signal);
    await until('the first cycle of run', () => t.server.heartbeats.length === 2);
    t.sshdHost.put(CA, '# emptied\n');
    t.watcher.fire(CA);
    await until('a heartbeat with the repair', () => t.server.heartbeats.length === 3);
    assert.deepEqual(t.server.heartbeats[2]!.drift_repairs, [
      { path: CA, at: NOW.toISOString(), status: 'applied' },
    ]);
    assert.ok(t.sshdHost.text(CA)?.includes(caKey.split(' ')[1]!));
    // Our own write is seen by the watcher too: it changes nothing and is not reported.
    t.watcher.fire(CA);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(t.server.heartbeats.length, 3);
    stop.abort();
    await running;
  });

  it('drift: a file caught half-written (truncated, not yet written) is planned on only once it settles', async () => {
    const t = setUp({
      sleep: (_ms, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())),
    });
    await t.daemon.cycle();
    const stop = new AbortController();
    const running = t.daemon.run(stop.signal);
    await until('the first cycle of run', () => t.server.heartbeats.length === 2);
    const MAIN = '/etc/ssh/sshd_config';
    const theirs = 'Include /etc/ssh/sshd_config.d/*.conf\nPort 2222\nListenAddress 127.0.0.1\n';
    // `echo … > sshd_config` on a busy host: the truncation's event arrives, the content 200 ms later.
    t.sshdHost.put(MAIN, '');
    t.sshdHost.later(200, () => t.sshdHost.put(MAIN, theirs));
    t.watcher.fire(MAIN);
    await until('the settled file is kept', () => t.sshdHost.events.some((e) => e.startsWith('run ')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Planned on the empty file, the repair would have written Latchkey's lines alone (sshd on port 22).
    assert.equal(t.sshdHost.text(MAIN), theirs);
    assert.deepEqual(
      t.sshdHost.events.filter((e) => e === `write ${MAIN}`),
      [],
      'their settled file already trusts the CA (through the drop-in): nothing is written over it',
    );
    stop.abort();
    await running;
  });

  it('drift the cycle finds before the watcher does is reported as drift, with its file', async () => {
    const t = setUp();
    await t.daemon.cycle();
    t.sshdHost.put(CA, '# emptied, its event lost\n');

    await t.daemon.cycle();

    assert.deepEqual(t.server.heartbeats.at(-1)!.drift_repairs, [
      { path: CA, at: NOW.toISOString(), status: 'applied' },
    ]);
    assert.ok(t.log.includes(`drift in ${CA} repaired`), t.log.join('\n'));
  });

  it('a reload the last run owed sshd is paid by the next run, even with nothing to change', async () => {
    const t = setUp();
    await t.daemon.cycle();
    const reloads = () => t.sshdHost.commandLog().filter((c) => c === 'run systemctl reload ssh').length;
    const before = reloads();
    // The last run stopped owing sshd a reload (an interrupted change); the files already say the right thing.
    t.state.status = { ...t.state.status!, sshd: { state: 'rolled_back', reloadOwed: true } };
    const next = new AgentDaemon(
      (t.daemon as unknown as { deps: AgentDaemonDeps }).deps,
      (t.daemon as unknown as { settings: AgentDaemonSettings }).settings,
    );
    await next.restoreState();
    await next.cycle();
    assert.equal(reloads(), before + 1, 'sshd is reloaded once');
    assert.equal(t.state.status?.sshd.reloadOwed, undefined, 'and the debt is gone');
    await next.cycle();
    assert.equal(reloads(), before + 1, 'and not again');
  });

  it("a cycle's check, too, plans only on files that have settled", async () => {
    const t = setUp();
    await t.daemon.cycle();
    const MAIN = '/etc/ssh/sshd_config';
    const theirs = 'Include /etc/ssh/sshd_config.d/*.conf\nPort 2222\n';
    t.sshdHost.put(MAIN, '');
    t.sshdHost.later(200, () => t.sshdHost.put(MAIN, theirs));
    const writesBefore = t.sshdHost.events.filter((e) => e === `write ${MAIN}`).length;

    await t.daemon.cycle();

    assert.equal(t.sshdHost.text(MAIN), theirs);
    assert.equal(t.sshdHost.events.filter((e) => e === `write ${MAIN}`).length, writesBefore);
  });

  it('drift: a tamper whose file event was lost during a repair is repaired by the check that follows', async () => {
    const followUps = holdFollowUpChecks();
    try {
      const t = setUp({
        sleep: (_ms, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())),
      });
      await t.daemon.cycle();
      const stop = new AbortController();
      const running = t.daemon.run(stop.signal);
      await until('the first cycle of run', () => t.server.heartbeats.length === 2);
      t.sshdHost.put(CA, '# emptied\n');
      t.watcher.fire(CA);
      await until('the first repair', () => t.server.heartbeats.length === 3);
      // A second tamper whose event never arrives (merged with the repair's own, or lost).
      t.sshdHost.put(CA, '# emptied again\n');
      followUps.fire(); // FOLLOW_UP_CHECK_MS after the first repair
      await until(
        'the follow-up check repairs it',
        () => t.sshdHost.text(CA)?.includes(caKey.split(' ')[1]!) === true,
      );
      stop.abort();
      await running;
    } finally {
      followUps.restore();
    }
  });

  it('repairs drift from the keys of an earlier run while the server is away from the start', async () => {
    const first = setUp();
    await first.daemon.cycle();
    assert.deepEqual(first.state.caKeys, [caKey], 'the fetched keys are kept');

    const stop = new AbortController();
    const t = setUp({
      sleep: (_ms, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())),
    });
    t.state.caKeys = first.state.caKeys;
    t.controlPlane.reachable = false;
    t.server.reachable = false;
    const running = t.daemon.run(stop.signal);
    await until('the failed first cycle', () => t.state.status?.serverReachable === false);
    t.watcher.fire(CA);
    await until('the repair', () => t.sshdHost.text(CA)?.includes(caKey.split(' ')[1]!) === true);
    stop.abort();
    await running;
  });

  it('renews the credential once two thirds of its life are gone, and stores it', async () => {
    const t = setUp();
    t.setNow(new Date('2026-12-15T00:00:00.000Z'));
    await t.daemon.cycle();
    assert.equal(t.server.renewals, 1);
    assert.equal(t.state.enrolment?.apiToken, 'lk_renewed_1');
    assert.equal(t.state.enrolment?.issuedAt, '2026-12-15T00:00:00.000Z');
    assert.deepEqual(t.renewedTokens, ['lk_renewed_1']);
    await t.daemon.cycle();
    assert.equal(t.server.renewals, 1, 'not again while fresh');
  });

  it('Cloudflare mode: POST gateway_ca first, GET when it already exists; no heartbeat', async () => {
    const t = setUp({ cloudflare: true });
    await t.daemon.cycle();
    assert.deepEqual(t.controlPlane.calls.slice(-2), ['post gateway_ca', 'get gateway_ca']);
    assert.ok(t.sshdHost.text(CA)?.includes(caKey.split(' ')[1]!));
    assert.equal(t.server.heartbeats.length, 0);

    const fresh = setUp({ cloudflare: true });
    fresh.controlPlane.caToCreate = caKey;
    await fresh.daemon.cycle();
    assert.ok(!fresh.controlPlane.calls.includes('get gateway_ca'), 'a new CA needs no GET');
  });
});
