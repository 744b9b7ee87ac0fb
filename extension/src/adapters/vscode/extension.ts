/**
 * The extension's entry point: registers the authentication provider, the "Latchkey" view and the
 * commands, and wires them to the use-cases through the real adapters. The returned object is the
 * extension's API (`vscode.extensions.getExtension('latchkey.latchkey-vscode').exports`), which the
 * extension-host tests use to drive it without the consent dialogs a person answers.
 */
import * as vscode from 'vscode';
import { LatchkeyError } from '@latchkey/shared';
import { defaultUsername } from '../../domain/choose-username.js';
import type { MyTarget } from '../../domain/access-api.js';
import { pinKey, withoutPin } from '../../domain/host-key-pins.js';
import type { TreeNode } from '../../domain/target-tree.js';
import { listTargets } from '../../app/list-targets.js';
import { openInRemoteSsh } from '../../app/open-in-remote-ssh.js';
import { latchkeyCliProcess } from '../cli/latchkey-cli-process.js';
import type { HostKeyStore } from '../../app/ports/ssh.js';
import { LatchkeyAuthenticationProvider, PROVIDER_ID, PROVIDER_LABEL } from './authentication-provider.js';
import { servicesFactory } from './services.js';
import { readSettings } from './settings.js';
import { SshPseudoterminal } from './ssh-pseudoterminal.js';
import { TargetsView } from './targets-view.js';

const REMOTE_SSH_EXTENSION = 'ms-vscode-remote.remote-ssh';

export interface LatchkeyExtensionApi {
  authenticationProvider: LatchkeyAuthenticationProvider;
  targetsView: TargetsView;
  /** The pinned host keys (global storage), for tools and tests that inspect or reset them. */
  hostKeys: HostKeyStore;
  /** Opens a terminal on `hostname` as `username` (no check that policy allows it: the server decides). */
  connect(hostname: string, username: string): Promise<{ terminal: vscode.Terminal; pty: SshPseudoterminal }>;
}

export function activate(context: vscode.ExtensionContext): LatchkeyExtensionApi {
  const settings = readSettings();
  const services = servicesFactory(context, settings);
  const log = vscode.window.createOutputChannel('Latchkey', { log: true });
  const provider = new LatchkeyAuthenticationProvider(services);
  const view = new TargetsView(services);
  const tree = vscode.window.createTreeView('latchkey.targets', {
    treeDataProvider: view,
    showCollapseAll: true,
  });

  const openTerminal = (target: MyTarget, username: string) => {
    const pty = new SshPseudoterminal(
      () => ({ ...services(), notice: (message) => log.info(message), now: () => new Date() }),
      target,
      username,
      () => settings.certificateLifetimeSeconds(),
    );
    // A notification while the certificate is fetched and ssh connects; the terminal says the outcome.
    const outcome = new Promise<void>((resolve) => {
      const subscription = pty.onDidConnect(() => {
        subscription.dispose();
        resolve();
      });
      pty.onDidClose(() => resolve());
    });
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Latchkey: connecting to ${target.hostname} as ${username}`,
      },
      () => outcome,
    );
    const terminal = vscode.window.createTerminal({ name: `${username}@${target.hostname}`, pty });
    terminal.show();
    return { terminal, pty };
  };

  const findTarget = async (hostname: string): Promise<MyTarget> => {
    const targets = await listTargets(services());
    const target = targets.find((t) => t.hostname.toLowerCase() === hostname.toLowerCase());
    if (target === undefined) {
      throw new LatchkeyError(
        'not_found',
        `you have no access to a target named ${hostname}; refresh the Latchkey view`,
      );
    }
    return target;
  };

  const chooseTarget = async (): Promise<MyTarget | undefined> => {
    const targets = await listTargets(services());
    if (targets.length === 0) throw new LatchkeyError('not_found', 'no targets: ask your admin for access');
    const picked = await vscode.window.showQuickPick(
      targets.map((target) => ({ label: target.hostname, description: target.virtual_network.name, target })),
      { placeHolder: 'Connect to which target?' },
    );
    return picked?.target;
  };

  const connect = async (node?: TreeNode | { hostname: string; username?: string }): Promise<void> => {
    let target: MyTarget | undefined;
    let username: string | undefined;
    if (node !== undefined && 'kind' in node) {
      if (node.kind === 'username') [target, username] = [node.target, node.username];
      else if (node.kind === 'target') target = node.target;
    } else if (node !== undefined) {
      target = await findTarget(node.hostname);
      username = node.username;
    }
    target ??= await chooseTarget();
    if (target === undefined) return;
    username ??= defaultUsername(target, settings.defaultUsername());
    if (username === undefined) {
      username = await vscode.window.showQuickPick(target.usernames, {
        placeHolder: `Log in to ${target.hostname} as…`,
      });
      if (username === undefined) return;
    }
    openTerminal(target, username);
  };

  /** Runs a command; a failure becomes an error notification that says what to do. */
  const command = (id: string, run: (...args: never[]) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await run(...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`${id}: ${message}`);
        void vscode.window.showErrorMessage(`Latchkey: ${message}`);
        return undefined;
      }
    });

  context.subscriptions.push(
    log,
    provider,
    view,
    tree,
    vscode.authentication.registerAuthenticationProvider(PROVIDER_ID, PROVIDER_LABEL, provider, {
      supportsMultipleAccounts: false,
    }),
    provider.onDidChangeSessions(() => void view.refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('latchkey.serverUrl')) void view.refresh();
    }),
    command('latchkey.signIn', async () => {
      const session = await vscode.authentication.getSession(PROVIDER_ID, [], { createIfNone: true });
      await view.refresh();
      void vscode.window.showInformationMessage(`Latchkey: signed in as ${session.account.label}`);
    }),
    command('latchkey.signOut', async () => {
      const stored = await services().session.current();
      if (stored === undefined) {
        await view.refresh();
        return;
      }
      await provider.removeSession(stored.sessionId);
      await view.refresh();
      void vscode.window.showInformationMessage('Latchkey: signed out');
    }),
    command('latchkey.refresh', () => view.refresh()),
    command('latchkey.filter', async () => {
      const filter = await vscode.window.showInputBox({
        prompt: 'Show targets whose hostname, address or username contains (empty: all)',
      });
      if (filter !== undefined) view.setFilter(filter);
    }),
    command('latchkey.connect', connect),
    command('latchkey.forgetHostKey', async (node?: TreeNode) => {
      const { hostKeys } = services();
      const pins = await hostKeys.load();
      let key: string | undefined;
      if (node?.kind === 'target' && node.target.front !== undefined) {
        void vscode.window.showInformationMessage(
          `Latchkey: ${node.target.hostname} is reached through its agent, whose host key the access server gives; there is no pinned key to forget`,
        );
        return;
      }
      if (node?.kind === 'target') {
        const address = node.target.ip.ipv4?.ip_addr ?? node.target.ip.ipv6?.ip_addr ?? '';
        key = pinKey(address, node.target.port);
      } else {
        key = await vscode.window.showQuickPick(Object.keys(pins), {
          placeHolder: 'Forget the pinned host key of…',
        });
      }
      if (key === undefined || pins[key] === undefined) return;
      const [, host = '', port = '0'] = /^\[?(.*?)\]?:(\d+)$/.exec(key) ?? [];
      await hostKeys.save(withoutPin(pins, host, Number(port)));
      void vscode.window.showInformationMessage(`Latchkey: forgot the host key of ${key}`);
    }),
    command('latchkey.openInRemoteSsh', async (node?: TreeNode) => {
      const target =
        node?.kind === 'target' || node?.kind === 'username' ? node.target : await chooseTarget();
      if (target === undefined) return;
      const cliPath = settings.cliPath();
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Latchkey: opening ${target.hostname} in Remote-SSH`,
        },
        () =>
          openInRemoteSsh(
            {
              cli: latchkeyCliProcess(cliPath),
              cliPath,
              serverUrl: settings.serverUrl(),
              remoteSsh: {
                installed: () => vscode.extensions.getExtension(REMOTE_SSH_EXTENSION) !== undefined,
                open: async (host) => {
                  await vscode.commands.executeCommand(
                    'vscode.openFolder',
                    vscode.Uri.parse(`vscode-remote://ssh-remote+${encodeURIComponent(host)}/`),
                    { forceNewWindow: true },
                  );
                },
              },
            },
            target.hostname,
          ),
      );
    }),
  );

  void view.refresh();
  return {
    authenticationProvider: provider,
    targetsView: view,
    hostKeys: services().hostKeys,
    connect: async (hostname, username) => openTerminal(await findTarget(hostname), username),
  };
}

export function deactivate(): void {}
