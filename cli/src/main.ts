/**
 * The latchkey executable: wiring only, and the one place that reads the environment.
 *
 *   latchkey login [--server URL]            sign in (OAuth device flow); LATCHKEY_SERVER is the default URL
 *   latchkey logout | whoami | targets [--json]
 *   latchkey ssh [USER@]TARGET [-- COMMAND…]  a fresh key pair and certificate, then the system ssh
 *   latchkey ssh-config [--write]            Host entries so that plain ssh, scp and rsync get certificates
 *   latchkey proxy TARGET [PORT]             (ssh's ProxyCommand) one connection through the access server's tunnel
 *   latchkey known-hosts forget TARGET       forget a target's pinned host key (a fronted target's is the server's)
 *   latchkey logs keygen|list|download|decrypt|verify|play   auditors (adapters/cli/logs-command.ts)
 *   latchkey admin targets|agents|join-token|audit|sessions  admins, with an API token (adapters/cli/admin-command.ts)
 *
 * Credentials are kept per server in $XDG_CONFIG_HOME/latchkey (default ~/.config/latchkey). Exit codes:
 * see domain/exit-codes.ts; `latchkey ssh` exits with ssh's status.
 */
import { userInfo, homedir } from 'node:os';
import { realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Command } from 'commander';
import { LATCHKEY_VERSION, LatchkeyError, generateSshKeyPair, isLatchkeyError } from '@latchkey/shared';
import { connectSsh } from './app/connect-ssh.js';
import { forgetPinnedHostKey } from './app/forget-host-key.js';
import { login } from './app/login.js';
import { logout } from './app/logout.js';
import type { Clock } from './app/ports/environment.js';
import { myTargets, whoAmI } from './app/read-my-access.js';
import { refreshSshCertificate } from './app/refresh-ssh-certificate.js';
import type { SessionDeps } from './app/signed-in-session.js';
import { sshConfig } from './app/write-ssh-config.js';
import { browserOpener } from './adapters/browser/open-browser.js';
import { addAdminCommand } from './adapters/cli/admin-command.js';
import { addLogsCommand } from './adapters/cli/logs-command.js';
import { addProxyCommand, sshTunnel } from './adapters/cli/proxy-command.js';
import { CredentialsFileStore } from './adapters/fs/credentials-file-store.js';
import { localSshKeyFiles, localTextFiles } from './adapters/fs/local-files.js';
import { HttpAccessServer } from './adapters/http/access-server-client.js';
import { SshProcessRunner } from './adapters/ssh/ssh-process-runner.js';
import { TargetCacheFile } from './adapters/fs/target-cache-file.js';
import { describeMe } from './domain/describe-me.js';
import { EXIT, exitCodeFor } from './domain/exit-codes.js';
import { renderTargetsTable } from './domain/render-targets-table.js';
import { normaliseServerUrl } from './domain/server-url.js';
import type { SshPassThroughOptions } from './domain/ssh-arguments.js';
import { credentialsPath, knownHostsPath, sshKeysDir } from './domain/ssh-key-paths.js';
import { escapeForTerminal, escapeLinesForTerminal, jsonForTerminal } from './domain/terminal-text.js';

const VERSION = LATCHKEY_VERSION;

const clock: Clock = {
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};
const notify = (line: string) => process.stderr.write(`${line}\n`);
const generateKey = () => generateSshKeyPair('ed25519');

function defaultConfigDir(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.config'), 'latchkey');
}

function localUsername(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

interface ServerOption {
  server?: string;
}

/** What every signed-in command needs: the server (from --server, LATCHKEY_SERVER, or the only sign-in). */
async function session(
  options: ServerOption,
  configDir = defaultConfigDir(),
  forLogin = false,
): Promise<SessionDeps> {
  const store = new CredentialsFileStore(credentialsPath(configDir));
  let server: string;
  if (options.server !== undefined) {
    server = normaliseServerUrl(options.server, '--server');
  } else if (process.env.LATCHKEY_SERVER !== undefined && process.env.LATCHKEY_SERVER !== '') {
    server = normaliseServerUrl(process.env.LATCHKEY_SERVER, 'LATCHKEY_SERVER');
  } else {
    const known = await store.servers();
    if (forLogin && known.length === 0) {
      throw new LatchkeyError(
        'invalid_argument',
        'say which access server to sign in to: `latchkey login --server URL` (or set LATCHKEY_SERVER)',
        { pointer: '--server' },
      );
    }
    if (known.length !== 1) {
      throw new LatchkeyError(
        known.length === 0 ? 'unauthenticated' : 'invalid_argument',
        known.length === 0
          ? 'not signed in: run `latchkey login --server URL` (or set LATCHKEY_SERVER)'
          : `signed in to several servers (${known.join(', ')}): say which with --server URL or LATCHKEY_SERVER`,
      );
    }
    server = known[0]!;
  }
  return { server: new HttpAccessServer(server, { userAgent: `latchkey/${VERSION}` }), store, clock };
}

const collect = (value: string, all: string[]) => [...all, value];

function withServer(command: Command): Command {
  return command.option(
    '--server <url>',
    'the access server (default: LATCHKEY_SERVER, or the one you signed in to)',
  );
}

function buildProgram(): Command {
  const program = new Command('latchkey')
    .description('Latchkey: SSH to your infrastructure with short-lived certificates')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();

  withServer(program.command('login').description('sign in to the access server (OAuth device flow)')).action(
    async (options: ServerOption) => {
      const deps = await session(options, defaultConfigDir(), true);
      const openBrowser = browserOpener(process.env, process.stderr.isTTY === true);
      const me = await login({ ...deps, notify, ...(openBrowser === undefined ? {} : { openBrowser }) });
      notify(`Signed in to ${deps.server.url} as ${escapeForTerminal(String(me.email))}.`);
    },
  );

  withServer(
    program.command('logout').description('sign out: end the sign-in on the server and forget it'),
  ).action(async (options: ServerOption) => {
    const configDir = defaultConfigDir();
    await logout({
      ...(await session(options, configDir)),
      notify,
      removeSshKeys: () => localSshKeyFiles.removeAll(sshKeysDir(configDir)),
    });
  });

  withServer(program.command('whoami').description('who you are signed in as'))
    .option('--json', 'print JSON')
    .action(async (options: ServerOption & { json?: boolean }) => {
      const deps = await session(options);
      const me = await whoAmI(deps);
      process.stdout.write(
        options.json === true ? `${jsonForTerminal(me)}\n` : describeMe(deps.server.url, me),
      );
    });

  withServer(program.command('targets').description('the targets you may reach, and as whom'))
    .option('--json', 'print JSON')
    .action(async (options: ServerOption & { json?: boolean }) => {
      const configDir = defaultConfigDir();
      const targets = await myTargets({
        ...(await session(options, configDir)),
        targetCache: new TargetCacheFile(join(configDir, 'targets-cache.json'), clock),
      });
      process.stdout.write(
        options.json === true ? `${jsonForTerminal(targets)}\n` : renderTargetsTable(targets),
      );
    });

  withServer(
    program
      .command('ssh')
      .description(
        'connect with a fresh key pair and a certificate for this connection only (put the remote command after --)',
      )
      .argument('<destination>', '[USER@]TARGET: a target hostname or id, optionally with the UNIX user')
      .argument('[command...]', 'the remote command (after --)'),
  )
    .option('-L <spec>', 'local port forwarding, as ssh -L', collect, [])
    .option('-R <spec>', 'remote port forwarding, as ssh -R', collect, [])
    .option('-D <spec>', 'dynamic (SOCKS) forwarding, as ssh -D', collect, [])
    .option('-o <option>', 'an ssh option, as ssh -o Key=Value', collect, [])
    .option('-t', 'force a terminal (ssh -t)')
    .option('-T', 'no terminal (ssh -T)')
    .option('-N', 'no remote command, forwarding only (ssh -N)')
    .option('-A', 'forward your agent (when the policy allows it)')
    .option('-v', 'verbose ssh (repeat for more)', (_: string, count: number) => count + 1, 0)
    .action(
      async (
        destination: string,
        command: string[],
        options: ServerOption & {
          L: string[];
          R: string[];
          D: string[];
          o: string[];
          t?: boolean;
          T?: boolean;
          N?: boolean;
          A?: boolean;
          v: number;
        },
      ) => {
        const configDir = defaultConfigDir();
        const passThrough: SshPassThroughOptions = {
          localForwards: options.L,
          remoteForwards: options.R,
          dynamicForwards: options.D,
          options: options.o,
          noCommand: options.N === true,
          forwardAgent: options.A === true,
          ...(process.env.SSH_AUTH_SOCK === undefined
            ? {}
            : { forwardAgentSocket: process.env.SSH_AUTH_SOCK }),
          verbosity: options.v,
          ...(options.t === true
            ? { tty: 'force' as const }
            : options.T === true
              ? { tty: 'none' as const }
              : {}),
        };
        const local = localUsername();
        const signedIn = await session(options, configDir);
        const exitCode = await connectSsh(
          {
            ...signedIn,
            tunnel: sshTunnel(signedIn.server.url, configDir),
            ssh: new SshProcessRunner(),
            targetCache: new TargetCacheFile(join(configDir, 'targets-cache.json'), clock),
            generateKey,
            notify,
            knownHostsFile: knownHostsPath(configDir),
            files: localTextFiles,
          },
          { destination, command, passThrough, ...(local === undefined ? {} : { localUsername: local }) },
        );
        process.exit(exitCode);
      },
    );

  withServer(
    program
      .command('ssh-config')
      .description(
        'print (or --write) ssh_config Host entries so that plain ssh, scp, rsync and VS Code Remote-SSH ' +
          'get a fresh certificate on each connection',
      ),
  )
    .option('--write', 'write them to <config>/ssh_config and Include that from ~/.ssh/config')
    .addHelpText(
      'after',
      [
        '',
        'How it works: each target gets a Host entry (address, port, the only allowed user if there is one, the',
        "host key pinned in Latchkey's known_hosts under the target's name) and a `Match originalhost NAME exec`",
        'line that runs `latchkey ssh-cert` while ssh reads its configuration. That helper writes a certificate',
        'for this connection into <config>/ssh/NAME/USER/, keeping the key pair until its certificate expires so',
        'that concurrent connections (scp, rsync, VS Code Remote-SSH) always find a certificate for their key.',
        'When the helper fails (signed out, denied), it says why and no Latchkey key is offered.',
        '',
        "A target fronted by its agent (an SSH server inside the agent) is reached at the front's port, and ssh",
        'accepts only the host key the access server gives for it (StrictHostKeyChecking yes): --write and the',
        "helper pin that key in Latchkey's known_hosts. Other targets pin the key ssh is first shown.",
      ].join('\n'),
    )
    .action(async (options: ServerOption & { write?: boolean }) => {
      const configDir = defaultConfigDir();
      const signedIn = await session(options, configDir);
      const text = await sshConfig(
        { ...signedIn, files: localTextFiles, notify },
        {
          configDir,
          latchkeyCommand: [process.execPath, realpathSync(process.argv[1] ?? 'latchkey')],
          write: options.write === true,
          userSshConfig: join(homedir(), '.ssh', 'config'),
        },
      );
      if (options.write !== true) process.stdout.write(text);
    });

  program
    .command('ssh-cert', { hidden: true })
    .description('(used by the ssh-config entries) write a fresh certificate for TARGET and USER')
    .requiredOption('--server <url>', 'the access server')
    .requiredOption('--config-dir <dir>', "latchkey's config dir")
    .argument('<target>', 'the target hostname')
    .argument('<user>', 'the UNIX user')
    .argument('[port]', 'the port ssh is going to (to tell an out-of-date ssh config)')
    .action(
      async (
        target: string,
        user: string,
        port: string | undefined,
        options: { server: string; configDir: string },
      ) => {
        await refreshSshCertificate(
          {
            ...(await session(options, options.configDir)),
            keyFiles: localSshKeyFiles,
            generateKey,
            files: localTextFiles,
            notify,
          },
          {
            configDir: options.configDir,
            hostname: target,
            username: user,
            ...(port === undefined ? {} : { port }),
          },
        );
      },
    );

  program
    .command('known-hosts')
    .description(
      "the host keys Latchkey pinned (in <config>/known_hosts): the access server's for agent-fronted targets, else the first one seen",
    )
    .command('forget')
    .description('forget the pinned host key of a target, after its host key changed on purpose')
    .argument('<target>', 'the target hostname')
    .action(async (target: string) => {
      const file = knownHostsPath(defaultConfigDir());
      const removed = await forgetPinnedHostKey(localTextFiles, file, target);
      notify(
        removed === 0
          ? `No host key pinned for ${target} in ${file}.`
          : `Forgot ${removed} host key(s) of ${target}; the next connection pins the key the access server gives ` +
              'for it (a target fronted by its agent), or else the key it is shown.',
      );
    });

  addProxyCommand(program, { session, defaultConfigDir });

  // The API-token commands' default server: that of the only stored sign-in.
  const signedInServer = async () => {
    const known = await new CredentialsFileStore(credentialsPath(defaultConfigDir())).servers();
    return known.length === 1 ? known[0] : undefined;
  };
  addLogsCommand(program, {
    env: process.env,
    userAgent: `latchkey/${VERSION}`,
    signedInServer,
    notify,
    exit: (code) => process.exit(code),
  });

  addAdminCommand(program, {
    env: process.env,
    userAgent: `latchkey/${VERSION}`,
    signedInServer,
    notify,
    now: () => new Date(),
  });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
    process.exit(EXIT.ok);
  } catch (error) {
    const commanderCode = (error as { code?: string }).code;
    if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
      process.exit(
        commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version'
          ? EXIT.ok
          : EXIT.usage,
      );
    }
    // Messages may quote what a server, an agent or a log said: escaped, line breaks kept.
    if (isLatchkeyError(error)) {
      process.stderr.write(`latchkey: ${escapeLinesForTerminal(error.message)}\n`);
      process.exit(exitCodeFor(error.code));
    }
    process.stderr.write(
      `latchkey: ${escapeLinesForTerminal(error instanceof Error ? error.message : String(error))}\n`,
    );
    process.exit(EXIT.failure);
  }
}

// Not a top-level await: the shipped bundle is CommonJS (scripts/build.mjs). main exits the process itself.
void main(process.argv);
