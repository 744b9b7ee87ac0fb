/**
 * Reads a password for the admin commands: from a terminal, prompted twice without echo; otherwise the
 * first line of standard input (so scripts can pipe it: `echo "$PW" | latchkey-server user add …`).
 */
import { createInterface } from 'node:readline';
import { LatchkeyError } from '@latchkey/shared';

async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line.replace(/\r$/, '');
  }
  return '';
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (text: string) => void };
    process.stderr.write(question);
    output._writeToOutput = () => {}; // no echo
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

export async function readPassword(what: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const line = await readFirstLine();
    if (line === '')
      throw new LatchkeyError('invalid_argument', `no ${what} on standard input`, { pointer: 'password' });
    return line;
  }
  const first = await promptHidden(`${what[0]?.toUpperCase()}${what.slice(1)}: `);
  const second = await promptHidden('Again: ');
  if (first !== second)
    throw new LatchkeyError('invalid_argument', 'the two passwords differ', { pointer: 'password' });
  return first;
}
