/**
 * A target in a network namespace of its own (netns-site.ts): plain ssh from this machine cannot reach
 * its front, and `latchkey ssh`, and plain ssh, scp, sftp and rsync through the entries `latchkey
 * ssh-config` writes (ProxyCommand latchkey proxy), reach it through the tunnel its agent dialled, with
 * checksums. A killed server is dialled again by the agent on its own, and timed.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from '../../harness/index.js';
import { loginWithDeviceFlow, makeCliHome, runLatchkey, type CliHome } from '../cli/latchkey-cli.js';
import { api, type Json } from '../server/server-process.js';
import {
  PRIVATE_ADDRESS,
  PRIVATE_HOSTNAME,
  PRIVATE_ROUTE,
  SITE_HOSTNAME,
  startNetnsSite,
  type NetnsSite,
} from './netns-site.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('tunnel: a target in a network namespace, reached only through its agent', function () {
  this.timeout(180_000);
  let site: NetnsSite;
  let bob: CliHome;
  let sshConfigFile: string;

  before(async function () {
    this.timeout(600_000);
    site = await startNetnsSite();
    bob = await makeCliHome(path.join(site.base, 'bob'), site.server.url);
    const login = await loginWithDeviceFlow(bob, {
      email: 'bob@corp.example',
      password: 'bob@corp.example long password',
    });
    assert.equal(login.code, 0, login.stderr);
  });

  after(async () => {
    await site?.stop();
  });

  it('plain ssh cannot reach the front; latchkey ssh reaches it through the tunnel', async () => {
    const direct = await runCommand(
      '/usr/bin/ssh',
      [
        ...['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5'],
        ...['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
        ...['-p', String(site.frontPort), `${site.user.name}@127.0.0.1`, 'true'],
      ],
      { timeoutMs: 20_000 },
    );
    assert.equal(direct.code, 255, 'plain ssh must not reach a front inside the namespace');
    assert.match(direct.stderr, /Connection refused|timed out/);

    const mark = site.agent.mark();
    const viaLatchkey = await runLatchkey(bob, ['ssh', SITE_HOSTNAME, '--', 'echo', 'inside-$((6*7))'], {
      timeoutMs: 60_000,
    });
    assert.equal(viaLatchkey.code, 0, viaLatchkey.stderr);
    assert.match(viaLatchkey.stdout, /inside-42/);
    await site.agent.waitFor(/tunnel: stream \S+ from bob@corp\.example/, 10_000, mark);
  });

  it('ssh-config writes a ProxyCommand; plain ssh, scp, sftp and rsync then work with checksums', async () => {
    const written = await runLatchkey(bob, ['ssh-config', '--write'], { timeoutMs: 30_000 });
    assert.equal(written.code, 0, written.stderr);
    sshConfigFile = path.join(bob.configDir, 'ssh_config');
    const config = await readFile(sshConfigFile, 'utf8');
    assert.match(config, new RegExp(`ProxyCommand .* proxy .* ${site.targetId} %p`));
    const ssh = ['-F', sshConfigFile, '-o', 'BatchMode=yes'];
    const hello = await runCommand('/usr/bin/ssh', [...ssh, SITE_HOSTNAME, 'hostname; echo ok'], {
      env: bob.env,
      timeoutMs: 60_000,
    });
    assert.equal(hello.code, 0, hello.stderr);
    assert.match(hello.stdout, /ok/);

    const data = randomBytes(6 * 1024 * 1024);
    const local = path.join(site.base, 'payload.bin');
    await writeFile(local, data);
    const remote = `/tmp/latchkey-netns-${process.pid}.bin`;
    const scp = await runCommand('/usr/bin/scp', [...ssh, local, `${SITE_HOSTNAME}:${remote}`], {
      env: bob.env,
      timeoutMs: 90_000,
    });
    assert.equal(scp.code, 0, scp.stderr);
    const sum = await runCommand('/usr/bin/ssh', [...ssh, SITE_HOSTNAME, `sha256sum ${remote}`], {
      env: bob.env,
      timeoutMs: 60_000,
    });
    assert.equal(sum.code, 0, sum.stderr);
    assert.equal(sum.stdout.split(/\s+/)[0], sha256(data), 'the file arrived intact');

    const viaSftp = path.join(site.base, 'sftp.bin');
    const sftp = await runCommand('/usr/bin/sftp', [...ssh, '-b', '-', SITE_HOSTNAME], {
      env: bob.env,
      timeoutMs: 90_000,
      input: `get ${remote} ${viaSftp}\n`,
    });
    assert.equal(sftp.code, 0, sftp.stderr);
    assert.equal(sha256(await readFile(viaSftp)), sha256(data));

    const viaRsync = path.join(site.base, 'rsync.bin');
    const rsync = await runCommand(
      '/usr/bin/rsync',
      ['-e', `/usr/bin/ssh -F ${sshConfigFile} -o BatchMode=yes`, `${SITE_HOSTNAME}:${remote}`, viaRsync],
      { env: bob.env, timeoutMs: 90_000 },
    );
    assert.equal(rsync.code, 0, rsync.stderr);
    assert.equal(sha256(await readFile(viaRsync)), sha256(data));
  });

  it('git clones and pushes over ssh through the tunnel, and the pushed commit comes back whole', async () => {
    const ssh = `/usr/bin/ssh -F ${sshConfigFile} -o BatchMode=yes`;
    const env = { ...bob.env, GIT_SSH_COMMAND: ssh, GIT_CONFIG_NOSYSTEM: '1' };
    const identity = ['-c', 'user.name=Bob', '-c', 'user.email=bob@corp.example'];
    const repo = `/tmp/latchkey-netns-git-${process.pid}.git`;
    const made = await runCommand(
      '/usr/bin/ssh',
      ['-F', sshConfigFile, '-o', 'BatchMode=yes', SITE_HOSTNAME, `git init -q --bare ${repo}`],
      { env: bob.env, timeoutMs: 60_000 },
    );
    assert.equal(made.code, 0, made.stderr);
    try {
      const first = path.join(site.base, 'git-first');
      const cloned = await runCommand('/usr/bin/git', ['clone', '-q', `${SITE_HOSTNAME}:${repo}`, first], {
        env,
        timeoutMs: 90_000,
      });
      assert.equal(cloned.code, 0, cloned.stderr);
      const content = randomBytes(256 * 1024);
      await writeFile(path.join(first, 'payload.bin'), content);
      for (const args of [
        ['add', 'payload.bin'],
        [...identity, 'commit', '-q', '-m', 'through the tunnel'],
        ['push', '-q', 'origin', 'HEAD'],
      ]) {
        const step = await runCommand('/usr/bin/git', ['-C', first, ...args], { env, timeoutMs: 90_000 });
        assert.equal(step.code, 0, `git ${args.join(' ')}: ${step.stderr}`);
      }
      const second = path.join(site.base, 'git-second');
      const again = await runCommand('/usr/bin/git', ['clone', '-q', `${SITE_HOSTNAME}:${repo}`, second], {
        env,
        timeoutMs: 90_000,
      });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(sha256(await readFile(path.join(second, 'payload.bin'))), sha256(content));
    } finally {
      await runCommand(
        '/usr/bin/ssh',
        ['-F', sshConfigFile, '-o', 'BatchMode=yes', SITE_HOSTNAME, `rm -rf ${repo}`],
        { env: bob.env, timeoutMs: 60_000 },
      );
    }
  });

  // A connector: an agentless target reached through another host's agent (site-1's, --route).
  const admin = async (method: string, route: string, body?: unknown): Promise<Json> => {
    const accounts = await api(site.server, 'GET', '/client/v4/accounts', site.adminToken);
    const answer = await api(
      site.server,
      method,
      `/client/v4/accounts/${accounts.body.result[0].id}${route}`,
      site.adminToken,
      body,
    );
    assert.ok(answer.status < 300, `${method} ${route}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  };

  it('a connector: latchkey ssh reaches an agentless target; the connector dialled its address, and the stream is audited', async () => {
    const mark = site.agent.mark();
    const sshdMark = site.privateSshd.mark();
    const result = await runLatchkey(
      bob,
      ['ssh', PRIVATE_HOSTNAME, '--', 'echo', 'private-$((6*7))', '$SSH_CONNECTION'],
      { timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, `${result.stderr}\nagent: ${site.agent.output().slice(mark)}`);
    assert.match(result.stdout, /private-42/);
    // sshd saw a connection to its private address: the connector dialled it inside the namespace.
    assert.match(result.stdout, new RegExp(` ${PRIVATE_ADDRESS.replace(/\./g, '\\.')} 22\\b`));
    await site.agent.waitFor(
      new RegExp(
        `tunnel: stream \\S+ from bob@corp\\.example .* dials ${PRIVATE_ADDRESS.replace(/\./g, '\\.')}:22`,
      ),
      10_000,
      mark,
    );
    await site.privateSshd.waitFor(/Accepted publickey for .* ED25519-CERT/, 10_000, sshdMark);
    const audit = await api(
      site.server,
      'GET',
      '/v1/audit?action=tunnel.stream.open&per_page=100',
      site.adminToken,
    );
    const opened = (audit.body.result as Json[]).find((event) => event.resource_id === site.privateTargetId);
    assert.ok(opened, JSON.stringify(audit.body));
    assert.equal(opened.after.agent, site.agentId);
    assert.equal(opened.after.dialed, PRIVATE_ADDRESS);
    assert.equal(opened.after.route, site.routeId);
    // The connector says what it agreed to dial, so an admin sees a route it would refuse.
    const agents = (await admin('GET', '/latchkey/agents')) as Json[];
    const connector = agents.find((agent) => agent.id === site.agentId);
    assert.deepEqual(connector?.connector_routes, [PRIVATE_ROUTE], JSON.stringify(connector));
  });

  it('a connector refuses a route its host never agreed to (--route), nothing dialled', async () => {
    const hostname = `elsewhere-${process.pid}`;
    await admin('POST', '/access/apps', {
      name: `${hostname} over ssh`,
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: [hostname] }, port: 22, protocol: 'SSH' }],
      policies: [
        {
          name: 'bob elsewhere',
          decision: 'allow',
          include: [{ email: { email: 'bob@corp.example' } }],
          connection_rules: { ssh: { usernames: [site.user.name] } },
        },
      ],
    });
    const target = await admin('POST', '/infrastructure/targets', {
      hostname,
      ip: { ipv4: { ip_addr: '10.88.0.5' } },
    });
    const mark = site.agent.mark();
    // No route yet: the server says so, and nothing reaches the agent.
    const noRoute = await runLatchkey(bob, ['proxy', target.id, '22'], { timeoutMs: 60_000 });
    assert.notEqual(noRoute.code, 0);
    assert.match(noRoute.stderr, /no route of its virtual network to a connector holds 10\.88\.0\.5/);
    // An admin routes it to site-1's agent, whose --route does not cover it: the agent refuses.
    const route = await admin('POST', '/teamnet/routes', {
      network: '10.88.0.0/24',
      tunnel_id: site.agentId,
    });
    try {
      const refused = await runLatchkey(bob, ['proxy', target.id, '22'], { timeoutMs: 60_000 });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /10\.88\.0\.5 is in none of this agent's --route ranges/);
      await site.agent.waitFor(/refused to dial 10\.88\.0\.5:22/, 10_000, mark);
      assert.doesNotMatch(site.agent.output().slice(mark), /dials 10\.88\.0\.5/);
    } finally {
      await admin('DELETE', `/teamnet/routes/${route.id}`);
    }
  });

  it('the proxy fails fast, saying how to sign in, when there is no sign-in', async () => {
    const stranger = await makeCliHome(path.join(site.base, 'stranger'), site.server.url);
    const started = Date.now();
    const refused = await runLatchkey(stranger, ['proxy', site.targetId, '22'], { timeoutMs: 60_000 });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /latchkey login/);
    // No sign-in prompt waits for a person (the machine is shared and loaded: a generous bound).
    assert.ok(Date.now() - started < 50_000);
  });

  it('a killed server: the agent dials it again by itself', async () => {
    const mark = site.agent.mark();
    await site.server.kill();
    await site.agent.waitFor(/tunnel: link closed/, 10_000, mark);
    const killedAt = Date.now();
    await site.restartServer();
    const listeningAt = Date.now();
    await site.agent.waitFor(/tunnel: connected to /, 45_000, mark);
    const backAt = Date.now();
    process.stdout.write(
      `      (down ${listeningAt - killedAt} ms while restarting; the agent was back ${backAt - listeningAt} ms after the server listened)\n`,
    );
    assert.ok(backAt - listeningAt < 35_000);
    const again = await runCommand(
      '/usr/bin/ssh',
      ['-F', sshConfigFile, '-o', 'BatchMode=yes', '-v', SITE_HOSTNAME, 'echo again'],
      { env: bob.env, timeoutMs: 60_000 },
    );
    assert.equal(
      again.code,
      0,
      `ssh: ${again.stderr}\nagent: ${site.agent.output().slice(mark)}\nserver: ${site.server.output().slice(-3000)}`,
    );
    assert.match(again.stdout, /again/);
  });
});
