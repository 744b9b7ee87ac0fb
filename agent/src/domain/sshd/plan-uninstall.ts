import { DEFAULT_CA_PATH } from './edit-sshd-config.js';
import { undoCaFileMerge } from './merge-ca-file.js';
import { restartPlan, type ServiceStep } from './restart-plan.js';
import type { OsFacts } from './distro.js';
import { readGlobalView } from './sshd-global-directives.js';
import { sshdListenEndpoints, type TcpEndpoint } from './sshd-listen-endpoints.js';
import { undoSshdConfigEdit } from './undo-sshd-config-edit.js';

export interface UninstallPlanInput {
  readonly mainPath: string;
  readonly mainText: string;
  readonly included: ReadonlyMap<string, string>;
  readonly sshDir?: string;
  readonly caPath?: string;
  readonly caText: string | undefined;
  /**
   * The originals the executor kept before Latchkey's first change, by path: the content, or null when
   * the file did not exist. A path without an entry is undone from Latchkey's marks instead.
   */
  readonly originals: ReadonlyMap<string, string | null>;
  readonly facts: OsFacts;
  readonly pidFile?: string;
}

export interface UninstallPlan {
  readonly writes: readonly { readonly path: string; readonly content: string }[];
  readonly deletes: readonly string[];
  /** sshd -t on the restored main file, after the writes: a failure means restore by hand (nothing to roll back to that is better). */
  readonly validate: readonly string[];
  readonly activate: { readonly reload: readonly ServiceStep[]; readonly restart: readonly ServiceStep[] };
  readonly probe: { readonly tcp: readonly TcpEndpoint[] };
}

/**
 * Puts sshd's files back as they were before Latchkey: from the kept originals where there are any
 * (byte for byte, or removed if they did not exist), else by removing exactly what Latchkey marked as its
 * own (the main file's block, its drop-ins, its blocks in the CA file; a CA file left empty is removed).
 */
export function planUninstall(input: UninstallPlanInput): UninstallPlan {
  const caPath = input.caPath ?? DEFAULT_CA_PATH;
  const writes = new Map<string, string>();
  const deletes = new Set<string>();
  const restore = (path: string, current: string | undefined, undo: () => string | undefined) => {
    const original = input.originals.get(path);
    const wanted = original === undefined ? undo() : (original ?? undefined);
    if (wanted === undefined) {
      if (current !== undefined) deletes.add(path);
    } else if (wanted !== current) writes.set(path, wanted);
  };

  const undo = undoSshdConfigEdit(input);
  const mainUndo = undo.writes.find((w) => w.path === input.mainPath)?.content ?? input.mainText;
  restore(input.mainPath, input.mainText, () => mainUndo);
  for (const path of undo.deletes) restore(path, input.included.get(path), () => undefined);
  restore(caPath, input.caText, () => {
    const rest = input.caText === undefined ? undefined : undoCaFileMerge(input.caText);
    return rest === undefined || rest.trim() === '' ? undefined : rest;
  });
  // Originals of files Latchkey created elsewhere (openSUSE: /etc/ssh/sshd_config next to the vendor file).
  for (const [path, original] of input.originals) {
    if (
      !writes.has(path) &&
      !deletes.has(path) &&
      path !== input.mainPath &&
      path !== caPath &&
      !undo.deletes.includes(path)
    ) {
      if (original === null) deletes.add(path);
      else writes.set(path, original);
    }
  }

  const service = restartPlan(input.facts, input.pidFile);
  const mainAfter = writes.get(input.mainPath) ?? input.mainText;
  const included = new Map([...input.included].filter(([path]) => !deletes.has(path)));
  for (const [path, content] of writes) if (included.has(path)) included.set(path, content);
  return {
    writes: [...writes].map(([path, content]) => ({ path, content })),
    deletes: [...deletes],
    validate: service.validate(input.mainPath),
    activate: { reload: service.reload, restart: service.restart },
    probe: { tcp: sshdListenEndpoints(readGlobalView({ ...input, mainText: mainAfter, included })) },
  };
}
