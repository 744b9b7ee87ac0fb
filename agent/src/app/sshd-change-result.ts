import type { SshdEditMethod } from '../domain/sshd/edit-sshd-config.js';

/**
 * What a change of sshd's files reports. Failures before anything was written (an sshd_config the domain
 * cannot read) throw a LatchkeyError instead: there is nothing to report about sshd then.
 */
export type SshdChangeStage = 'validate' | 'backup' | 'write' | 'activate' | 'probe';

export interface SshdChangeFailure {
  /** Where it failed: `validate` and `backup` come before any live file is touched. */
  readonly stage: SshdChangeStage;
  readonly message: string;
  /** The failing command's output (sshd -t's complaint, systemctl's message). */
  readonly output?: string;
}

export interface RollbackReport {
  /** Live files put back as they were (rewritten or removed). */
  readonly restored: readonly string[];
  /** Whether sshd had been told to read the new files, so that it was told again after the restore. */
  readonly reactivated: 'not-needed' | 'reload' | 'restart' | 'failed';
  /** Whether sshd answered on every endpoint after the rollback (undefined when it was not touched). */
  readonly sshdAnswers: boolean | undefined;
  /** Everything that went wrong during the rollback itself: non-empty means look at the host by hand. */
  readonly errors: readonly string[];
}

/**
 * `applied`: the change (an apply, or an uninstall) is in effect and sshd answers; `unchanged`: nothing
 * needed doing and sshd was left alone; `rolled_back`: the change failed at `failure.stage` and the files
 * are as they were before it (see `rollback` for how sure that is).
 */
export type SshdChangeResult =
  | {
      readonly status: 'unchanged';
      readonly method?: SshdEditMethod;
      readonly warnings: readonly string[];
      readonly journal: readonly string[];
      readonly reloadOwed?: boolean;
    }
  | {
      readonly status: 'applied';
      readonly method?: SshdEditMethod;
      /** Live files written or removed. */
      readonly changedFiles: readonly string[];
      /** `not-needed`: only the CA file changed, which sshd reads at each login. */
      readonly activatedBy: 'reload' | 'restart' | 'not-needed';
      /** The output of the validation (sshd -t prints nothing when all is well, warnings otherwise). */
      readonly validationOutput: string;
      readonly caKeys?: {
        readonly added: readonly string[];
        readonly removed: readonly string[];
        readonly adopted: readonly string[];
      };
      readonly warnings: readonly string[];
      readonly journal: readonly string[];
      /** See `rolled_back`. */
      readonly reloadOwed?: boolean;
    }
  | {
      readonly status: 'rolled_back';
      readonly method?: SshdEditMethod;
      readonly failure: SshdChangeFailure;
      readonly rollback: RollbackReport;
      readonly warnings: readonly string[];
      readonly journal: readonly string[];
      /**
       * sshd may not have read the live files (a change met another writer, or its rollback could not
       * reload): pass it as `reloadOwed` to the next apply, which then reloads even if nothing changes.
       */
      readonly reloadOwed?: boolean;
    };
