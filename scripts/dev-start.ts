/**
 * The README's first command (through scripts/up.sh): brings up a local Latchkey on the embedded defaults
 * and prints how to use it. Everything it starts is a child process that it stops on Ctrl-C (SIGINT) or
 * SIGTERM, so nothing is left running.
 *
 * Today it starts the access server with its SQLite database under .latchkey-dev/; the agent-managed
 * target, demo user and policy join it as those parts land.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(root, '.latchkey-dev', 'server');
const listen = process.env.LATCHKEY_LISTEN ?? '127.0.0.1:8443';
mkdirSync(dataDir, { recursive: true, mode: 0o700 });

const children: ChildProcess[] = [];

function startChild(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=latchkey-source', '--import', 'tsx', ...args], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping Latchkey.`);
      void stopAll(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stopAll(exitCode: number): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

startChild('latchkey-server', ['server/src/main.ts', 'start', '--data-dir', dataDir, '--listen', listen]);

console.log(`
Latchkey is starting.
  access server   http://${listen}   (data in ${dataDir})
  admin API token ${resolve(dataDir, 'admin.token')}
  try             curl -s -H "Authorization: Bearer $(cat ${resolve(dataDir, 'admin.token')})" http://${listen}/client/v4/accounts
Press Ctrl-C to stop everything.
`);
