// `latchkey ssh` and `ssh-config --write` against agent-managed targets whose fronts present host
// certificates, everything real (front-fixture.ts: the server, two agents with fronts and their sshds;
// the latchkey executable; the system OpenSSH client): Latchkey's known_hosts holds only an
// `@cert-authority` line for the target, ssh -v shows the certificate accepted, and a connection that
// reaches a host without a certificate for the target (another target's front, or an uncertified key,
// through a ProxyCommand standing in for a redirected connection) is refused, with Latchkey's message.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { eventually, runCommand } from '../../harness/index.js';
import { getJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { startFrontWorld, type FrontWorld } from '../front/front-fixture.js';
import { loginWithDeviceFlow, makeCliHome, runLatchkey, type CliHome } from './latchkey-cli.js';

const BOB = { email: 'bob@corp.example', password: 'bob@corp.example long password' };

/** A ProxyCommand that relays to 127.0.0.1:PORT: a connection redirected to another host. */
const RELAY = `import net from 'node:net';
const socket = net.connect(Number(process.argv[2]), '127.0.0.1');
process.stdin.pipe(socket);
socket.pipe(process.stdout);
socket.on('close', () => process.exit(0));
socket.on('error', () => process.exit(1));
`;

describe('e2e: latchkey ssh and ssh-config trust fronts by their host certificates', function () {
  this.timeout(240_000);
  let world: FrontWorld;
  let cli: CliHome;
  let hostCa: string;
  let relay: string;
  const knownHosts = () => readFile(`${cli.configDir}/known_hosts`, 'utf8');

  before(async () => {
    world = await startFrontWorld();
    const root = path.join(world.base, 'cli');
    await mkdir(root, { recursive: true });
    cli = await makeCliHome(root, world.server.url);
    relay = path.join(root, 'relay.mjs');
    await writeFile(relay, RELAY);
    const token = (await signInBuiltIn(world.server.url, BOB.email, BOB.password)).access_token;
    hostCa = (await getJson(world.server.url, '/v1/me/host_ca', token)).body.result.public_key;
    hostCa = hostCa.split(' ').slice(0, 2).join(' ');
    // The front has its certificate once the server lists the host CA for it.
    await eventually('web-1 listed with the host CA', 30_000, async () => {
      const answer = await getJson(world.server.url, '/v1/me/targets', token);
      const web = (answer.body.result as { hostname: string; front?: { host_ca?: string } }[]).find(
        (t) => t.hostname === 'web-1',
      );
      return web?.front?.host_ca;
    });
    const login = await loginWithDeviceFlow(cli, BOB);
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    await world?.stop();
  });

  it('latchkey ssh: the host certificate is accepted; known_hosts holds only the @cert-authority line', async () => {
    const result = await runLatchkey(cli, ['ssh', '-v', 'web-1', '--', 'echo', 'via-latchkey-ssh']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /via-latchkey-ssh/);
    assert.match(result.stderr, /Server host certificate: ssh-ed25519-cert-v01@openssh\.com/);
    assert.match(result.stderr, /Host 'web-1' is known and matches the ED25519-CERT host certificate/);
    assert.doesNotMatch(result.stderr, /Are you sure you want to continue connecting/);
    assert.equal(await knownHosts(), `@cert-authority web-1 ${hostCa}\n`);
  });

  it("latchkey ssh: a connection that reaches another target's front is refused, and Latchkey says so", async () => {
    const result = await runLatchkey(cli, [
      'ssh',
      '-o',
      `ProxyCommand=${process.execPath} ${relay} ${world.db.frontPort}`,
      'web-1',
      '--',
      'echo',
      'should-not-run',
    ]);
    assert.equal(result.code, 255, result.stderr);
    assert.doesNotMatch(result.stdout, /should-not-run/);
    assert.match(result.stderr, /Host key verification failed/);
    assert.match(result.stderr, /not the one the access server certified as web-1/);
  });

  it('latchkey ssh: a host with an uncertified key is refused', async () => {
    // web-1's own sshd: a real SSH server whose key no host CA signed.
    const result = await runLatchkey(cli, [
      'ssh',
      '-o',
      `ProxyCommand=${process.execPath} ${relay} ${world.web.sshd.port}`,
      'web-1',
      '--',
      'echo',
      'should-not-run',
    ]);
    assert.equal(result.code, 255, result.stderr);
    assert.doesNotMatch(result.stdout, /should-not-run/);
    assert.match(result.stderr, /not the one the access server certified as web-1/);
    assert.equal(await knownHosts(), `@cert-authority web-1 ${hostCa}\n`, 'nothing else was pinned');
  });

  describe('ssh-config --write, then plain ssh', () => {
    const sshConfig = () => `${cli.home}/.ssh/config`;
    const ssh = (args: string[]) =>
      runCommand('ssh', ['-F', sshConfig(), '-o', 'BatchMode=yes', ...args], {
        env: cli.env,
        timeoutMs: 30_000,
      });

    before(async () => {
      await writeFile(`${cli.configDir}/known_hosts`, '');
      await mkdir(`${cli.home}/.ssh`, { recursive: true, mode: 0o700 });
      const written = await runLatchkey(cli, ['ssh-config', '--write']);
      assert.equal(written.code, 0, written.stderr);
    });

    it('writes the @cert-authority line, and ssh logs in with the host certificate', async () => {
      assert.equal(await knownHosts(), `@cert-authority web-1 ${hostCa}\n`);
      const generated = await readFile(`${cli.configDir}/ssh_config`, 'utf8');
      assert.match(generated, /^ {2}HostKeyAlias web-1\n {2}StrictHostKeyChecking yes$/m);
      const result = await ssh(['-v', 'web-1', 'echo', 'via-ssh-config']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /via-ssh-config/);
      assert.match(result.stderr, /Host 'web-1' is known and matches the ED25519-CERT host certificate/);
      assert.equal(await knownHosts(), `@cert-authority web-1 ${hostCa}\n`, 'nothing was pinned');
    });

    it("refuses another target's front and an uncertified key", async () => {
      for (const port of [world.db.frontPort, world.web.sshd.port]) {
        const result = await ssh([
          '-o',
          `ProxyCommand=${process.execPath} ${relay} ${port}`,
          'web-1',
          'echo',
          'should-not-run',
        ]);
        assert.equal(result.code, 255, result.stderr);
        assert.doesNotMatch(result.stdout, /should-not-run/);
        assert.match(result.stderr, /Host key verification failed/);
      }
    });
  });
});
