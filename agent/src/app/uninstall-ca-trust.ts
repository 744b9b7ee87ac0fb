import { planUninstall } from '../domain/sshd/plan-uninstall.js';
import { activateSshd, commandOutput, runCommand } from './activate-sshd.js';
import { messageOf, reactivateAfterRestore, resolvePaths, resolvePidFile } from './apply-ca-trust.js';
import { clearBackups, ownership, putBack, readLiveFiles, readOriginals } from './file-backups.js';
import { readSshdConfigFiles, readText } from './read-sshd-config-files.js';
import { decodeSshdText, encodeSshdText } from './sshd-file-text.js';
import type { SshdChangeFailure, SshdChangeResult } from './sshd-change-result.js';
import type { SshdChangeContext } from './sshd-host.js';

/**
 * Puts sshd's files back as they were before Latchkey (planUninstall: from the kept originals, byte for
 * byte with their mode and owner, else by removing what Latchkey marked as its own), checks them with
 * `sshd -t`, reloads sshd and probes it. On any failure the files are put back as they were before the
 * uninstall (kept in memory: they are what sshd ran with) and sshd is told again if it had been told.
 * The backups are forgotten only once the uninstall worked, so running it again after a crash finishes it.
 */
export async function uninstallCaTrust(input: SshdChangeContext): Promise<SshdChangeResult> {
  const { host, facts } = input;
  const timings = input.timings ?? {};
  const paths = resolvePaths(input.paths);
  const journal: string[] = [];

  const config = await readSshdConfigFiles(host.files, paths.mainPath, paths.sshDir);
  const caText = await readText(host.files, paths.caPath);
  const originals = await readOriginals(host.files, paths.stateDir);
  const originalTexts = new Map(
    [...originals].map(([path, file]) => [path, file === undefined ? null : decodeSshdText(file.bytes)]),
  );
  const pidFile = await resolvePidFile(input, paths.mainPath, journal);
  const plan = planUninstall({
    ...config,
    caPath: paths.caPath,
    caText,
    originals: originalTexts,
    facts,
    ...(pidFile === undefined ? {} : { pidFile }),
  });

  if (plan.writes.length === 0 && plan.deletes.length === 0) {
    await clearBackups(host.files, paths.stateDir);
    journal.push('sshd has no Latchkey configuration; nothing to change');
    return { status: 'unchanged', warnings: [], journal };
  }

  const touched = [...plan.writes.map((write) => write.path), ...plan.deletes];
  const before = await readLiveFiles(host.files, touched);
  let activated = false;
  const rollBackAfter = async (failure: SshdChangeFailure): Promise<SshdChangeResult> => {
    journal.push(`${failure.stage} failed: ${failure.message}; putting Latchkey's configuration back`);
    const restored: string[] = [];
    const errors: string[] = [];
    for (const [path, file] of before) {
      try {
        await putBack(host.files, path, file);
        restored.push(path);
      } catch (error) {
        errors.push(`cannot restore ${path}: ${messageOf(error)}`);
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
    return {
      status: 'rolled_back',
      failure,
      rollback: { restored, ...outcome, errors },
      warnings: [],
      journal,
    };
  };

  try {
    for (const write of plan.writes) {
      const status = (originals.get(write.path) ?? before.get(write.path))?.status;
      await host.files.writeAtomic(
        write.path,
        encodeSshdText(write.content),
        status ? ownership(status) : { mode: 0o644 },
      );
      journal.push(`restored ${write.path}`);
    }
    for (const path of plan.deletes) {
      await host.files.remove(path);
      journal.push(`removed ${path}`);
    }
  } catch (error) {
    return rollBackAfter({ stage: 'write', message: messageOf(error) });
  }

  const validation = await runCommand(host, plan.validate, timings, journal);
  const validationOutput = commandOutput(validation);
  if (validation.code !== 0) {
    return rollBackAfter({
      stage: 'validate',
      message: 'sshd rejects the restored configuration',
      output: validationOutput,
    });
  }

  activated = true;
  const activation = await activateSshd(host, plan.activate, { tcp: plan.probe.tcp }, timings, journal);
  if (!activation.ok) return rollBackAfter(activation.failure);

  await clearBackups(host.files, paths.stateDir);
  journal.push('forgot the backups');
  return {
    status: 'applied',
    changedFiles: touched,
    activatedBy: activation.via,
    validationOutput,
    warnings: [],
    journal,
  };
}
