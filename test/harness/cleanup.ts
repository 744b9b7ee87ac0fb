/**
 * The cleanup registry: everything the harness starts or creates (sshd processes, ssh clients, test users,
 * temp dirs) registers here, so that it is stopped or removed even when a test fails, times out or forgets.
 *
 * Each entry has an async `cleanup` (the orderly way: SIGTERM then SIGKILL, `userdel -r`, `rm -rf`) and an
 * optional synchronous `emergencyCleanup` that runs from the process 'exit' handler, where nothing async can
 * run any more (SIGKILL by pid, rmSync, spawnSync).
 *
 * Entries carry an opaque `owner` so that a test runner can scope them: the mocha root hooks in
 * test/support/harness-cleanup.ts make the owner the current test (cleaned in the root afterEach) or the
 * describe block whose `before` hook created it (cleaned after that block's own `after` hooks). The library
 * itself knows nothing about mocha.
 */

export interface CleanupHandle {
  /** Forget the entry without running it (its owner cleaned up itself, e.g. `stop()` was called). */
  release(): void;
  /**
   * Swaps the entry for a new one with the same owner (a process started again by a later test still
   * belongs to the block that first started it, not to that test).
   */
  replace(label: string, cleanup: () => Promise<void>, emergencyCleanup?: () => void): CleanupHandle;
}

interface CleanupEntry {
  readonly label: string;
  readonly cleanup: () => Promise<void>;
  readonly emergencyCleanup: (() => void) | undefined;
  owner: unknown;
}

const entries: CleanupEntry[] = [];
let registrationOwner: unknown;
let exitHandlersInstalled = false;

/**
 * Registers something to undo. `cleanup` must be idempotent with whatever the owner does itself, because a
 * failing test may have half-stopped it.
 */
export function registerCleanup(
  label: string,
  cleanup: () => Promise<void>,
  emergencyCleanup?: () => void,
): CleanupHandle {
  return addEntry({ label, cleanup, emergencyCleanup, owner: registrationOwner });
}

function addEntry(entry: CleanupEntry): CleanupHandle {
  installExitHandlers();
  entries.push(entry);
  const release = (): void => {
    const index = entries.indexOf(entry);
    if (index >= 0) entries.splice(index, 1);
  };
  return {
    release,
    replace(label, cleanup, emergencyCleanup) {
      release();
      return addEntry({ label, cleanup, emergencyCleanup, owner: entry.owner });
    },
  };
}

/** Entries registered from now on get this owner (undefined: not owned yet). */
export function setRegistrationOwner(owner: unknown): void {
  registrationOwner = owner;
}

/** Gives every entry that has no owner yet to `owner`. */
export function adoptUnownedCleanups(owner: unknown): void {
  for (const entry of entries) if (entry.owner === undefined) entry.owner = owner;
}

/** Labels of what is still registered (for diagnostics and the harness self-tests). */
export function pendingCleanups(): string[] {
  return entries.map((entry) => entry.label);
}

/**
 * Runs (newest first) and forgets the entries whose owner matches. Every entry runs even if an earlier one
 * fails; the failures are thrown together afterwards.
 */
export async function runCleanups(ownerMatches: (owner: unknown) => boolean = () => true): Promise<void> {
  const selected = entries.filter((entry) => ownerMatches(entry.owner)).reverse();
  const failures: unknown[] = [];
  for (const entry of selected) {
    const index = entries.indexOf(entry);
    if (index < 0) continue; // released meanwhile by another cleanup
    entries.splice(index, 1);
    try {
      await entry.cleanup();
    } catch (error) {
      failures.push(new Error(`cleanup of ${entry.label} failed: ${String(error)}`, { cause: error }));
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} cleanups failed`);
}

/** The 'exit' path: only synchronous work is possible here. */
function runEmergencyCleanups(): void {
  for (const entry of entries.splice(0).reverse()) {
    try {
      entry.emergencyCleanup?.();
    } catch {
      // Best effort: the process is exiting and there is nobody left to tell.
    }
  }
}

function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.on('exit', runEmergencyCleanups);
  // SIGINT/SIGTERM would otherwise end the process without 'exit' handlers when nobody else listens.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      runEmergencyCleanups();
      if (process.listenerCount(signal) === 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}
