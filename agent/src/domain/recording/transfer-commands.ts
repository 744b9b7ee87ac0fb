/**
 * Which non-interactive commands are file transfers, and in which direction, from the command line a
 * client asks the front to run (exact-transfer.ts) or the subsystem it asks for. Transfers are recorded as metadata (program, direction,
 * bytes each way), never their payload, so a log cannot grow with the files moved.
 *
 * What the clients send: `scp -t DEST` (to the server: an upload) and `scp -f SRC` (from it: a download),
 * the same from the sftp-based scp of OpenSSH ≥ 9 as the sftp subsystem; `rsync --server [--sender] …`
 * (`--sender` means the server sends: a download); the sftp subsystem as `internal-sftp` or the path of
 * an `sftp-server` binary (both ways).
 */
import type { TransferRecord } from '@latchkey/shared/session-log/log-records';

export interface TransferCommand {
  readonly program: 'scp' | 'rsync' | 'sftp-server';
  readonly direction: TransferRecord['direction'];
}

/** The transfer a command line starts, or null when it is not one. */
export function classifyTransferCommand(commandLine: string): TransferCommand | null {
  const words = splitShellWords(commandLine);
  const program = basename(words[0] ?? '');
  const args = words.slice(1);
  if (program === 'scp') {
    if (args.some((arg) => isFlagCluster(arg, 't'))) return { program: 'scp', direction: 'upload' };
    if (args.some((arg) => isFlagCluster(arg, 'f'))) return { program: 'scp', direction: 'download' };
    return null;
  }
  if (program === 'rsync') {
    if (!args.includes('--server')) return null;
    return { program: 'rsync', direction: args.includes('--sender') ? 'download' : 'upload' };
  }
  if (isSftpServerCommand(commandLine)) return { program: 'sftp-server', direction: 'both' };
  return null;
}

/** `internal-sftp` or an `sftp-server` binary, with or without arguments. */
export function isSftpServerCommand(commandLine: string): boolean {
  const program = splitShellWords(commandLine)[0] ?? '';
  return program === 'internal-sftp' || basename(program) === 'sftp-server';
}

/** POSIX shell word splitting for the quoting ssh clients use (no expansions). */
export function splitShellWords(commandLine: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < commandLine.length; i++) {
    const char = commandLine[i]!;
    if (char === "'") {
      const close = commandLine.indexOf("'", i + 1);
      const end = close < 0 ? commandLine.length : close;
      word += commandLine.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (char === '"') {
      i++;
      for (; i < commandLine.length && commandLine[i] !== '"'; i++) {
        if (commandLine[i] === '\\' && i + 1 < commandLine.length && '"\\$`'.includes(commandLine[i + 1]!))
          i++;
        word += commandLine[i];
      }
      inWord = true;
    } else if (char === '\\' && i + 1 < commandLine.length) {
      word += commandLine[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `-t`, or a cluster of single-letter flags that holds `t` (`-pt`, `-rt`). */
function isFlagCluster(arg: string, letter: string): boolean {
  return /^-[A-Za-z]+$/.test(arg) && arg.slice(1).includes(letter);
}
