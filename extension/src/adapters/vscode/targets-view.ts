/**
 * The "Latchkey" tree: targets grouped by virtual network, hostnames with their addresses, usernames as
 * children, and one message row when there is nothing to show (signed out, no targets, an error).
 * The grouping and the messages are domain/target-tree.ts; this only makes TreeItems.
 */
import * as vscode from 'vscode';
import { isLatchkeyError } from '@latchkey/shared';
import { listTargets } from '../../app/list-targets.js';
import { childNodes, rootNodes } from '../../domain/target-tree.js';
import type { TreeNode, ViewState } from '../../domain/target-tree.js';
import type { Services } from './services.js';

export class TargetsView implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private state: ViewState = { kind: 'loading' };
  private filter: string | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly services: () => Services) {}

  get currentState(): ViewState {
    return this.state;
  }

  /** Reloads the targets from the server; resolves when the view shows the new state. */
  refresh(): Promise<void> {
    this.loading = (async () => {
      try {
        const services = this.services();
        if ((await services.session.current()) === undefined) {
          this.setState({ kind: 'signedOut' });
          return;
        }
        const targets = await listTargets(services);
        this.setState({
          kind: 'targets',
          targets,
          ...(this.filter === undefined ? {} : { filter: this.filter }),
        });
      } catch (error) {
        if (isLatchkeyError(error, 'unauthenticated')) this.setState({ kind: 'signedOut' });
        else
          this.setState({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    })();
    return this.loading;
  }

  setFilter(filter: string | undefined): void {
    this.filter = filter === '' ? undefined : filter;
    if (this.state.kind === 'targets') {
      const { targets } = this.state;
      this.setState({
        kind: 'targets',
        targets,
        ...(this.filter === undefined ? {} : { filter: this.filter }),
      });
    }
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return node === undefined ? rootNodes(this.state) : childNodes(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.contextValue = 'message';
        if (node.command === 'signIn') {
          item.command = { command: 'latchkey.signIn', title: 'Sign In' };
          item.iconPath = new vscode.ThemeIcon('account');
        } else {
          item.iconPath = new vscode.ThemeIcon('info');
        }
        return item;
      }
      case 'network': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.contextValue = 'network';
        item.iconPath = new vscode.ThemeIcon('globe');
        return item;
      }
      case 'target': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.id;
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.contextValue = 'target';
        item.iconPath = new vscode.ThemeIcon('server');
        return item;
      }
      case 'username': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.tooltip = `Connect to ${node.target.hostname} as ${node.username}`;
        item.contextValue = 'username';
        item.iconPath = new vscode.ThemeIcon('terminal');
        item.command = { command: 'latchkey.connect', title: 'Connect', arguments: [node] };
        return item;
      }
    }
  }

  private setState(state: ViewState): void {
    this.state = state;
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
