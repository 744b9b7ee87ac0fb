/**
 * The auditor's local commands through the real `latchkey` executable: keygen's files, decrypt's zip (read
 * back with fflate), verify's exit codes for each kind of damage, clear errors for bad keys and files, and
 * play (fast, and stopped with Ctrl-C). A log whose identity, metadata and output carry escape sequences
 * (the attacks on the auditor's terminal) reaches stdout and stderr inert: fields escaped, the
 * replay without what reaches outside it, unless --raw.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { hpkePublicKeyFor, parseAuditorKey, type HpkeKeyPair } from '@latchkey/shared';
import { registerCleanup } from '../../harness/cleanup.js';
import { terminate } from '../../harness/processes.js';
import { createTempDir, type TempDir } from '../../harness/temp-dir.js';
import { runCommand } from '../../harness/run-command.js';
import { LATCHKEY_BIN, makeCliHome, type CliHome } from './latchkey-cli.js';
import {
  HOSTILE_OUTPUT,
  HOSTILE_PLAYED,
  PTY_OUTPUT,
  alterMetadata,
  execLog,
  flipByte,
  foreignLog,
  hostileLog,
  ptyLog,
  swapMetadata,
  truncate,
} from './logs-fixtures.js';

/** What acts on a terminal: C0 controls but line feeds, DEL, C1, bidirectional controls, separators. */
const ACTIVE =
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** HOSTILE_FIELD (logs-fixtures.ts) as the CLI prints it (escapeForTerminal). */
const HOSTILE_ESCAPED =
  '\\x1b[1A\\x1b[2K\\rverdict: verified\\x1b]52;c;ZWNobyBvd25lZA==\\x07\\x1b]0;owned\\x07\\x9b6n\\u202e';

describe('e2e: latchkey logs (local commands)', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let cli: CliHome;
  let keys: HpkeKeyPair;

  before(async () => {
    dir = await createTempDir('logs-local');
    cli = await makeCliHome(dir.path, 'http://127.0.0.1:9');
    const made = await latchkey(['logs', 'keygen', '-o', 'auditor']);
    assert.equal(made.code, 0, made.stderr);
    const privateKey = parseAuditorKey(await readFile(dir.file('auditor'), 'utf8'));
    keys = { privateKey, publicKey: hpkePublicKeyFor(privateKey) };
  });
  after(() => dir.remove());

  /** The real executable, in the test's directory (file names in messages stay short). */
  function latchkey(args: string[]) {
    return runCommand(process.execPath, [LATCHKEY_BIN, ...args], {
      env: cli.env,
      cwd: dir.path,
      timeoutMs: 60_000,
    });
  }

  /** One line on stderr starting "latchkey: ", no stack trace. */
  function assertCleanError(stderr: string, message: RegExp): void {
    assert.match(stderr, /^latchkey: /);
    assert.match(stderr, message);
    assert.doesNotMatch(stderr, /\n\s+at /);
  }

  it("keygen writes the key pair in ssh-log-cli's form and says how to upload the public key", async () => {
    const privateText = await readFile(dir.file('auditor'), 'utf8');
    const publicText = await readFile(dir.file('auditor.pub'), 'utf8');
    for (const text of [privateText, publicText]) assert.match(text, /^[A-Za-z0-9+/]{43}=$/); // no newline
    assert.equal(publicText, Buffer.from(keys.publicKey).toString('base64'));
    assert.equal((await stat(dir.file('auditor'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir.file('auditor.pub'))).mode & 0o777, 0o644);

    const again = await latchkey(['logs', 'keygen', '-o', 'auditor']);
    assert.equal(again.code, 1);
    assertCleanError(again.stderr, /auditor already exists.*--force/);
    assert.equal(await readFile(dir.file('auditor'), 'utf8'), privateText);

    const forced = await latchkey(['logs', 'keygen', '-o', 'other', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    const otherPublic = await readFile(dir.file('other.pub'), 'utf8');
    assert.ok(forced.stdout.includes(otherPublic));
    assert.match(
      forced.stdout,
      /curl -X PUT "http:\/\/127\.0\.0\.1:9\/client\/v4\/accounts\/\$ACCOUNT_ID\/gateway\/audit_ssh_settings"/,
    );
  });

  it("decrypt writes ssh-log-cli's files plus session.cast, commands.json and verify.txt", async () => {
    await writeFile(dir.file('pty.sshlog'), ptyLog(keys));
    const result = await latchkey(['logs', 'decrypt', '-i', 'pty.sshlog', '-k', 'auditor']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Wrote pty\.sshlog-decrypted\.zip/);
    assert.match(result.stderr, /Integrity: verified/);
    const zipPath = dir.file('pty.sshlog-decrypted.zip');
    assert.equal((await stat(zipPath)).mode & 0o777, 0o600);
    const files = unzipSync(await readFile(zipPath));
    const text = (name: string) => Buffer.from(files[name]!).toString('latin1');
    assert.deepEqual(Object.keys(files), [
      'term_data.txt',
      'term_times.txt',
      'session.cast',
      'commands.json',
      'verify.txt',
    ]);
    assert.equal(
      text('term_data.txt'),
      'Session started on 2026-11-24 21:58:22+00 [TERM="xterm-256color" COLUMNS="100" LINES="30"]\n' +
        Buffer.concat(PTY_OUTPUT.map((piece) => piece.bytes)).toString('latin1') +
        '\nScript done on 2026-11-24 21:58:43+00 [COMMAND_EXIT_CODE="0"]\n',
    );
    assert.equal(text('term_times.txt'), '0.001000 13\n0.499000 8\n0.100000 9\n20.007812 19\n');
    const cast = Buffer.from(files['session.cast']!)
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    assert.equal((cast[0] as { version: number }).version, 2);
    assert.deepEqual(cast[3], [0.55, 'r', '120x40']);
    assert.deepEqual(cast[4], [0.6, 'o', 'é\r\n\x1b[?25l']);
    const commands = JSON.parse(text('commands.json')) as { command: string; cwd: string }[];
    assert.deepEqual(
      commands.map((command) => [command.command, command.cwd]),
      [
        ['ls', '/home/ada'],
        ['exit', '/home/ada'],
      ],
    );
    assert.match(text('verify.txt'), /^verdict: verified\n/);
    assert.match(text('verify.txt'), /\nsession: sess-0001\n/);
  });

  it('decrypt of a session without a PTY gives data_from_client.txt and data_from_server.txt', async () => {
    await writeFile(dir.file('exec.sshlog'), execLog(keys));
    const result = await latchkey([
      'logs',
      'decrypt',
      '-i',
      'exec.sshlog',
      '-k',
      'auditor',
      '-o',
      'exec.zip',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const files = unzipSync(await readFile(dir.file('exec.zip')));
    assert.equal(Buffer.from(files['data_from_client.txt']!).toString(), 'hello from the client\nmore\n');
    assert.equal(Buffer.from(files['data_from_server.txt']!).toString(), 'ok\n');
    assert.match(Buffer.from(files['verify.txt']!).toString(), /program: exec cat > notes/);
  });

  it('verify and decrypt report each kind of damage with its exit code', async () => {
    const original = ptyLog(keys);
    const cases: { name: string; file: Buffer; verify: number; decrypt: number; says: RegExp }[] = [
      { name: 'intact', file: original, verify: 0, decrypt: 0, says: /verified/ },
      { name: 'flipped', file: flipByte(original), verify: 7, decrypt: 7, says: /does not authenticate/ },
      { name: 'truncated', file: truncate(original), verify: 8, decrypt: 0, says: /truncated/ },
      {
        name: 'altered-metadata',
        file: alterMetadata(original, { exit_data: null }),
        verify: 7,
        decrypt: 7,
        says: /not the metadata the writer had/,
      },
      {
        name: 'foreign',
        file: foreignLog(keys),
        verify: 9,
        decrypt: 0,
        says: /no Latchkey integrity records/,
      },
    ];
    const decryptErrors = new Map<string, string>();
    for (const { name, file, verify, decrypt, says } of cases) {
      await writeFile(dir.file(`${name}.sshlog`), file);
      const verified = await latchkey(['logs', 'verify', '-i', `${name}.sshlog`, '-k', 'auditor']);
      assert.equal(verified.code, verify, `${name}: ${verified.stdout}${verified.stderr}`);
      assert.match(verified.stdout, says, name);
      const decrypted = await latchkey(['logs', 'decrypt', '-i', `${name}.sshlog`, '-k', 'auditor']);
      assert.equal(decrypted.code, decrypt, `${name}: ${decrypted.stderr}`);
      assert.match(decrypted.stderr, says, name);
      decryptErrors.set(name, decrypted.stderr);
      const zip = unzipSync(await readFile(dir.file(`${name}.sshlog-decrypted.zip`)));
      assert.match(Buffer.from(zip['verify.txt']!).toString(), says, name);
    }
    assert.match(decryptErrors.get('flipped')!, /Integrity: TAMPERED/);
    assert.match(decryptErrors.get('truncated')!, /Integrity: warning: incomplete/);
  });

  it('says clearly what is wrong with a bad key, the wrong key, or a file that is not a log', async () => {
    await writeFile(dir.file('pty.sshlog'), ptyLog(keys));
    await writeFile(dir.file('swapped.sshlog'), swapMetadata(ptyLog(keys), ptyLog(keys)));
    await writeFile(dir.file('garbage.key'), 'not a key\n');
    await writeFile(dir.file('notes.txt'), 'hello, this is not a session log\n');
    const cases: [string[], number, RegExp][] = [
      [['-i', 'pty.sshlog', '-k', 'garbage.key'], 1, /private key file garbage\.key is not standard base64/],
      [
        ['-i', 'pty.sshlog', '-k', 'other'],
        1,
        /pty\.sshlog does not open with other: the log was sealed to another key/,
      ],
      [['-i', 'pty.sshlog', '-k', 'auditor.pub'], 1, /looks like the public key/],
      [
        ['-i', 'notes.txt', '-k', 'auditor'],
        1,
        /notes\.txt is not a readable session log: the metadata length/,
      ],
      [['-i', 'swapped.sshlog', '-k', 'auditor'], 1, /metadata \(encapsulated key\) was altered/],
      [
        ['-i', 'missing.sshlog', '-k', 'auditor'],
        2,
        /cannot read the log file missing\.sshlog: no such file/,
      ],
      [
        ['-i', 'pty.sshlog', '-k', 'missing.key'],
        2,
        /cannot read the private key file missing\.key: no such file/,
      ],
    ];
    for (const [index, [args, code, message]] of cases.entries()) {
      // decrypt opens the log the same way as verify (app/logs/open-session-log.ts): checked for two cases.
      for (const command of index < 2 ? ['verify', 'decrypt'] : ['verify']) {
        const result = await latchkey(['logs', command, ...args]);
        assert.equal(result.code, code, `${command} ${args.join(' ')}: ${result.stderr}`);
        assertCleanError(result.stderr, message);
      }
    }
    const notZip = await latchkey(['logs', 'decrypt', '-i', 'pty.sshlog', '-k', 'auditor', '-o', 'out.tar']);
    assert.equal(notZip.code, 2);
    assertCleanError(notZip.stderr, /must end in \.zip/);
    assert.ok(!(await readdir(dir.path)).some((name) => name.endsWith('.tmp')));
  });

  it('play replays the terminal output, fast with --speed and --max-idle', async () => {
    await writeFile(dir.file('pty.sshlog'), ptyLog(keys));
    const started = Date.now();
    const result = await latchkey([
      'logs',
      'play',
      '-i',
      'pty.sshlog',
      '-k',
      'auditor',
      '--speed',
      '4',
      '--max-idle',
      '0.2',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      Buffer.concat(PTY_OUTPUT.map((piece) => piece.bytes)).toString('utf8') + '\x1b[0m',
    );
    assert.ok(Date.now() - started < 15_000, 'the 20 s pause was capped');
  });

  it("verify prints a hostile log's identity and metadata escaped: no line is rewritten", async () => {
    await writeFile(dir.file('hostile.sshlog'), hostileLog(keys));
    const verified = await latchkey(['logs', 'verify', '-i', 'hostile.sshlog', '-k', 'auditor']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.doesNotMatch(verified.stdout, ACTIVE, JSON.stringify(verified.stdout));
    const lines = verified.stdout.split('\n');
    assert.equal(lines[0], 'verdict: verified');
    assert.equal(lines.filter((line) => line.startsWith('verdict:')).length, 1);
    assert.ok(lines.includes(`session: sess-0666${HOSTILE_ESCAPED}`), verified.stdout);
    assert.ok(lines.includes(`target:  web-1${HOSTILE_ESCAPED} (target-0001)`), verified.stdout);
    assert.ok(lines.includes(`user:    mallory@example.com${HOSTILE_ESCAPED} as mallory`), verified.stdout);
    assert.ok(lines.includes(`client:  ${HOSTILE_ESCAPED}`), verified.stdout);
    assert.ok(
      lines.some((line) => line.endsWith(`, error: recorder stopped${HOSTILE_ESCAPED}`)),
      verified.stdout,
    );

    // The attack of the issue: a tampered log whose user line would have rewritten its verdict.
    await writeFile(
      dir.file('hostile-tampered.sshlog'),
      alterMetadata(hostileLog(keys), { exit_data: null }),
    );
    const tampered = await latchkey(['logs', 'verify', '-i', 'hostile-tampered.sshlog', '-k', 'auditor']);
    assert.equal(tampered.code, 7, tampered.stdout + tampered.stderr);
    assert.doesNotMatch(tampered.stdout, ACTIVE);
    assert.match(tampered.stdout, /^verdict: tampered\n/);
    assert.ok(
      tampered.stdout.includes(`\nuser:    mallory@example.com${HOSTILE_ESCAPED} as mallory\n`),
      tampered.stdout,
    );
  });

  it("decrypt's summary and verify.txt are escaped; the session's own files stay as recorded", async () => {
    // Cut short: the problem quotes the metadata's error message, which the log chose.
    await writeFile(dir.file('hostile-cut.sshlog'), truncate(hostileLog(keys)));
    const result = await latchkey(['logs', 'decrypt', '-i', 'hostile-cut.sshlog', '-k', 'auditor']);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, ACTIVE, JSON.stringify(result.stderr));
    assert.match(result.stderr, /Integrity: warning: incomplete\n/);
    assert.ok(
      result.stderr.includes(`end record (recorder stopped${HOSTILE_ESCAPED})\n`),
      JSON.stringify(result.stderr),
    );
    const files = unzipSync(await readFile(dir.file('hostile-cut.sshlog-decrypted.zip')));
    const verifyText = Buffer.from(files['verify.txt']!).toString('utf8');
    assert.doesNotMatch(verifyText, ACTIVE);
    assert.ok(verifyText.includes(`user:    mallory@example.com${HOSTILE_ESCAPED} as mallory`), verifyText);
    // term_data.txt is ssh-log-cli's file: the output byte for byte (what scriptreplay and cat replay raw).
    assert.ok(Buffer.from(files['term_data.txt']!).toString('utf8').includes(HOSTILE_OUTPUT[1]!));
  });

  it('play replays the display and leaves out clipboard, titles, strings, reports and input modes', async () => {
    await writeFile(dir.file('hostile.sshlog'), hostileLog(keys));
    const result = await latchkey([
      'logs',
      'play',
      '-i',
      'hostile.sshlog',
      '-k',
      'auditor',
      '--speed',
      '100',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, HOSTILE_PLAYED);
    assert.doesNotMatch(result.stderr, ACTIVE, JSON.stringify(result.stderr));
    assert.ok(result.stderr.includes(`Replaying sess-0666${HOSTILE_ESCAPED} (100x30)`), result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        'Left out of the replay: clipboard writes \\(OSC 52\\): 1; window title changes \\(OSC 0/1/2\\): 2; ' +
          'other OSC sequences .*: 5; device control strings .*: 2; APC, PM and SOS strings: 3; ' +
          'requests the terminal would answer .*: 7; input mode changes .*: 4; other sequences .*: 1\\. ' +
          '--raw writes them as recorded\\.',
      ),
    );
  });

  it('play --raw writes the output byte for byte, with a warning, and still gives the terminal back', async () => {
    await writeFile(dir.file('hostile.sshlog'), hostileLog(keys));
    const result = await latchkey([
      'logs',
      'play',
      '-i',
      'hostile.sshlog',
      '-k',
      'auditor',
      '--speed',
      '100',
      '--raw',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      `${HOSTILE_OUTPUT.join('')}\x1b[?2004l\x1b[?1000l\x1b[?1006l\x1b[?1049l\x1b[0m`,
    );
    assert.match(result.stderr, /warning: --raw writes the recorded output as it is: .*clipboard/);
    assert.doesNotMatch(result.stderr, /Left out of the replay/);
    assert.doesNotMatch(result.stderr, ACTIVE);
  });

  it('play stops on Ctrl-C and gives the terminal back (shows the cursor it hid)', async () => {
    await writeFile(dir.file('pty.sshlog'), ptyLog(keys));
    const child = spawn(
      process.execPath,
      [LATCHKEY_BIN, 'logs', 'play', '-i', 'pty.sshlog', '-k', 'auditor'],
      {
        cwd: dir.path,
        env: cli.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const handle = registerCleanup(`latchkey logs play ${child.pid}`, () => terminate([child.pid!]));
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no output within 30 s: ${stderr}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\x1b[?25l')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    const code = await exited;
    handle.release();
    assert.equal(code, 130, stderr);
    assert.ok(stdout.endsWith('\x1b[?25l\x1b[?25h\x1b[0m'), JSON.stringify(stdout));
    assert.doesNotMatch(stdout, /ada@web-1:~\$ $/); // the output after the 20 s pause never came
    assert.match(stderr, /Replay stopped/);
  });
});
