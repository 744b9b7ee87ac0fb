/**
 * What the recorder learns from its surroundings, read once at start: sshd's environment variables, the
 * SSH_USER_AUTH file (ExposeAuthInfo), the recording settings written by the agent, and the user's shell.
 * The only place in the recorder that reads env and files.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { SessionIdentity } from '@latchkey/shared/session-log/log-records';
import {
  DEFAULT_STATE_DIR,
  parseRecordingSettings,
  RECORDING_SETTINGS_FILE,
  type RecordingSettings,
} from '../domain/recording/recording-settings.js';
import { certificateIdentityFromUserAuth, sessionIdentity } from '../domain/recording/session-identity.js';

export interface RecorderEnvironment {
  /** The settings, or why there are none usable. */
  readonly settings: RecordingSettings | { readonly problem: string };
  readonly socketPath: string | undefined;
  readonly identity: SessionIdentity;
  readonly originalCommand: string | undefined;
  readonly hasPty: boolean;
  readonly shell: string;
  readonly term: string;
  readonly cwd: string;
  /** The environment for the user's program: sshd's, less the recorder's own variables. */
  readonly childEnv: NodeJS.ProcessEnv;
}

export async function readRecorderEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Promise<RecorderEnvironment> {
  const stateDir = env.LATCHKEY_AGENT_STATE_DIR || DEFAULT_STATE_DIR;
  const settingsPath = join(stateDir, RECORDING_SETTINGS_FILE);
  let settings: RecorderEnvironment['settings'];
  try {
    settings = parseRecordingSettings(await readFile(settingsPath, 'utf8'), settingsPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    settings = {
      problem:
        code === 'ENOENT'
          ? `there are no recording settings at ${settingsPath} (the agent has not written them yet)`
          : error instanceof Error
            ? error.message
            : String(error),
    };
  }

  let certificate = null;
  if (env.SSH_USER_AUTH) {
    try {
      certificate = certificateIdentityFromUserAuth(await readFile(env.SSH_USER_AUTH, 'utf8'));
    } catch {
      // Unreadable: the log falls back to a session id of its own.
    }
  }
  const user = userInfo();
  const originalCommand = env.SSH_ORIGINAL_COMMAND;
  const identity = sessionIdentity({
    user: user.username,
    originalCommand,
    sshConnection: env.SSH_CONNECTION,
    hasPty: Boolean(env.SSH_TTY),
    certificate,
    targetId: 'problem' in settings ? '' : settings.targetId,
    targetHostname: 'problem' in settings ? undefined : settings.targetHostname,
    fallbackSessionId: randomUUID(),
  });

  const childEnv: NodeJS.ProcessEnv = { ...env };
  for (const name of Object.keys(childEnv)) {
    if (name.startsWith('LATCHKEY_AGENT_')) delete childEnv[name];
  }
  delete childEnv.SSH_ORIGINAL_COMMAND;

  return {
    settings,
    socketPath:
      env.LATCHKEY_AGENT_RECORD_SOCKET || ('problem' in settings ? undefined : settings.spoolSocket),
    identity,
    originalCommand: originalCommand === '' ? undefined : originalCommand,
    hasPty: Boolean(env.SSH_TTY) && process.stdin.isTTY === true,
    shell: env.SHELL || user.shell || '/bin/sh',
    term: env.TERM || 'xterm',
    cwd: process.cwd(),
    childEnv,
  };
}
