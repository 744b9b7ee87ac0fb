/**
 * The `latchkey logs …` command group, the auditor's tools (docs/auditor-guide.md):
 *
 *   logs keygen -o NAME [--force]                  a key pair in ssh-log-cli's form (NAME, NAME.pub)
 *   logs list [--account ID] [filters] [--json]     the session logs on the access server
 *   logs download LOG_ID [-o FILE]                  the encrypted log file, checked against its digest
 *   logs decrypt -i FILE -k KEY [-o OUT.zip]        ssh-log-cli's zip + session.cast, commands.json, verify.txt
 *   logs verify -i FILE -k KEY                      the integrity verdict only (exit 0/7/8/9)
 *   logs play -i FILE -k KEY [--speed N] [--max-idle S] [--raw]   replay the terminal output
 *
 * list and download talk to the server with an API token (--api-token or LATCHKEY_API_TOKEN) holding
 * "Access: SSH Auditing: Read"; the server is --server, LATCHKEY_SERVER, or the one you signed in to.
 * Whatever comes from a log, an agent or the server is escaped before it reaches the terminal
 * (domain/terminal-text.ts); play leaves out of the session's output what would reach outside the replay
 * (domain/logs/replay-filter.ts) unless --raw. Wiring only: the work is in app/logs/, the decisions in
 * domain/logs/.
 */
import type { Command } from 'commander';
import { LatchkeyError, type SshLog } from '@latchkey/shared';
import { decryptLog } from '../../app/logs/decrypt-log.js';
import { downloadLog } from '../../app/logs/download-log.js';
import { generateAuditorKeyPair } from '../../app/logs/keygen.js';
import { listLogs } from '../../app/logs/list-logs.js';
import { openSessionLog } from '../../app/logs/open-session-log.js';
import { playLog } from '../../app/logs/play-log.js';
import { auditorKeySetupHint } from '../../domain/logs/auditor-key-setup.js';
import { humanBytes, renderLogsTable } from '../../domain/logs/render-logs-table.js';
import { exitCodeForVerdict } from '../../domain/logs/verdict-exit-code.js';
import { parseTime } from '../../domain/logs/parse-time.js';
import { describeDropped } from '../../domain/logs/replay-filter.js';
import { renderVerifyReportForTerminal } from '../../domain/logs/verify-report-for-terminal.js';
import { escapeForTerminal, jsonForTerminal } from '../../domain/terminal-text.js';
import { localLogFiles } from '../fs/log-files.js';
import { HttpAuditApi } from '../http/audit-api-client.js';
import { apiTokenConnection, serverOrUndefined } from './api-token-connection.js';

export interface LogsCommandContext {
  env: NodeJS.ProcessEnv;
  userAgent: string;
  /** The server of the only stored sign-in, if there is exactly one. */
  signedInServer(): Promise<string | undefined>;
  notify(line: string): void;
  /** Ends the process with this status (after the output is flushed). */
  exit(code: number): never;
}

interface ApiOptions {
  server?: string;
  apiToken?: string;
  account?: string;
}

export function addLogsCommand(program: Command, context: LogsCommandContext): void {
  const logs = program
    .command('logs')
    .description('auditors: make a key pair, list, download, decrypt, verify and replay session logs');

  logs
    .command('keygen')
    .description("make an auditor key pair in ssh-log-cli's form: NAME (private, 0600) and NAME.pub")
    .requiredOption('-o, --output <name>', 'the private key file; the public key goes to NAME.pub')
    .option('--force', 'replace existing key files')
    .action(async (options: { output: string; force?: boolean }) => {
      const made = await generateAuditorKeyPair(localLogFiles, {
        output: options.output,
        force: options.force === true,
      });
      process.stdout.write(
        auditorKeySetupHint({
          publicKey: made.publicKey,
          privateKeyPath: made.privateKeyFile,
          ...withDefined('server', await serverOrUndefined(context, undefined)),
        }),
      );
    });

  withApiOptions(logs.command('list').description('the session logs on the access server, newest first'))
    .option('--user <email>', "only this person's sessions")
    .option('--username <name>', 'only sessions as this UNIX user')
    .option('--target <id>', 'only this target (id)')
    .option('--session <id>', 'only this session id')
    .option('--status <status>', 'complete or incomplete')
    .option('--since <time>', 'sessions started at or after this time (ISO 8601, or 2h / 3d ago)')
    .option('--until <time>', 'sessions started before this time (ISO 8601, or 2h / 3d ago)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON')
    .action(
      async (
        options: ApiOptions & {
          user?: string;
          username?: string;
          target?: string;
          session?: string;
          status?: string;
          since?: string;
          until?: string;
          limit: string;
          json?: boolean;
        },
      ) => {
        const limit = Number(options.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) {
          throw new LatchkeyError('invalid_argument', '--limit must be a whole number above 0', {
            pointer: '--limit',
          });
        }
        if (
          options.status !== undefined &&
          options.status !== 'complete' &&
          options.status !== 'incomplete'
        ) {
          throw new LatchkeyError('invalid_argument', '--status must be complete or incomplete', {
            pointer: '--status',
          });
        }
        const now = new Date();
        const found: SshLog[] = await listLogs(await auditApi(context, options), {
          ...withDefined('account', options.account),
          limit,
          query: {
            ...withDefined('user_email', options.user),
            ...withDefined('username', options.username),
            ...withDefined('target_id', options.target),
            ...withDefined('session_id', options.session),
            ...withDefined('status', options.status as 'complete' | 'incomplete' | undefined),
            ...withDefined('since', parseTime(options.since, '--since', now)),
            ...withDefined('until', parseTime(options.until, '--until', now)),
          },
        });
        process.stdout.write(options.json === true ? `${jsonForTerminal(found)}\n` : renderLogsTable(found));
      },
    );

  withApiOptions(
    logs
      .command('download')
      .description('download an encrypted session log (checked against its digest)')
      .argument('<log_id>', 'the log id, as `logs list` shows it'),
  )
    .option('-o, --output <file>', 'where to write it (default: LOG_ID.sshlog)')
    .action(async (logId: string, options: ApiOptions & { output?: string }) => {
      const progress = progressReporter(context);
      const result = await downloadLog(await auditApi(context, options), {
        ...withDefined('account', options.account),
        logId,
        ...withDefined('output', options.output),
        onProgress: progress.update,
      });
      progress.done();
      const output = escapeForTerminal(result.output);
      context.notify(
        `Wrote ${output} (${humanBytes(result.bytes)}, sha256 checked). Decrypt it with: latchkey logs decrypt -i ${output} -k KEY`,
      );
    });

  withLogOptions(
    logs
      .command('decrypt')
      .description(
        "decrypt a session log into a zip: ssh-log-cli's files plus session.cast, commands.json, verify.txt",
      ),
  )
    .option('-o, --output <file>', 'the zip to write (default: FILE-decrypted.zip)')
    .action(async (options: { input: string; key: string; output?: string }) => {
      const result = await decryptLog(localLogFiles, {
        input: options.input,
        keyFile: options.key,
        ...withDefined('output', options.output),
      });
      context.notify(`Wrote ${escapeForTerminal(result.output)}: ${result.entries.join(', ')}.`);
      reportVerdict(context, result.integrity);
      context.exit(exitCodeForVerdict(result.integrity.status, 'decrypt'));
    });

  withLogOptions(
    logs
      .command('verify')
      .description('check a session log: exit 0 verified, 7 tampered, 8 incomplete, 9 unverified'),
  ).action(async (options: { input: string; key: string }) => {
    const log = await openSessionLog(localLogFiles, { input: options.input, keyFile: options.key });
    process.stdout.write(renderVerifyReportForTerminal(log));
    context.exit(exitCodeForVerdict(log.integrity.status, 'verify'));
  });

  withLogOptions(
    logs
      .command('play')
      .description('replay the terminal output of a session with its timing (Ctrl-C stops)'),
  )
    .option('--speed <n>', 'play N times faster (default 1: real speed)', '1')
    .option('--max-idle <seconds>', 'shorten every pause to at most this many seconds')
    .option(
      '--raw',
      'write the output byte for byte, escape sequences that reach outside the replay included ' +
        '(clipboard, window title, answers typed into your terminal): only for a log you trust',
    )
    .action(
      async (options: { input: string; key: string; speed: string; maxIdle?: string; raw?: boolean }) => {
        const log = await openSessionLog(localLogFiles, { input: options.input, keyFile: options.key });
        if (log.integrity.status !== 'verified') reportVerdict(context, log.integrity);
        if (options.raw === true) {
          context.notify(
            'warning: --raw writes the recorded output as it is: escape sequences in it act on this ' +
              'terminal (they can set the clipboard and the window title, make the terminal type answers ' +
              'into its input, change how it reads keys and the mouse). Replay only logs you trust this way.',
          );
        }
        await replayToStdout(context, log, options);
      },
    );
}

async function replayToStdout(
  context: LogsCommandContext,
  log: Awaited<ReturnType<typeof openSessionLog>>,
  options: { speed: string; maxIdle?: string; raw?: boolean },
): Promise<void> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const pty = log.metadata.pty;
  const session = log.integrity.identity?.session_id;
  context.notify(
    `Replaying ${session === undefined ? 'the session' : escapeForTerminal(String(session))}` +
      (pty === null ? ' (no terminal)' : ` (${pty.width}x${pty.height})`) +
      ` at ${options.speed}x; Ctrl-C stops.`,
  );
  const { completed, dropped } = await playLog(
    {
      write: (bytes) =>
        new Promise<void>((resolve, reject) =>
          process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())),
        ),
      now: () => performance.now(),
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        }),
      stopped: () => stopped,
    },
    log,
    {
      speed: Number(options.speed),
      ...withDefined('maxIdleSeconds', options.maxIdle === undefined ? undefined : Number(options.maxIdle)),
      raw: options.raw === true,
    },
  );
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  // The replay may have left the cursor mid-line: what follows starts on a line of its own.
  let freshLine = completed ? '\n' : '';
  if (!completed) context.notify('\nReplay stopped.');
  const left = describeDropped(dropped);
  if (left !== undefined) {
    context.notify(`${freshLine}Left out of the replay: ${left}. --raw writes them as recorded.`);
    freshLine = '';
  }
  // The verdict again after the replay, which may have drawn over what was printed before it.
  if (log.integrity.status !== 'verified') {
    if (freshLine !== '') context.notify('');
    reportVerdict(context, log.integrity);
  }
  if (!completed) context.exit(130);
}

function withLogOptions(command: Command): Command {
  return command
    .requiredOption('-i, --input <file>', 'the encrypted session log')
    .requiredOption('-k, --key <file>', 'the private key file (from `logs keygen` or ssh-log-cli)');
}

function withApiOptions(command: Command): Command {
  return command
    .option('--server <url>', 'the access server (default: LATCHKEY_SERVER, or the one you signed in to)')
    .option(
      '--api-token <token>',
      'an API token with "Access: SSH Auditing: Read" (default: LATCHKEY_API_TOKEN)',
    )
    .option('--account <id>', 'the account (default: the only one the token sees)');
}

async function auditApi(context: LogsCommandContext, options: ApiOptions): Promise<HttpAuditApi> {
  const { server, token } = await apiTokenConnection(context, options, 'Access: SSH Auditing: Read');
  return new HttpAuditApi(server, token, { userAgent: context.userAgent });
}

function reportVerdict(context: LogsCommandContext, integrity: { status: string; problems: string[] }): void {
  const label =
    integrity.status === 'tampered'
      ? 'TAMPERED'
      : integrity.status === 'verified'
        ? 'verified'
        : `warning: ${integrity.status}`;
  context.notify(`Integrity: ${label}`);
  for (const problem of integrity.problems) context.notify(`  - ${escapeForTerminal(problem)}`);
}

/** A one-line progress meter on stderr for downloads over 1 MiB, only when stderr is a terminal. */
function progressReporter(context: LogsCommandContext) {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  let lastDraw = 0;
  return {
    update(received: number, total: number | undefined) {
      if (!tty || (total ?? received) < 1 << 20) return;
      const now = Date.now();
      if (now - lastDraw < 100 && received !== total) return;
      lastDraw = now;
      shown = true;
      const percent = total === undefined ? '' : ` ${Math.floor((received / total) * 100)}%`;
      process.stderr.write(
        `\rDownloading: ${humanBytes(received)}${total === undefined ? '' : ` of ${humanBytes(total)}`}${percent}   `,
      );
    },
    done() {
      if (shown) process.stderr.write('\n');
      void context;
    },
  };
}

function withDefined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
