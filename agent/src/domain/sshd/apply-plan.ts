import {
  editSshdConfig,
  DEFAULT_CA_PATH,
  type EditSshdConfigInput,
  type SshdEditMethod,
} from './edit-sshd-config.js';
import { mergeCaFile } from './merge-ca-file.js';
import { distroFamily, type OsFacts } from './distro.js';
import { restartPlan, type ServiceStep } from './restart-plan.js';
import { readGlobalView } from './sshd-global-directives.js';
import { sshdListenEndpoints, type TcpEndpoint } from './sshd-listen-endpoints.js';
import { removeLatchkeyBlocks } from './latchkey-sshd-block.js';

/**
 * One change of sshd's trust in the CA, as data an executor runs step by step and a test reads:
 *
 *   1. make `directories`; 2. copy each `backups` entry (the original once, the previous version every
 *   time); 3. write `candidate` files and run `validate` (sshd -t) on them: stop if it fails; 4. write
 *   each of `writes` to its `tempPath`, then rename over `path` (atomic), and delete `deletes`;
 *   5. run `activate.reload`, falling back to `activate.restart`; 6. `probe`: TCP connect to each
 *   endpoint and run `probe.effectiveConfig.argv`, whose output must contain every `expect` line;
 *   7. if 4–6 fail: run `rollback`, then the same activation, and report.
 *
 * Backups and candidates live in the agent's state directory, never beside the files: an `Include
 * sshd_config.d/*` would read a backup as configuration.
 */
export interface FileWrite {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  readonly owner: { readonly uid: number; readonly gid: number };
  /** Same directory as `path` (so the rename is atomic); its leading dot keeps Include globs off it. */
  readonly tempPath: string;
}

export interface FileBackup {
  readonly path: string;
  /** Whether `path` exists now; when it does not, the executor records its absence instead of a copy. */
  readonly exists: boolean;
  /** The state before Latchkey's first change: made only if absent, it is what uninstall restores. */
  readonly original: string;
  /** The state before this change: what a rollback restores. */
  readonly previous: string;
}

export type RollbackStep =
  | { readonly kind: 'restore'; readonly path: string; readonly from: string }
  | { readonly kind: 'delete'; readonly path: string };

export interface ApplyPlan {
  readonly changed: boolean;
  readonly method: SshdEditMethod;
  readonly directories: readonly { readonly path: string; readonly mode: number }[];
  readonly backups: readonly FileBackup[];
  readonly candidate: {
    readonly files: readonly { path: string; content: string }[];
    readonly validate: readonly string[];
  };
  readonly writes: readonly FileWrite[];
  readonly deletes: readonly string[];
  /**
   * How sshd is made to read the change. Empty (both lists) when only the CA file changes: sshd reads
   * TrustedUserCAKeys at every authentication, so a key rotation or a CA-file repair needs no reload. That
   * matters beyond speed: each reload makes sshd re-read sshd_config, and one that lands while someone else
   * is half-way through writing it brings sshd up on whatever it read (an empty file: port 22, defaults).
   */
  readonly activate: { readonly reload: readonly ServiceStep[]; readonly restart: readonly ServiceStep[] };
  readonly probe: {
    readonly tcp: readonly TcpEndpoint[];
    readonly effectiveConfig: { readonly argv: readonly string[]; readonly expect: readonly string[] };
  };
  readonly rollback: readonly RollbackStep[];
  readonly caKeys: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly adopted: readonly string[];
  };
  readonly warnings: readonly string[];
}

export interface ApplyPlanInput extends EditSshdConfigInput {
  readonly facts: OsFacts;
  /** The CA file's current content, undefined when it does not exist. */
  readonly caText: string | undefined;
  readonly serverKeys: readonly string[];
  /** Contents of the files in `editSshdConfig(…).adoptCaFiles` that exist (see adoptedCaFilesToRead). */
  readonly adoptedCaTexts?: ReadonlyMap<string, string>;
  /** Modes of the files that exist, kept as they are. */
  readonly modes?: ReadonlyMap<string, number>;
  /** The agent's state directory: default /var/lib/latchkey-agent. */
  readonly stateDir?: string;
  /** sshd's PidFile, for hosts without a service manager. */
  readonly pidFile?: string;
  /** sshd may not have read the live files (an earlier change was interrupted): activate even so. */
  readonly reloadOwed?: boolean;
}

export const DEFAULT_STATE_DIR = '/var/lib/latchkey-agent';

/** The files whose contents planApply needs in `adoptedCaTexts`. */
export function adoptedCaFilesToRead(input: EditSshdConfigInput): readonly string[] {
  return editSshdConfig(input).adoptCaFiles;
}

export function planApply(input: ApplyPlanInput): ApplyPlan {
  const caPath = input.caPath ?? DEFAULT_CA_PATH;
  const stateDir = (input.stateDir ?? DEFAULT_STATE_DIR).replace(/\/+$/, '');
  const edit = editSshdConfig(input);
  const ca = mergeCaFile({
    current: input.caText,
    serverKeys: input.serverKeys,
    adopt: edit.adoptCaFiles.map((path) => ({ path, text: input.adoptedCaTexts?.get(path) ?? '' })),
  });
  const service = restartPlan(input.facts, input.pidFile);
  const rhel = distroFamily(input.facts) === 'rhel';

  const exists = (path: string) =>
    path === input.mainPath || input.included.has(path) || (path === caPath && input.caText !== undefined);
  const modeFor = (path: string, fallback: number) => input.modes?.get(path) ?? fallback;
  const changes = edit.writes.map((w) => ({
    path: w.path,
    content: w.content,
    mode: modeFor(w.path, rhel ? 0o600 : 0o644),
  }));
  if (ca.changed)
    changes.unshift({ path: caPath, content: ca.content, mode: modeFor(caPath, rhel ? 0o600 : 0o644) });

  const touched = [...changes.map((c) => c.path), ...edit.deletes];
  const backups = touched.map((path): FileBackup => ({
    path,
    exists: exists(path),
    original: `${stateDir}/backup/original${path}`,
    previous: `${stateDir}/backup/previous${path}`,
  }));
  const writes = changes.map((change): FileWrite => ({
    ...change,
    owner: { uid: 0, gid: 0 },
    tempPath: change.path.replace(/\/([^/]+)$/, '/.$1.latchkey-tmp'),
  }));

  // The candidate: the main file as it will be, with the drop-in as it will be read ahead of it. Relative
  // Include paths resolve against the ssh directory, not the file's, so a copy elsewhere reads the same files.
  const mainWrite = edit.writes.find((w) => w.role === 'main');
  const dropInWrite = edit.writes.find((w) => w.role === 'drop-in');
  const candidateMain = `${stateDir}/candidate/sshd_config`;
  const candidateDropIn = `${stateDir}/candidate/drop-in.conf`;
  const liveMain = mainWrite?.path ?? input.mainPath;
  const candidateFiles = [
    ...(dropInWrite ? [{ path: candidateDropIn, content: dropInWrite.content }] : []),
    {
      path: candidateMain,
      content: dropInWrite
        ? `Include ${candidateDropIn}\nInclude ${liveMain}\n`
        : (mainWrite?.content ?? input.mainText),
    },
  ];

  const configChanged = edit.writes.length > 0 || edit.deletes.length > 0;
  const view = readGlobalView({
    ...input,
    mainText: mainWrite?.content ?? removeLatchkeyBlocks(input.mainText, input.mainPath),
  });
  return {
    changed: writes.length > 0 || edit.deletes.length > 0,
    method: edit.method,
    directories: dropInWrite ? [{ path: dropInWrite.path.replace(/\/[^/]+$/, ''), mode: 0o755 }] : [],
    backups,
    candidate: { files: candidateFiles, validate: service.validate(candidateMain) },
    writes,
    deletes: edit.deletes,
    activate:
      configChanged || input.reloadOwed === true
        ? { reload: service.reload, restart: service.restart }
        : { reload: [], restart: [] },
    probe: {
      tcp: sshdListenEndpoints(view),
      effectiveConfig: {
        argv: service.effectiveConfig(liveMain),
        expect: ['pubkeyauthentication yes', `trustedusercakeys ${caPath}`],
      },
    },
    rollback: backups.map((backup): RollbackStep =>
      backup.exists
        ? { kind: 'restore', path: backup.path, from: backup.previous }
        : { kind: 'delete', path: backup.path },
    ),
    caKeys: { added: ca.added, removed: ca.removed, adopted: ca.adopted },
    warnings: [...edit.warnings, ...ca.warnings],
  };
}
