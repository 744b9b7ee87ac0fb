/**
 * `latchkey-agent record`: the session recorder that sshd runs as the force-command of Latchkey
 * certificates, as the logged-in user. It runs what the user asked for (their login shell under a PTY,
 * a command, scp, rsync, sftp), passes everything through, and streams the session, sealed to the
 * auditors' key, to the agent's root-owned spool as it happens. Resolves with the exit status for the
 * process (a program killed by a signal re-raises it, so sshd reports the same exit-signal).
 *
 * When the log cannot be kept (no settings, no spool): strict mode refuses the session (stderr, exit 1);
 * best effort runs it, keeps trying to reach the spool, and marks the log (unavailable-spool-policy.ts).
 */
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { constants, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { generateHpkeKeyPair } from '@latchkey/shared/session-log/hpke-base';
import type { ExitData, PtyMetadata } from '@latchkey/shared/session-log/log-metadata';
import { SessionLogWriter } from '@latchkey/shared/session-log/session-log-writer';
import { PEER_PROOF_DIR } from './domain/recording/spool-protocol.js';
import { decideWhenSpoolUnavailable } from './domain/recording/unavailable-spool-policy.js';
import {
  classifyTransferCommand,
  isSftpServerCommand,
  sftpServerCommandLine,
} from './domain/recording/transfer-commands.js';
import { runExecSession } from './recorder/exec-session.js';
import { findSftpServer } from './recorder/find-sftp-server.js';
import { runInteractiveSession } from './recorder/interactive-session.js';
import { readRecorderEnvironment } from './recorder/recorder-environment.js';
import { NO_RECORDING } from './recorder/recording-sink.js';
import type { SessionExit } from './recorder/session-exit.js';
import { SessionRecording } from './recorder/session-recording.js';
import { SpoolClient } from './recorder/spool-client.js';

/** How long the recorder waits for the spool at the start and for its confirmation at the end. */
const CONNECT_TIMEOUT_MS = 3000;
const FINISH_TIMEOUT_MS = 5000;

export async function runRecorder(): Promise<number> {
  const environment = await readRecorderEnvironment();
  const { settings, identity } = environment;

  let command = environment.originalCommand;
  if (command !== undefined && isSftpServerCommand(command)) {
    const sftpServer = await findSftpServer('problem' in settings ? undefined : settings.sftpServer);
    if (sftpServer === null) {
      process.stderr.write('latchkey: sftp is not available on this host (no sftp-server binary found)\n');
      return 1;
    }
    command = sftpServerCommandLine(command, sftpServer);
  }

  if ('problem' in settings) {
    // Without settings there is no auditor key to seal to, and no mode: best effort, the default.
    process.stderr.write(`latchkey: warning: this session is not recorded: ${settings.problem}\n`);
    return finishProcess(await runSession(environment, command, null));
  }

  const startedAt = new Date();
  const ephemeral = generateHpkeKeyPair();
  // Taken once: the log's header and the spool's hello must describe the same terminal.
  const pty: PtyMetadata | null = environment.hasPty
    ? {
        term: environment.term,
        width: process.stdout.columns || 80,
        height: process.stdout.rows || 24,
        modes: [],
      }
    : null;
  const writer = new SessionLogWriter({
    auditorPublicKey: settings.auditorPublicKey,
    identity,
    pty,
    startedAt,
    ephemeralPrivateKey: ephemeral.privateKey,
  });
  const uidProof = await createUidProof(environment.socketPath!);
  const spool = new SpoolClient({
    socketPath: environment.socketPath!,
    hello: {
      protocol: 1,
      started_at: Math.floor(startedAt.getTime() / 1000),
      encapsulated_key: Buffer.from(ephemeral.publicKey).toString('hex'),
      pty,
      // The person and the session come from the certificate sshd verified (SSH_USER_AUTH, with
      // ExposeAuthInfo), the UNIX user from this process's own uid: never from what the client says.
      identity,
      unix_user: userInfo().username,
      ...(uidProof === undefined ? {} : { uid_proof: uidProof.name }),
    },
  });
  const recording = new SessionRecording(writer, spool);
  if (!(await spool.start(CONNECT_TIMEOUT_MS))) {
    const reason = spool.lastTrouble ?? `the agent's log spool at ${environment.socketPath} did not answer`;
    const decision = decideWhenSpoolUnavailable(settings.mode, reason, settings.breakGlass);
    if (decision.action === 'refuse') {
      spool.close();
      await uidProof?.remove();
      process.stderr.write(decision.message + '\n');
      return 1;
    }
    if (decision.notice !== undefined) process.stderr.write(decision.notice + '\n');
    recording.mark(decision.marker);
  }
  spool.onTrouble = (reason) => recording.mark(`recording degraded (best effort): ${reason}`);

  const exit = await runSession(environment, command, recording);
  const exitData: Omit<ExitData, 'error_msg'> = {
    timestamp: Math.floor(Date.now() / 1000),
    status: exit.status,
    signal: exit.signal,
    core_dumped: false,
  };
  const result = await recording.finish(exitData, FINISH_TIMEOUT_MS);
  // The spool took the proof when it first heard from us; this cleans up when it never did.
  await uidProof?.remove();
  if (!result.ok && settings.mode === 'strict') {
    process.stderr.write(`latchkey: the session log could not be kept: ${result.reason ?? 'unknown'}\n`);
  }
  return finishProcess(exit);
}

async function runSession(
  environment: Awaited<ReturnType<typeof readRecorderEnvironment>>,
  command: string | undefined,
  recording: SessionRecording | null,
): Promise<SessionExit> {
  const sink = recording ?? NO_RECORDING;
  if (environment.hasPty) {
    return runInteractiveSession({
      shell: environment.shell,
      command,
      env: environment.childEnv,
      cwd: environment.cwd,
      term: environment.term,
      recording: sink,
    });
  }
  return runExecSession({
    shell: environment.shell,
    command,
    transfer:
      environment.originalCommand === undefined ? null : classifyTransferCommand(environment.originalCommand),
    env: environment.childEnv,
    cwd: environment.cwd,
    recording: sink,
  });
}

/**
 * An empty file, ours, in the spool's proof directory: the spool reads our uid from its owner
 * (spool/peer-proof.ts). Undefined when it cannot be made (an agent without the directory): the log then
 * carries only our claim, and its index says so.
 */
async function createUidProof(
  socketPath: string,
): Promise<{ name: string; remove: () => Promise<void> } | undefined> {
  const name = randomBytes(16).toString('hex');
  const path = join(dirname(socketPath), PEER_PROOF_DIR, name);
  try {
    await (await open(path, 'wx', 0o600)).close();
  } catch {
    return undefined;
  }
  return { name, remove: () => rm(path, { force: true }).catch(() => undefined) };
}

/** The exit status for the process; a program killed by a signal is reported as that signal. */
function finishProcess(exit: SessionExit): number {
  if (exit.signal !== null) {
    const signal = `SIG${exit.signal}` as NodeJS.Signals;
    process.removeAllListeners(signal);
    try {
      process.kill(process.pid, signal);
    } catch {
      // not a signal this platform knows
    }
    return 128 + (constants.signals[signal] ?? 0);
  }
  return exit.status ?? 1;
}
