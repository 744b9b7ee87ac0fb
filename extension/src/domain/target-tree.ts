/**
 * The "Latchkey" view as data: targets grouped by virtual network (sorted by name), each target with
 * its addresses and the usernames policy allows, or one message node saying why the view is empty.
 * The vscode adapter only turns these nodes into TreeItems.
 */
import type { MyTarget } from './access-api.js';

export type TreeNode =
  | { kind: 'message'; id: string; label: string; command?: 'signIn' }
  | { kind: 'network'; id: string; label: string; targets: MyTarget[] }
  | { kind: 'target'; id: string; label: string; description: string; tooltip: string; target: MyTarget }
  | { kind: 'username'; id: string; label: string; target: MyTarget; username: string };

export type ViewState =
  | { kind: 'signedOut' }
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'targets'; targets: MyTarget[]; filter?: string };

export const SIGNED_OUT_LABEL = 'Signed out: sign in to see your servers';
export const NO_TARGETS_LABEL = 'No targets: ask your admin for access';

export function targetAddresses(target: MyTarget): string[] {
  return [target.ip.ipv4?.ip_addr, target.ip.ipv6?.ip_addr].filter((a): a is string => a !== undefined);
}

/** A filter matches the hostname, an address or a username (case-insensitive substring). */
export function matchesFilter(target: MyTarget, filter: string | undefined): boolean {
  const f = (filter ?? '').trim().toLowerCase();
  if (f === '') return true;
  return [target.hostname, ...targetAddresses(target), ...target.usernames].some((s) =>
    s.toLowerCase().includes(f),
  );
}

export function rootNodes(state: ViewState): TreeNode[] {
  switch (state.kind) {
    case 'signedOut':
      return [{ kind: 'message', id: 'signed-out', label: SIGNED_OUT_LABEL, command: 'signIn' }];
    case 'loading':
      return [{ kind: 'message', id: 'loading', label: 'Loading targets…' }];
    case 'error':
      return [{ kind: 'message', id: 'error', label: state.message }];
    case 'targets': {
      const shown = state.targets.filter((t) => matchesFilter(t, state.filter));
      if (state.targets.length === 0) return [{ kind: 'message', id: 'no-targets', label: NO_TARGETS_LABEL }];
      if (shown.length === 0) {
        return [{ kind: 'message', id: 'no-match', label: `No targets match "${state.filter ?? ''}"` }];
      }
      const networks = new Map<string, { name: string; targets: MyTarget[] }>();
      for (const target of shown) {
        const entry = networks.get(target.virtual_network.id) ?? {
          name: target.virtual_network.name,
          targets: [],
        };
        entry.targets.push(target);
        networks.set(target.virtual_network.id, entry);
      }
      return [...networks.entries()]
        .sort(([, a], [, b]) => a.name.localeCompare(b.name))
        .map(([id, { name, targets }]) => ({
          kind: 'network' as const,
          id: `network:${id}`,
          label: name,
          targets: [...targets].sort((a, b) => a.hostname.localeCompare(b.hostname)),
        }));
    }
  }
}

export function childNodes(node: TreeNode): TreeNode[] {
  switch (node.kind) {
    case 'network':
      return node.targets.map((target) => {
        const addresses = targetAddresses(target);
        return {
          kind: 'target' as const,
          id: `target:${target.id}`,
          label: target.hostname,
          description: addresses.join(', '),
          tooltip: `${target.hostname} (${[...addresses, `port ${target.port}`].join(', ')}); log in as ${target.usernames.join(', ')}`,
          target,
        };
      });
    case 'target':
      return node.target.usernames.map((username) => ({
        kind: 'username' as const,
        id: `user:${node.target.id}:${username}`,
        label: username,
        target: node.target,
        username,
      }));
    default:
      return [];
  }
}
