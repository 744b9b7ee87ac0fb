// The real extension in VS Code's real extension host (code-server 4.139.1), against a real Latchkey
// server and a real sshd started by test/e2e/extension/vscode-extension.test.ts, which passes what to
// expect through the environment. Sign-in goes through the authentication provider itself (a command
// would open VS Code's consent dialog, which the UI test answers); the device code is approved the way a
// person would, on the server's device page.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LatchkeyExtensionApi } from '../../../../extension/src/adapters/vscode/extension.js';
import { NO_TARGETS_LABEL, SIGNED_OUT_LABEL } from '../../../../extension/src/domain/target-tree.js';
import type { TreeNode } from '../../../../extension/src/domain/target-tree.js';
import { approveDeviceCode } from '../../../support/device-approval.js';

interface Expected {
  serverUrl: string;
  email: string;
  password: string;
  /** [network, hostname, description, usernames] rows the tree must show, in order. */
  tree: Array<[string, string, string, string[]]>;
  hostname: string;
  username: string;
  refusedUsername: string;
  refusal: RegExp;
}

function expected(): Expected {
  const raw = JSON.parse(process.env.LATCHKEY_E2E ?? '{}') as Expected & { refusal: string };
  return { ...raw, refusal: new RegExp(raw.refusal) };
}

function labelOf(api: LatchkeyExtensionApi, node: TreeNode): string {
  const label = api.targetsView.getTreeItem(node).label;
  return typeof label === 'string' ? label : (label?.label ?? '');
}

function treeRows(api: LatchkeyExtensionApi): Array<[string, string, string, string[]]> {
  const view = api.targetsView;
  return view
    .getChildren()
    .flatMap((network) =>
      view
        .getChildren(network)
        .map((target): [string, string, string, string[]] => [
          labelOf(api, network),
          labelOf(api, target),
          String(view.getTreeItem(target).description ?? ''),
          view.getChildren(target).map((user) => labelOf(api, user)),
        ]),
    );
}

function untilClosed(terminal: vscode.Terminal): Promise<vscode.TerminalExitStatus | undefined> {
  return new Promise((resolve) => {
    const listener = vscode.window.onDidCloseTerminal((closed) => {
      if (closed !== terminal) return;
      listener.dispose();
      resolve(closed.exitStatus);
    });
  });
}

describe('Latchkey in a real VS Code extension host', () => {
  const e = expected();
  let api: LatchkeyExtensionApi;
  let accessToken = '';

  before(async () => {
    const extension = vscode.extensions.getExtension<LatchkeyExtensionApi>('latchkey.latchkey-vscode');
    assert.ok(extension !== undefined, 'the extension is loaded');
    api = await extension.activate();
    console.log(`vscode ${vscode.version} ${vscode.env.appName} node ${process.version}`);
  });

  it('contributes its commands and authentication provider, and starts signed out', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['latchkey.signIn', 'latchkey.signOut', 'latchkey.refresh', 'latchkey.connect']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
    const silent = await vscode.authentication.getSession('latchkey', [], { silent: true });
    assert.equal(silent, undefined);
    assert.equal(vscode.workspace.getConfiguration('latchkey').get('serverUrl'), e.serverUrl);
    await api.targetsView.refresh();
    assert.deepEqual(
      api.targetsView.getChildren().map((n) => labelOf(api, n)),
      [SIGNED_OUT_LABEL],
    );
  });

  it('signs in with the device flow: the code is shown, approved on the device page, the tokens kept', async () => {
    const shown = new Promise<{ userCode: string; verificationUriComplete?: string }>((resolve) => {
      const listener = api.authenticationProvider.onDidShowDeviceCode((code) => {
        listener.dispose();
        resolve(code);
      });
    });
    const created = api.authenticationProvider.createSession();
    const code = await shown;
    assert.match(code.userCode, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    assert.ok(
      code.verificationUriComplete?.startsWith(`${e.serverUrl}/device`),
      code.verificationUriComplete,
    );
    await approveDeviceCode(code.verificationUriComplete ?? '', { email: e.email, password: e.password });
    const session = await created;
    assert.equal(session.account.label, e.email);
    accessToken = session.accessToken;
    const sessions = await api.authenticationProvider.getSessions();
    assert.deepEqual(
      sessions.map((s) => s.account.label),
      [e.email],
    );
  });

  it('the tree shows exactly the targets policy allows, grouped by virtual network, with the usernames', async () => {
    await api.targetsView.refresh();
    assert.deepEqual(treeRows(api), e.tree);
    assert.notDeepEqual(
      api.targetsView.getChildren().map((n) => labelOf(api, n)),
      [NO_TARGETS_LABEL],
    );
  });

  it('connect opens a terminal on the target: `id -un` shows the user, the exit status comes back', async () => {
    const { terminal, pty } = await api.connect(e.hostname, e.username);
    const outcome = await new Promise((resolve) => pty.onDidConnect(resolve));
    assert.deepEqual(outcome, { kind: 'connected' });
    const closed = untilClosed(terminal);
    terminal.sendText('echo "whoami:$(id -un)"; exit 3', true);
    const status = await closed;
    assert.equal(status?.code, 3);
    assert.match(pty.output, new RegExp(`whoami:${e.username}\\r?\\n`));
    assert.match(pty.output, /exit status 3/);
  });

  it('pinned the host key on first use; a changed host key stops the next connection with a warning', async () => {
    const pins = await api.hostKeys.load();
    const entries = Object.entries(pins);
    assert.equal(entries.length, 1, JSON.stringify(pins));
    const [where, fingerprint] = entries[0] ?? ['', ''];
    assert.match(fingerprint, /^SHA256:/);
    await api.hostKeys.save({ [where]: 'SHA256:somebody-elses-key' });
    const { terminal, pty } = await api.connect(e.hostname, e.username);
    const outcome = (await new Promise((resolve) => pty.onDidConnect(resolve))) as {
      kind: string;
      message?: string;
    };
    assert.equal(outcome.kind, 'failed');
    assert.match(
      outcome.message ?? '',
      /has CHANGED \(pinned SHA256:somebody-elses-key, now SHA256:.*Not connecting/,
    );
    assert.deepEqual(
      await api.hostKeys.load(),
      { [where]: 'SHA256:somebody-elses-key' },
      'the pin is not replaced',
    );
    terminal.dispose();
    await api.hostKeys.save(pins);
  });

  it('a username policy does not allow is refused with the server reason, shown as an error', async () => {
    const { terminal, pty } = await api.connect(e.hostname, e.refusedUsername);
    const outcome = (await new Promise((resolve) => pty.onDidConnect(resolve))) as {
      kind: string;
      message?: string;
    };
    assert.equal(outcome.kind, 'failed');
    assert.match(outcome.message ?? '', e.refusal);
    assert.match(pty.output, e.refusal);
    terminal.dispose();
  });

  it('sign-out revokes the session on the server and clears the tree', async () => {
    await vscode.commands.executeCommand('latchkey.signOut');
    assert.deepEqual(
      api.targetsView.getChildren().map((n) => labelOf(api, n)),
      [SIGNED_OUT_LABEL],
    );
    assert.deepEqual(await api.authenticationProvider.getSessions(), []);
    const me = await fetch(`${e.serverUrl}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(me.status, 401, 'the access token of the revoked session no longer works');
  });
});
