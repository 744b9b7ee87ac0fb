/**
 * `latchkey proxy TARGET [PORT]`: the ProxyCommand of targets reached through their agent's tunnel
 * (docs/tunnels.md). stdin and stdout are one SSH connection, carried by a WebSocket to the access server,
 * which checks policy and opens a stream to the agent's SSH front. It never starts a sign-in (ssh owns the
 * terminal): without a valid sign-in it fails at once and says to run `latchkey login`.
 *
 * Also the tunnel's wiring for `latchkey ssh` (`latchkey ssh-config` reads the list's `tunnel` flags).
 */
import { realpathSync } from 'node:fs';
import type { Command } from 'commander';
import { openTunnelStream } from '../../app/open-tunnel-stream.js';
import type { SessionDeps } from '../../app/signed-in-session.js';
import { WebSocketTunnel } from '../http/tunnel-websocket.js';

export interface ProxyCommandDeps {
  /** The signed-in session for --server / --config-dir (main's `session`). */
  session: (options: { server?: string }, configDir: string) => Promise<SessionDeps>;
  defaultConfigDir: () => string;
}

export function addProxyCommand(program: Command, deps: ProxyCommandDeps): void {
  program
    .command('proxy')
    .description(
      "carry one connection to TARGET through the access server's tunnel on stdin/stdout (an ssh ProxyCommand; `latchkey ssh-config` writes it for tunnelled targets)",
    )
    .option('--server <url>', 'the access server (default: LATCHKEY_SERVER, or the one you signed in to)')
    .option('--config-dir <dir>', "latchkey's config dir")
    .option(
      '--vnet <name or id>',
      'the virtual network of the target, when its hostname names targets in several',
    )
    .argument('<target>', 'the target id, hostname or address')
    .argument('[port]', "the port ssh asked for (%p); default the agent's SSH front")
    .action(
      async (
        target: string,
        port: string | undefined,
        options: { server?: string; configDir?: string; vnet?: string },
      ) => {
        const signedIn = await deps.session(options, options.configDir ?? deps.defaultConfigDir());
        const portNumber = port === undefined || port === '' ? undefined : Number(port);
        const stream = await openTunnelStream(
          { ...signedIn, tunnel: new WebSocketTunnel(signedIn.server.url) },
          {
            target,
            ...(portNumber === undefined || !Number.isInteger(portNumber) ? {} : { port: portNumber }),
            ...(options.vnet === undefined ? {} : { virtualNetwork: options.vnet }),
          },
        );
        await new Promise<void>((resolve) => {
          let done = false;
          const finish = () => {
            if (done) return;
            done = true;
            // What the server sent last reaches ssh before this process ends.
            process.stdout.write('', () => resolve());
          };
          stream.on('error', (error: Error) => {
            process.stderr.write(`latchkey proxy: ${error.message}\n`);
            finish();
          });
          stream.on('end', finish);
          stream.on('close', finish);
          process.stdin.pipe(stream);
          stream.pipe(process.stdout);
        });
      },
    );
}

/** `latchkey ssh`'s tunnel: targets with one are reached through `latchkey proxy` as ssh's ProxyCommand. */
export function sshTunnel(server: string, configDir: string): { proxyCommand: (targetId: string) => string } {
  const self = [process.execPath, realpathSync(process.argv[1] ?? 'latchkey')];
  return {
    proxyCommand: (targetId) =>
      [...self, 'proxy', '--server', server, '--config-dir', configDir, targetId, '%p']
        .map((word) => (word === '%p' ? word : shellWord(word.replace(/%/g, '%%'))))
        .join(' '),
  };
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@+=,%-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
