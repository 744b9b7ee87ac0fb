/**
 * One keystroke-echo session for the benchmarks: `ssh -tt OPTIONS [cat]` in a real PTY (node-pty), then
 * `keys` single keystrokes 8–20 ms apart, each timed from the write to its echo coming back; `cat` mode
 * times the line discipline's echo through `cat`, `shell` mode readline's at the shell's prompt (the
 * shell must print `[lk-prompt]`). Resolves with the echo times in ms.
 */
import { spawn as spawnPty } from 'node-pty';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function echoSession(
  options: string[],
  keys: number,
  mode: 'cat' | 'shell',
  /** The client's environment (e.g. a latchkey CLI home's, for a ProxyCommand); this process's by default. */
  baseEnv: NodeJS.ProcessEnv = process.env,
): Promise<number[]> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(baseEnv)) {
    if (value !== undefined && !key.startsWith('SSH_')) env[key] = value;
  }
  const pty = spawnPty('/usr/bin/ssh', ['-tt', ...options, ...(mode === 'cat' ? ['cat'] : [])], {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    env,
  });
  let output = '';
  let waiting: { char: string; resolve: (at: bigint) => void } | undefined;
  pty.onData((data) => {
    const at = process.hrtime.bigint();
    output += data;
    if (waiting !== undefined && data.includes(waiting.char)) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve(at);
    }
  });
  const exited = new Promise<void>((resolve) => pty.onExit(() => resolve()));
  try {
    // cat is running once a marker line comes back twice (the tty's echo, then cat's copy); the shell
    // once its prompt shows.
    const deadline = Date.now() + 30_000;
    if (mode === 'cat') pty.write('ready\r');
    const ready = () =>
      mode === 'cat' ? (output.match(/ready/g) ?? []).length >= 2 : output.includes('[lk-prompt]');
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`not ready: ${output}`);
      await sleep(10);
    }
    await sleep(100);
    const samples: number[] = [];
    const alphabet = 'abcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < keys; i++) {
      if (i > 0 && i % 50 === 0) {
        pty.write(mode === 'cat' ? '\r' : '\x15'); // end the line (cat's buffer) or erase it (readline), untimed
        await sleep(50);
      }
      const char = alphabet[i % alphabet.length]!;
      const echoed = new Promise<bigint>((resolve) => (waiting = { char, resolve }));
      const sent = process.hrtime.bigint();
      pty.write(char);
      const timeout = setTimeout(() => waiting?.resolve(sent + 10_000_000_000n), 10_000);
      const at = await echoed;
      clearTimeout(timeout);
      samples.push(Number(at - sent) / 1e6);
      await sleep(8 + Math.random() * 12);
    }
    return samples;
  } finally {
    pty.write(mode === 'cat' ? '\x04' : '\x15exit\r');
    const timer = setTimeout(() => pty.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
