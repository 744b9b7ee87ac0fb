import {
  DEFAULT_STATE_DIR,
  adoptedCaFilesToRead,
  planApply,
  type ApplyPlan,
} from '../domain/sshd/apply-plan.js';
import { DEFAULT_CA_PATH, type EditSshdConfigInput } from '../domain/sshd/edit-sshd-config.js';
import { restartPlan } from '../domain/sshd/restart-plan.js';
import { saysNothingOfItsOwn } from '../domain/sshd/unwritten-config.js';
import { DEFAULT_SSH_DIR } from '../domain/sshd/sshd-include.js';
import { activateSshd, commandOutput, probeSshd, runCommand, type ActivationSteps } from './activate-sshd.js';
import type { TcpEndpoint } from '../domain/sshd/sshd-listen-endpoints.js';
import { putBack, readLiveFiles, saveBackups, type LiveFile } from './file-backups.js';
import { readSshdConfigFiles, readText } from './read-sshd-config-files.js';
import { encodeSshdText } from './sshd-file-text.js';
import type { FileSystem } from './ports/file-system.js';
import type { RollbackReport, SshdChangeFailure, SshdChangeResult } from './sshd-change-result.js';
import { DEFAULT_MAIN_PATH, type SshdChangeContext, type SshdPaths } from './sshd-host.js';

export interface ApplyCaTrustInput extends SshdChangeContext {
  /** The CA public keys the access server lists, `type base64 [comment]` each. */
  readonly serverKeys: readonly string[];
  /**
   * An earlier change wrote sshd's files but sshd may not have read them (the change met another writer,
   * or its rollback could not reload): reload and probe even when the files need nothing now. The
   * result's `reloadOwed` says whether this is still so after this change.
   */
  readonly reloadOwed?: boolean;
}

/**
 * Makes sshd trust the CA keys, the careful way: read sshd's files, plan the change (planApply), write
 * the candidate to the state directory and validate it with `sshd -t`, back up the live files, replace
 * them atomically, reload (or restart) sshd, and check that it answers on every endpoint and that
 * `sshd -T` shows the CA. On any failure after the validation, every live file is put back byte for byte
 * from the backups, sshd is told again to read them (only when it had been told to read the new ones) and
 * probed: the report says how that went.
 *
 * Idempotent: when the files already say what they should, nothing is written and sshd is left alone.
 */
export async function applyCaTrust(input: ApplyCaTrustInput): Promise<SshdChangeResult> {
  const { host, facts } = input;
  const timings = input.timings ?? {};
  const paths = resolvePaths(input.paths);
  const journal: string[] = [];

  const config = await readSshdConfigFiles(host.files, paths.mainPath, paths.sshDir);
  const owed = input.reloadOwed === true;
  if (saysNothingOfItsOwn(config.mainText, paths.mainPath)) {
    const message = `${paths.mainPath} says nothing of its own (empty, or being written): nothing planned on it, sshd not reloaded; its next change is checked again`;
    journal.push(message);
    return {
      status: 'rolled_back',
      failure: { stage: 'validate', message },
      rollback: { restored: [], reactivated: 'not-needed', sshdAnswers: undefined, errors: [] },
      warnings: [],
      journal,
      reloadOwed: owed,
    };
  }
  const editInput: EditSshdConfigInput = {
    ...config,
    caPath: paths.caPath,
    ...(paths.dropInDir === undefined ? {} : { dropInDir: paths.dropInDir }),
    ...(paths.dropInName === undefined ? {} : { dropInName: paths.dropInName }),
  };
  const caText = await readText(host.files, paths.caPath);
  const adoptedCaTexts = new Map<string, string>();
  for (const path of adoptedCaFilesToRead(editInput)) {
    const text = await readText(host.files, path);
    if (text !== undefined) adoptedCaTexts.set(path, text);
  }
  const modes = new Map(config.modes);
  const caStatus = await host.files.status(paths.caPath);
  if (caStatus !== undefined) modes.set(paths.caPath, caStatus.mode & 0o7777);
  const pidFile = await resolvePidFile(input, paths.mainPath, journal);

  const plan = planApply({
    ...editInput,
    facts,
    caText,
    serverKeys: input.serverKeys,
    adoptedCaTexts,
    modes,
    stateDir: paths.stateDir,
    ...(pidFile === undefined ? {} : { pidFile }),
    reloadOwed: owed,
  });
  const warnings = plan.warnings;
  if (!plan.changed && !owed) {
    journal.push(`sshd already trusts the CA (${plan.method}); nothing to change`);
    return { status: 'unchanged', method: plan.method, warnings, journal };
  }
  if (!plan.changed) {
    // The files say what they should; sshd has yet to read them.
    journal.push('the files already trust the CA, but sshd may not have read them: reloading');
    const activation = await activateSshd(host, plan.activate, plan.probe, timings, journal);
    if (activation.ok) {
      return {
        status: 'applied',
        method: plan.method,
        changedFiles: [],
        activatedBy: activation.via,
        validationOutput: '',
        warnings,
        journal,
        reloadOwed: false,
      };
    }
    return {
      status: 'rolled_back',
      method: plan.method,
      failure: activation.failure,
      rollback: { restored: [], reactivated: 'failed', sshdAnswers: undefined, errors: [] },
      warnings,
      journal,
      reloadOwed: true,
    };
  }
  const notTouched = (failure: SshdChangeFailure, reloadOwed = owed): SshdChangeResult => ({
    status: 'rolled_back',
    method: plan.method,
    failure,
    rollback: { restored: [], reactivated: 'not-needed', sshdAnswers: undefined, errors: [] },
    warnings,
    journal,
    reloadOwed,
  });

  // The candidate, checked by sshd itself before any live file changes.
  let validationOutput: string;
  try {
    for (const file of plan.candidate.files) {
      await host.files.makeDirectory(dirname(file.path), 0o700);
      await host.files.writeAtomic(file.path, encodeSshdText(file.content), { mode: 0o600 });
    }
    const validation = await runCommand(host, plan.candidate.validate, timings, journal);
    validationOutput = commandOutput(validation);
    for (const file of plan.candidate.files) await host.files.remove(file.path);
    await removeIfEmpty(host.files, dirname(plan.candidate.files[0]!.path));
    if (validation.code !== 0) {
      return notTouched({
        stage: 'validate',
        message: `sshd rejects the new configuration; nothing was changed`,
        output: validationOutput,
      });
    }
  } catch (error) {
    return notTouched({ stage: 'validate', message: `cannot validate the candidate: ${messageOf(error)}` });
  }

  const touched = plan.backups.map((backup) => backup.path);
  let live: Map<string, LiveFile | undefined>;
  try {
    live = await readLiveFiles(host.files, touched);
    await saveBackups(host.files, plan.backups, live);
    journal.push(`backed up ${touched.join(', ')}`);
  } catch (error) {
    return notTouched({ stage: 'backup', message: `cannot back up sshd's files: ${messageOf(error)}` });
  }

  const createdDirectories: string[] = [];
  // Files replaced or removed so far: the atomic write leaves a file whose write failed as it was.
  const changed = new Set<string>();
  let activated = false;
  const rollBackAfter = async (failure: SshdChangeFailure): Promise<SshdChangeResult> => {
    journal.push(`${failure.stage} failed: ${failure.message}; rolling back`);
    const rollback = await rollBack(input, plan, paths, changed, createdDirectories, activated, journal);
    const reloadOwed =
      rollback.reactivated === 'reload' || rollback.reactivated === 'restart'
        ? false
        : rollback.reactivated === 'failed' || owed;
    return { status: 'rolled_back', method: plan.method, failure, rollback, warnings, journal, reloadOwed };
  };

  try {
    for (const directory of plan.directories) {
      if (await host.files.makeDirectory(directory.path, directory.mode))
        createdDirectories.push(directory.path);
    }
    for (const write of plan.writes) {
      await host.files.writeAtomic(write.path, encodeSshdText(write.content), {
        mode: write.mode,
        owner: write.owner,
        tempPath: write.tempPath,
      });
      changed.add(write.path);
      journal.push(`wrote ${write.path}`);
    }
    for (const path of plan.deletes) {
      await host.files.remove(path);
      changed.add(path);
      journal.push(`removed ${path}`);
    }
  } catch (error) {
    return rollBackAfter({ stage: 'write', message: messageOf(error) });
  }

  // Someone else (an admin's editor, a config tool) may have written one of these files since: then theirs
  // is the state to keep, and a reload now could make sshd read their file half-written. Leave both alone;
  // their write is a file event of its own, so the next check plans on what they wrote.
  const overwritten = await overwrittenSince(host.files, plan.writes);
  if (overwritten.length > 0) {
    const failure: SshdChangeFailure = {
      stage: 'write',
      message:
        `${overwritten.join(', ')} changed while Latchkey was writing it: left as the other writer made it, ` +
        'sshd not reloaded; the next check looks again',
    };
    journal.push(failure.message);
    // Our other files are in place and sshd has not read them: the next change reloads it.
    return notTouched(failure, owed || plan.activate.reload.length > 0 || plan.activate.restart.length > 0);
  }
  const applied = (activatedBy: 'reload' | 'restart' | 'not-needed'): SshdChangeResult => ({
    status: 'applied',
    method: plan.method,
    changedFiles: [...plan.writes.map((write) => write.path), ...plan.deletes],
    activatedBy,
    validationOutput,
    caKeys: plan.caKeys,
    warnings,
    journal,
    reloadOwed: false,
  });
  if (plan.activate.reload.length === 0 && plan.activate.restart.length === 0) {
    journal.push('only the CA file changed: sshd reads it at each login, so it is not reloaded');
    return applied('not-needed');
  }
  activated = true;
  const activation = await activateSshd(host, plan.activate, plan.probe, timings, journal);
  return activation.ok ? applied(activation.via) : rollBackAfter(activation.failure);
}

/** The written files whose content is no longer what was written. */
async function overwrittenSince(files: FileSystem, writes: ApplyPlan['writes']): Promise<string[]> {
  const overwritten: string[] = [];
  for (const write of writes) {
    const now = await files.read(write.path).catch(() => undefined);
    const expected = encodeSshdText(write.content);
    if (now === undefined || !Buffer.from(now).equals(Buffer.from(expected))) overwritten.push(write.path);
  }
  return overwritten;
}

/** Restores the changed live files from the `previous` backups, then makes sshd read them again if it had read ours. */
async function rollBack(
  input: ApplyCaTrustInput,
  plan: ApplyPlan,
  paths: ResolvedPaths,
  changed: ReadonlySet<string>,
  createdDirectories: readonly string[],
  activated: boolean,
  journal: string[],
): Promise<RollbackReport> {
  const { host } = input;
  const restored: string[] = [];
  const errors: string[] = [];
  // A file someone else wrote after ours is theirs now: putting the old one back would throw their edit
  // away. Every other file is put back, and sshd told to read them (reactivateAfterRestore does not
  // reload onto a main file that says nothing of its own, the shape of a write caught half-way).
  const overwritten = new Set(
    await overwrittenSince(
      host.files,
      plan.writes.filter((write) => changed.has(write.path)),
    ),
  );
  for (const step of plan.rollback.filter((rollbackStep) => changed.has(rollbackStep.path))) {
    if (overwritten.has(step.path)) {
      journal.push(`rollback: ${step.path} was written by someone else meanwhile; left as they wrote it`);
      continue;
    }
    try {
      if (step.kind === 'delete') {
        await putBack(host.files, step.path, undefined);
      } else {
        const [backup] = (await readLiveFiles(host.files, [step.from])).values();
        if (backup === undefined) throw new Error(`its backup ${step.from} is missing`);
        await putBack(host.files, step.path, backup);
      }
      restored.push(step.path);
      journal.push(`rollback: ${step.kind === 'delete' ? 'removed' : 'restored'} ${step.path}`);
    } catch (error) {
      errors.push(`cannot restore ${step.path}: ${messageOf(error)}`);
    }
  }
  for (const directory of [...createdDirectories].reverse()) {
    try {
      await removeIfEmpty(host.files, directory);
    } catch (error) {
      errors.push(`cannot remove the directory ${directory} made for the change: ${messageOf(error)}`);
    }
  }
  const outcome = await reactivateAfterRestore(
    input,
    paths.mainPath,
    plan.activate,
    plan.probe.tcp,
    activated,
    errors,
    journal,
  );
  return { restored, ...outcome, errors };
}

/**
 * After files were put back: when sshd had been told to read the changed files, check the restored ones
 * with `sshd -t` and tell it again (never with files sshd rejects: a reload with those would stop sshd),
 * then probe it. Shared with uninstall.
 */
export async function reactivateAfterRestore(
  input: SshdChangeContext,
  mainPath: string,
  activate: ActivationSteps,
  tcp: readonly TcpEndpoint[],
  activated: boolean,
  errors: string[],
  journal: string[],
): Promise<Pick<RollbackReport, 'reactivated' | 'sshdAnswers'>> {
  if (!activated) return { reactivated: 'not-needed', sshdAnswers: undefined };
  const { host } = input;
  const timings = input.timings ?? {};
  const mainText = await readText(host.files, mainPath).catch(() => undefined);
  if (mainText !== undefined && saysNothingOfItsOwn(mainText, mainPath)) {
    errors.push(
      `${mainPath} says nothing of its own (empty, or being written), so sshd was not reloaded onto it`,
    );
    const failure = await probeSshd(host, { tcp }, { ...timings, probeTimeoutMs: 0 }, journal);
    return { reactivated: 'failed', sshdAnswers: failure === undefined };
  }
  const validation = await runCommand(host, restartPlan(input.facts).validate(mainPath), timings, journal);
  if (validation.code !== 0) {
    errors.push(
      `sshd rejects the restored configuration, so it was not reloaded: ${commandOutput(validation)}`,
    );
    const failure = await probeSshd(host, { tcp }, timings, journal);
    return { reactivated: 'failed', sshdAnswers: failure === undefined };
  }
  const outcome = await activateSshd(host, activate, { tcp }, timings, journal);
  if (outcome.ok) return { reactivated: outcome.via, sshdAnswers: true };
  errors.push(`reloading sshd with the restored files failed: ${outcome.failure.message}`);
  const failure = await probeSshd(host, { tcp }, { ...timings, probeTimeoutMs: 0 }, journal);
  return { reactivated: 'failed', sshdAnswers: failure === undefined };
}

export interface ResolvedPaths {
  readonly mainPath: string;
  readonly sshDir: string;
  readonly caPath: string;
  readonly dropInDir?: string;
  readonly dropInName?: string;
  readonly stateDir: string;
}

export function resolvePaths(paths: SshdPaths = {}): ResolvedPaths {
  return {
    mainPath: paths.mainPath ?? DEFAULT_MAIN_PATH,
    sshDir: (paths.sshDir ?? DEFAULT_SSH_DIR).replace(/\/+$/, ''),
    caPath: paths.caPath ?? DEFAULT_CA_PATH,
    ...(paths.dropInDir === undefined ? {} : { dropInDir: paths.dropInDir }),
    ...(paths.dropInName === undefined ? {} : { dropInName: paths.dropInName }),
    stateDir: (paths.stateDir ?? DEFAULT_STATE_DIR).replace(/\/+$/, ''),
  };
}

/**
 * sshd's PidFile matters only without a service manager (the reload is a SIGHUP to it): the given one,
 * else what `sshd -T` says, else the domain's default.
 */
export async function resolvePidFile(
  input: SshdChangeContext,
  mainPath: string,
  journal: string[],
): Promise<string | undefined> {
  if (input.paths?.pidFile !== undefined) return input.paths.pidFile;
  if (input.facts.initSystem !== 'none') return undefined;
  const result = await runCommand(
    input.host,
    restartPlan(input.facts).effectiveConfig(mainPath),
    input.timings ?? {},
    journal,
  );
  if (result.code !== 0) return undefined;
  return /^pidfile (\S+)$/m.exec(result.stdout)?.[1];
}

async function removeIfEmpty(files: FileSystem, directory: string): Promise<void> {
  if ((await files.list(directory)).length === 0) await files.remove(directory);
}

function dirname(path: string): string {
  return path.replace(/\/[^/]+$/, '') || '/';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
