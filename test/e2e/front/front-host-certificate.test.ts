// Host certificates for agents' SSH fronts, everything real (front-fixture.ts: the server, two agents
// with fronts, their sshds) against the real OpenSSH client: the server signs each front's host key with
// the account's host CA, the agent presents the certificate, and ssh trusts the CA through one
// `@cert-authority` line (HostKeyAlias = the target's hostname, as the CLI names targets), with no
// pinned key at all. A front with another target's certificate, and a host with an uncertified key, are
// refused before anything is sent.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCertificate } from '@latchkey/shared';
import { eventually } from '../../harness/index.js';
import { getJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { api } from '../server/server-process.js';
import { startFrontWorld, type FrontWorld, type FrontedTarget } from './front-fixture.js';

describe('e2e: host certificates on the SSH front', function () {
  this.timeout(240_000);
  let world: FrontWorld;
  let bobToken: string;
  let hostCa: string;

  before(async () => {
    world = await startFrontWorld();
    bobToken = (await signInBuiltIn(world.server.url, 'bob@corp.example', 'bob@corp.example long password'))
      .access_token;
    const answer = await getJson(world.server.url, '/v1/me/host_ca', bobToken);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    hostCa = answer.body.result.public_key as string;
  });
  after(async () => {
    await world?.stop();
  });

  /** ssh (LogLevel DEBUG1, as -v) to `port` with only the host CA in known_hosts, naming the host `alias`. */
  async function sshTrustingCa(port: number, alias: string, certificateFile: string) {
    const knownHostsFile = path.join(world.base, 'client', `known_hosts-ca-${alias}-${port}`);
    await writeFile(knownHostsFile, `@cert-authority ${alias} ${hostCa}\n`);
    const result = await world.sshFront(world.web, certificateFile, 'echo via-host-certificate', {
      port,
      knownHostsFile,
      extraOptions: [`HostKeyAlias=${alias}`, 'LogLevel=DEBUG1'],
    });
    return { ...result, knownHosts: await readFile(knownHostsFile, 'utf8') };
  }

  async function certifiedFront(target: FrontedTarget, token: string) {
    return eventually(`${target.hostname}'s front listed with the host CA`, 30_000, async () => {
      const answer = await getJson(world.server.url, '/v1/me/targets', token);
      const entry = (
        answer.body.result as { hostname: string; front?: { host_key: string; host_ca?: string } }[]
      ).find((t) => t.hostname === target.hostname);
      return entry?.front?.host_ca === undefined ? undefined : entry.front;
    });
  }

  it('the server signs the front host key: type host, principals target id, hostname, address', async () => {
    const front = await certifiedFront(world.web, bobToken);
    assert.equal(front.host_ca, hostCa.split(' ').slice(0, 2).join(' '));
    const file = path.join(world.web.stateDir, 'front', 'ssh_host_ed25519_key-cert.pub');
    const stored = await eventually('the agent stored its certificate', 30_000, async () =>
      readFile(file, 'utf8').catch(() => undefined),
    );
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const certificate = parseCertificate(stored.trim());
    assert.equal(certificate.type, 'host');
    const target = (await world.admin('GET', `/infrastructure/targets/${world.web.targetId}`)) as {
      ip: { ipv4?: { ip_addr: string }; ipv6?: { ip_addr: string } };
    };
    const addresses = [target.ip.ipv4?.ip_addr, target.ip.ipv6?.ip_addr].filter((a) => a !== undefined);
    assert.deepEqual(certificate.principals, [world.web.targetId, 'web-1', ...addresses]);
    assert.equal(certificate.subjectKey.toAuthorizedKey(), front.host_key);
    const lifetimeDays = (certificate.validBefore.getTime() - Date.now()) / 86_400_000;
    assert.ok(lifetimeDays > 27 && lifetimeDays <= 28, `valid for ${lifetimeDays} days`);
    const adminToken = (await readFile(path.join(world.base, 'server', 'admin.token'), 'utf8')).trim();
    const audit = await api(world.server, 'GET', '/v1/audit?action=agent.host_certificate_issue', adminToken);
    const events = audit.body.result as { action: string; resource_id?: string }[];
    assert.ok(
      events.some((e) => e.action === 'agent.host_certificate_issue' && e.resource_id === world.web.targetId),
      'the issuance is an audit event',
    );
  });

  it('plain ssh with only an @cert-authority line logs in, and -v shows the certificate accepted', async () => {
    await certifiedFront(world.web, bobToken);
    const certificateFile = await world.certificateFor(world.web);
    const result = await sshTrustingCa(world.web.frontPort, 'web-1', certificateFile);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /via-host-certificate/);
    assert.match(result.stderr, /Server host certificate: ssh-ed25519-cert-v01@openssh\.com/);
    assert.match(result.stderr, /matches the ED25519-CERT host certificate/);
    assert.equal(result.knownHosts, `@cert-authority web-1 ${hostCa}\n`, 'nothing was pinned');
  });

  it("a front presenting another target's certificate is refused", async () => {
    const carolToken = (
      await signInBuiltIn(world.server.url, 'carol@corp.example', 'carol@corp.example long password')
    ).access_token;
    await certifiedFront(world.db, carolToken);
    const certificateFile = await world.certificateFor(world.web);
    // db-1's front, reached under web-1's name: its certificate is the host CA's, but not for web-1.
    const result = await sshTrustingCa(world.db.frontPort, 'web-1', certificateFile);
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.stdout, /via-host-certificate/);
    assert.match(result.stderr, /Certificate invalid: name is not a listed principal/);
    assert.match(result.stderr, /Host key verification failed/);
  });

  it('a host with an uncertified key is refused', async () => {
    const certificateFile = await world.certificateFor(world.web);
    // web-1's own sshd: a real SSH server whose key no host CA signed.
    const result = await sshTrustingCa(world.web.sshd.port, 'web-1', certificateFile);
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.stdout, /via-host-certificate/);
    assert.match(result.stderr, /Host key verification failed/);
  });
});
