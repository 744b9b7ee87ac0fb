// The README's walkthrough, literally, as a newcomer would do it: `bash scripts/up.sh` brings up the whole
// local Latchkey (server, a real agent whose SSH front stands before a private sshd, the demo person, app
// and policy, session logging), and the commands it prints are run as printed: sign in with the device
// flow, list, connect with `latchkey ssh` in a real terminal through the front and type commands, copy a
// file with plain scp through `latchkey ssh-config`, then as the auditor list, download and decrypt the
// session's log (the front recorded it) and find the typed commands in it. Ctrl-C then stops everything.
// Nothing here is a stand-in.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import {
  createTempDir,
  findFreePort,
  registerCleanup,
  runCommand,
  type TempDir,
} from '../../harness/index.js';
import {
  LATCHKEY_BIN,
  loginWithDeviceFlow,
  makeCliHome,
  runLatchkey,
  type CliHome,
} from '../cli/latchkey-cli.js';
import { LocalLatchkey, ROOT } from './local-latchkey.js';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('e2e: the README walkthrough, from scripts/up.sh to the decrypted session log', function () {
  this.timeout(600_000);
  const unixUser = `lk-demo-${randomBytes(3).toString('hex')}`;
  let dir: TempDir;
  let devDir: string;
  let frontAddress: string;
  let up: LocalLatchkey;
  let cli: CliHome;
  let url: string;
  let password: string;
  let auditorKey: string;
  let auditorTokenFile: string;
  const login = () => `${unixUser}@local-target`;

  before(async function () {
    this.timeout(400_000);
    dir = await createTempDir('walkthrough');
    const serverPort = await findFreePort('127.0.0.1');
    const frontPort = await findFreePort('127.0.0.1');
    const targetPort = await findFreePort('127.0.0.1');
    devDir = dir.file('dev');
    up = LocalLatchkey.start(ROOT, {
      ...process.env,
      LATCHKEY_LISTEN: `127.0.0.1:${serverPort}`,
      LATCHKEY_FRONT_LISTEN: `127.0.0.1:${frontPort}`,
      LATCHKEY_TARGET_LISTEN: `127.0.0.1:${targetPort}`,
      LATCHKEY_DEV_DIR: devDir,
      LATCHKEY_DEMO_UNIX_USER: unixUser,
    });
    ({ url, password } = await up.ready());
    auditorKey = (await up.waitFor(/latchkey logs decrypt -i session\.log -k (\S+)/, 1000))[1]!;
    auditorTokenFile = (await up.waitFor(/LATCHKEY_API_TOKEN=\$\(cat (\S+)\)/, 1000))[1]!;
    cli = await makeCliHome(dir.file('person'), url);
    assert.match(up.output, new RegExp(`people reach it at 127\\.0\\.0\\.1:${frontPort}, the SSH front`));
    frontAddress = `127.0.0.1:${frontPort}`;
  });

  it('0. prints where the VS Code extension is, and it is there', async () => {
    const vsix = (await up.waitFor(/code --install-extension (\S+\.vsix)/, 1000))[1]!;
    const size = (await stat(vsix.startsWith('/') ? vsix : `${ROOT}${vsix}`)).size;
    assert.ok(size > 10_000, `${vsix}: ${size} bytes`);
  });

  after(async () => {
    if (up !== undefined) {
      assert.equal(await up.interrupt(), 0, up.output);
      assert.match(up.output, /Stopped: nothing is left running\./);
      const left = await runCommand('pgrep', ['-f', devDir]);
      assert.equal(left.stdout.trim(), '', `processes left running:\n${left.stdout}`);
    }
    await runCommand('userdel', ['-r', unixUser]);
    await dir?.remove();
  });

  it('1. signs in with the device flow as the demo person the script printed', async () => {
    const result = await loginWithDeviceFlow(cli, { email: 'demo@latchkey.test', password }, [
      '--server',
      url,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout + result.stderr, /demo@latchkey\.test/);
  });

  it("2. lists the local target with the demo UNIX user, at the agent's SSH front", async () => {
    const result = await runLatchkey(cli, ['targets']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /local-target/);
    assert.match(result.stdout, new RegExp(unixUser));
    const listed = await runLatchkey(cli, ['targets', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const target = (
      JSON.parse(listed.stdout) as { hostname: string; port: number; front?: { port: number } }[]
    ).find((entry) => entry.hostname === 'local-target');
    assert.equal(`127.0.0.1:${target?.port}`, frontAddress, listed.stdout);
    assert.equal(target?.front?.port, target?.port, listed.stdout);
  });

  it('3. connects with `latchkey ssh` in a real terminal and runs commands', async () => {
    const terminal = spawnPty(process.execPath, [LATCHKEY_BIN, 'ssh', login()], {
      name: 'xterm-256color',
      cols: 100,
      rows: 30,
      env: cli.env as Record<string, string>,
    });
    const handle = registerCleanup('latchkey ssh terminal', async () => terminal.kill('SIGKILL'));
    let screen = '';
    terminal.onData((data) => (screen += data));
    const exited = new Promise<number>((resolve) => terminal.onExit(({ exitCode }) => resolve(exitCode)));
    const until = async (pattern: RegExp, what: string) => {
      for (let waited = 0; !pattern.test(screen); waited += 50) {
        if (waited > 30_000) throw new Error(`waiting for ${what}; the terminal shows:\n${screen}`);
        await sleep(50);
      }
    };
    // A person types at the prompt: each command once the shell has shown its prompt (the front reads
    // commands from the screen, where a line typed ahead of its prompt has no place yet).
    await until(/\$ $/, 'the first prompt');
    terminal.write('cd /tmp\r');
    // (bash's prompt is coloured: \S* steps over the escape sequence between the directory and the $.)
    await until(/\/tmp\S*\$ $/, 'the prompt in /tmp');
    terminal.write('echo walkthrough-$((6*7))\r');
    await until(/^walkthrough-42\r?\n[^\n]*\/tmp\S*\$ $/m, 'the echo and the next prompt');
    terminal.write('exit\r');
    assert.equal(await exited, 0, screen);
    handle.release();
    // By default the local target is reached through the server's tunnel its agent dialled out
    // (docs/tunnels.md), as a target in a private network would be.
    const agentLog = await readFile(path.join(devDir, 'logs', 'agent.log'), 'utf8');
    assert.match(agentLog, /tunnel: stream \S+ from demo@latchkey\.test/, agentLog.slice(-3000));
  });

  it('4. copies a file with plain scp through `latchkey ssh-config --write`', async () => {
    const written = await runLatchkey(cli, ['ssh-config', '--write']);
    assert.equal(written.code, 0, written.stderr);
    const local = dir.file('notes.txt');
    await writeFile(local, 'copied by the walkthrough\n');
    // ssh takes ~ from the passwd entry, not $HOME (spec/openssh-notes.md): name the config.
    const copied = await runCommand(
      'scp',
      ['-F', `${cli.home}/.ssh/config`, '-o', 'BatchMode=yes', local, `${login()}:notes.txt`],
      {
        env: cli.env,
        timeoutMs: 60_000,
      },
    );
    assert.equal(copied.code, 0, copied.stderr);
    const read = await runLatchkey(cli, ['ssh', login(), '--', 'cat', 'notes.txt']);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout, 'copied by the walkthrough\n');
  });

  it('5. as the auditor: lists, downloads and decrypts the session log, and finds the commands typed', async () => {
    const token = (await readFile(auditorTokenFile, 'utf8')).trim();
    const auditor = { env: { LATCHKEY_API_TOKEN: token } };
    let shell: { id: string } | undefined;
    for (let waited = 0; shell === undefined; waited += 500) {
      const listed = await runLatchkey(cli, ['logs', 'list', '--server', url, '--json'], auditor);
      assert.equal(listed.code, 0, listed.stderr);
      const logs = JSON.parse(listed.stdout) as {
        id: string;
        program_type: string;
        status: string;
        username: string;
      }[];
      shell = logs.find((log) => log.program_type === 'shell' && log.username === unixUser);
      if (shell === undefined) {
        if (waited > 60_000)
          throw new Error(`no shell session log arrived; the server lists:\n${listed.stdout}`);
        await sleep(500);
      }
    }
    const human = await runLatchkey(cli, ['logs', 'list', '--server', url], auditor);
    assert.match(human.stdout, new RegExp(shell.id.slice(0, 20)));

    const file = dir.file('session.log');
    const downloaded = await runLatchkey(
      cli,
      ['logs', 'download', shell.id, '-o', file, '--server', url],
      auditor,
    );
    assert.equal(downloaded.code, 0, downloaded.stderr);
    const decrypted = await runLatchkey(cli, ['logs', 'decrypt', '-i', file, '-k', auditorKey]);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.match(decrypted.stdout + decrypted.stderr, /verified/);

    const zip = `${file}-decrypted.zip`;
    // The front reconstructs typed commands from the screen (source "terminal"), each once, in order.
    const commands = JSON.parse(await unzipEntry(zip, 'commands.json')) as {
      command: string;
      source?: string;
    }[];
    assert.deepEqual(
      commands.map(({ command, source }) => ({ command, source })),
      ['cd /tmp', 'echo walkthrough-$((6*7))', 'exit'].map((command) => ({ command, source: 'terminal' })),
      JSON.stringify(commands),
    );
    assert.match(await unzipEntry(zip, 'term_data.txt'), /walkthrough-42/);
  });
});

/** One entry of a zip, read with Python's zipfile (on every machine this project runs on). */
async function unzipEntry(zip: string, name: string): Promise<string> {
  const result = await runCommand('python3', [
    '-c',
    'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())',
    zip,
    name,
  ]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}
