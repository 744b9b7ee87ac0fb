/** The latchkey CLI as a child process (no shell); stdout is ignored, stderr kept for messages. */
import { execFile } from 'node:child_process';
import type { LatchkeyCli } from '../../app/open-in-remote-ssh.js';

export function latchkeyCliProcess(cliPath: string, env: NodeJS.ProcessEnv = process.env): LatchkeyCli {
  return {
    run: (args) =>
      new Promise((resolve, reject) => {
        // A .js path runs with the Node that runs the extension host; anything else is a program on PATH.
        const [file, argv] = cliPath.endsWith('.js')
          ? [process.execPath, [cliPath, ...args]]
          : [cliPath, [...args]];
        execFile(file, argv, { env, timeout: 60_000 }, (error, _stdout, stderr) => {
          if (error !== null && typeof error.code !== 'number') reject(error);
          else resolve({ exitCode: error === null ? 0 : Number(error.code), stderr: String(stderr) });
        });
      }),
  };
}
