/**
 * A host installed by an agent before the SSH front gets today's agent: the daemon keeps a way in at each
 * step (ca.pub trusts both CAs until a heartbeat has reported the front, then the host CA alone) and then
 * removes the old recorder's leftovers (domain/front/switch-over-trust.ts).
 */
import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { AgentDaemon, type AgentDaemonDeps } from '../../../../agent/src/app/agent/agent-daemon.js';
import { mergeCaFile } from '../../../../agent/src/domain/sshd/merge-ca-file.js';
import { InMemorySshdHost } from '../in-memory-sshd-host.js';
import {
  FakeAgentServer,
  FakeControlPlane,
  FakeHostInfo,
  FakeWatcher,
  MemoryAgentState,
} from './agent-fakes.js';

const CA = '/etc/ssh/ca.pub';
const DROP_IN = '/etc/ssh/sshd_config.d/00-latchkey.conf';
const NOW = new Date('2026-11-24T12:00:00.000Z');
const accountKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('account CA');
const hostCaKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('host CA');
const blob = (line: string) => line.split(' ')[1]!;

/** The drop-in as agents before the front wrote it: ExposeAuthInfo for their recorder. */
const LEGACY_DROP_IN = [
  '# Managed by latchkey-agent: makes sshd trust the Latchkey SSH CA.',
  '# `latchkey-agent uninstall` removes this file. Its name sorts first in sshd_config.d because sshd keeps',
  '# the first value it reads for each keyword.',
  'PubkeyAuthentication yes',
  `TrustedUserCAKeys ${CA}`,
  'ExposeAuthInfo yes',
  '',
].join('\n');

function setUp(caPub: string | undefined, reachable = true) {
  const sshdHost = new InMemorySshdHost({
    '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\n',
    [DROP_IN]: LEGACY_DROP_IN,
    ...(caPub === undefined ? {} : { [CA]: caPub }),
  });
  sshdHost.respond = (argv) =>
    argv.includes('-T') ? { stdout: `pubkeyauthentication yes\ntrustedusercakeys ${CA}\n` } : {};
  const controlPlane = new FakeControlPlane();
  controlPlane.caKeys = [accountKey];
  const server = new FakeAgentServer();
  server.reachable = reachable;
  // What sshd trusted at each heartbeat: the front must already work when the server learns of it.
  const trustedAtHeartbeat: string[] = [];
  const heartbeat = server.heartbeat.bind(server);
  server.heartbeat = async (body) => {
    trustedAtHeartbeat.push(sshdHost.text(CA) ?? '');
    return heartbeat(body);
  };
  const state = new MemoryAgentState();
  const enrolment = {
    server: 'http://server',
    accountId: '66666666-6666-4666-8666-666666666666',
    agentId: '55555555-5555-4555-8555-555555555555',
    apiToken: 'lk_first',
    issuedAt: NOW.toISOString(),
    expiresAt: '2026-12-24T12:00:00.000Z',
  };
  state.enrolment = enrolment;
  const log: string[] = [];
  let leftoverRemovals = 0;
  const deps: AgentDaemonDeps = {
    sshd: { host: sshdHost, facts: { id: 'debian', versionId: '12', initSystem: 'systemd' } },
    controlPlane,
    host: new FakeHostInfo(),
    state,
    watcher: new FakeWatcher(),
    latchkey: { server, enrolment, onRenewed: () => undefined },
    now: () => NOW,
    random: () => 0.5,
    sleep: async () => undefined,
    log: (line) => log.push(line),
    removeRecorderLeftovers: async () => {
      // The leftovers go only once sshd trusts the host CA alone (else this removal is not counted).
      assert.ok(!(sshdHost.text(CA) ?? '').includes(blob(accountKey)), 'account CA gone first');
      leftoverRemovals++;
      return ['/run/latchkey-agent/record.sock'];
    },
  };
  const daemon = new AgentDaemon(deps, {
    version: '0.1.0',
    register: {},
    createCa: false,
    intervalMs: 60_000,
    front: { port: 3022, hostKey: hostCaKey, hostCaPublicKey: hostCaKey },
  });
  return {
    daemon,
    sshdHost,
    server,
    log,
    trustedAtHeartbeat,
    leftoverRemovals: () => leftoverRemovals,
  };
}

describe('agent/app: a host of an agent before the front switches over without a moment without a way in', () => {
  it('trusts both CAs until the heartbeat reported the front, then the host CA only; then the leftovers go', async () => {
    const t = setUp(mergeCaFile({ current: undefined, serverKeys: [accountKey] }).content);
    const { ok, status } = await t.daemon.cycle();
    assert.ok(ok, JSON.stringify(status));
    assert.equal(t.server.heartbeats.length, 1);
    assert.deepEqual(t.server.heartbeats[0]!.front?.port, 3022);
    // At the heartbeat that told the server of the front, sshd took both: the old way and the front's.
    assert.ok(t.trustedAtHeartbeat[0]!.includes(blob(accountKey)), 'account CA at the heartbeat');
    assert.ok(t.trustedAtHeartbeat[0]!.includes(blob(hostCaKey)), 'host CA at the heartbeat');
    // After it: the host CA alone, the drop-in without the recorder's ExposeAuthInfo, the leftovers gone.
    const caPub = t.sshdHost.text(CA)!;
    assert.ok(caPub.includes(blob(hostCaKey)));
    assert.ok(!caPub.includes(blob(accountKey)));
    assert.doesNotMatch(t.sshdHost.text(DROP_IN)!, /ExposeAuthInfo/);
    assert.match(t.sshdHost.text(DROP_IN)!, /^TrustedUserCAKeys \/etc\/ssh\/ca\.pub$/m);
    assert.equal(t.leftoverRemovals(), 1);
    assert.match(t.log.join('\n'), /it trusts the host CA too until the server knows the front/);
    assert.match(t.log.join('\n'), /sshd now trusts the host CA only/);
    assert.match(t.log.join('\n'), /removed the force-command recorder's leftovers/);

    // The next cycle changes nothing and removes nothing again.
    await t.daemon.cycle();
    assert.equal(t.leftoverRemovals(), 1);
    assert.equal(t.sshdHost.text(CA), caPub);
  });

  it('while no heartbeat gets through, sshd keeps the way in it had and gains the front’s', async () => {
    const t = setUp(mergeCaFile({ current: undefined, serverKeys: [accountKey] }).content, false);
    assert.equal((await t.daemon.cycle()).ok, false);
    assert.ok(t.sshdHost.text(CA)!.includes(blob(accountKey)), 'the account CA stays');
    assert.ok(t.sshdHost.text(CA)!.includes(blob(hostCaKey)), 'the host CA is added');
    assert.equal(t.leftoverRemovals(), 0);
    t.server.reachable = true;
    assert.ok((await t.daemon.cycle()).ok);
    assert.ok(t.trustedAtHeartbeat[0]!.includes(blob(accountKey)));
    assert.ok(!t.sshdHost.text(CA)!.includes(blob(accountKey)));
    assert.equal(t.leftoverRemovals(), 1);
  });

  it('a fresh host trusts the host CA alone from the first change', async () => {
    const t = setUp(undefined);
    assert.ok((await t.daemon.cycle()).ok);
    assert.ok(!t.trustedAtHeartbeat[0]!.includes(blob(accountKey)));
    assert.ok(t.trustedAtHeartbeat[0]!.includes(blob(hostCaKey)));
    assert.doesNotMatch(t.log.join('\n'), /trusts the host CA too/);
  });
});
