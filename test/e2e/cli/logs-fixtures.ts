/**
 * Session logs made with shared's real writer, for the auditor-command tests: a PTY session with output,
 * a resize, two commands and a clean exit, or an exec session without a PTY; and the ways a file can be
 * damaged (a flipped byte, cut short, another log's metadata).
 */
import {
  CLIENT,
  ORIGIN,
  SessionLogWriter,
  generateHpkeKeyPair,
  type HpkeKeyPair,
  encodeHeader,
  encodePacket,
  parseHeader,
  setupHpkeSender,
  type SessionIdentity,
  type SessionLogMetadata,
} from '@latchkey/shared';

export const IDENTITY: SessionIdentity = {
  session_id: 'sess-0001',
  target_id: 'target-0001',
  target_hostname: 'web-1',
  user_email: 'ada@example.com',
  principal: 'ada',
  program_type: 'shell',
  client_address: '127.0.0.1:50000',
};

export const STARTED_AT = new Date('2026-11-24T21:58:22Z');

/** The origin output of the PTY session: "é" split across two packets, and a long pause (20.007812 s). */
export const PTY_OUTPUT: { micros: number; bytes: Buffer }[] = [
  { micros: 1_000, bytes: Buffer.from('ada@web-1:~$ ') },
  { micros: 500_000, bytes: Buffer.from('ls\r\ncaf\xc3', 'latin1') },
  { micros: 600_000, bytes: Buffer.from('\xa9\r\n\x1b[?25l', 'latin1') },
  { micros: 20_607_812, bytes: Buffer.from('\x1b[?25hada@web-1:~$ ') },
];

export function ptyLog(keys: HpkeKeyPair, options: { exitStatus?: number } = {}): Buffer {
  const writer = new SessionLogWriter({
    auditorPublicKey: keys.publicKey,
    identity: IDENTITY,
    pty: { term: 'xterm-256color', width: 100, height: 30, modes: [['ECHO', 1]] },
    startedAt: STARTED_AT,
    maxChunkBytes: 2048,
  });
  const sealed: Uint8Array[] = [];
  writer.data(ORIGIN, PTY_OUTPUT[0]!.micros, PTY_OUTPUT[0]!.bytes);
  writer.data(CLIENT, 400_000, Buffer.from('ls\r'));
  writer.flush();
  sealed.push(writer.takeSealed());
  writer.data(ORIGIN, PTY_OUTPUT[1]!.micros, PTY_OUTPUT[1]!.bytes);
  writer.record({
    kind: 'command',
    elapsedMicros: 550_000,
    body: { command: 'ls', cwd: '/home/ada', exit_status: 0 },
  });
  writer.record({ kind: 'resize', elapsedMicros: 550_000, body: { width: 120, height: 40 } });
  writer.data(ORIGIN, PTY_OUTPUT[2]!.micros, PTY_OUTPUT[2]!.bytes);
  writer.flush();
  sealed.push(writer.takeSealed());
  writer.record({ kind: 'command', elapsedMicros: 20_000_000, body: { command: 'exit', cwd: '/home/ada' } });
  writer.data(ORIGIN, PTY_OUTPUT[3]!.micros, PTY_OUTPUT[3]!.bytes);
  const finished = writer.finish({
    elapsedMicros: 21_000_000,
    exitData: {
      timestamp: STARTED_AT.getTime() / 1000 + 21,
      status: options.exitStatus ?? 0,
      signal: null,
      core_dumped: false,
      error_msg: null,
    },
  });
  return Buffer.concat([finished.header, ...sealed, writer.takeSealed(), finished.sealed]);
}

/**
 * What whoever has a say in a log (its identity, its output) may put there to act on the auditor's
 * terminal. In a field: the attack (cursor up, erase the line, CR: the printed `user:` line of
 * `logs verify` rewritten into `verdict: verified`), a clipboard write, a title, an 8-bit CSI asking for
 * a report, a bidirectional override.
 */
export const HOSTILE_FIELD =
  '\x1b[1A\x1b[2K\rverdict: verified\x1b]52;c;ZWNobyBvd25lZA==\x07\x1b]0;owned\x07\u009b6n\u202e';

export const HOSTILE_IDENTITY: SessionIdentity = {
  session_id: `sess-0666${HOSTILE_FIELD}`,
  target_id: 'target-0001',
  target_hostname: `web-1${HOSTILE_FIELD}`,
  user_email: `mallory@example.com${HOSTILE_FIELD}`,
  principal: 'mallory',
  program_type: 'shell',
  client_address: HOSTILE_FIELD,
};

/**
 * The output of the hostile session, piece by piece (some sequences split across packets), and what
 * `logs play` writes of it: the display only (the alternate screen is undone at the end).
 */
export const HOSTILE_OUTPUT: string[] = [
  '$ cat notes\r\n',
  'clipboard:\x1b]52;c;ZWNobyBvd25l', // OSC 52, split across packets
  'ZA==\x07 title:\x1b]0;owned\x07\x1b]2;owned too\x1b\\ ',
  'links:\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x1b]7;file://x/etc\x07\x1b]777;notify;a;b\x07',
  '\x1b]1337;File=name=eA==:aGk=\x07 dcs:\x1bP$qm\x1b\\\x1bP+q544e\x1b\\ apc:\x1b_Gf=1;x\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\',
  ' reports:\x1b[6n\x1b[c\x1b[>c\x1bZ\x1b[?2004$p\x05\u009b6',
  'n modes:\x1b[?2004h\x1b[?1000;1006h\x1b=\x1b[3J\x1b[?1049h\x1b[1;31mshown\x1b[0m\r\n',
];

export const HOSTILE_PLAYED =
  '$ cat notes\r\nclipboard: title: links:click  dcs: apc: reports: modes:' +
  '\x1b[?1049h\x1b[1;31mshown\x1b[0m\r\n' +
  '\x1b[?1049l\x1b[0m';

export function hostileLog(keys: HpkeKeyPair): Buffer {
  const writer = new SessionLogWriter({
    auditorPublicKey: keys.publicKey,
    identity: HOSTILE_IDENTITY,
    pty: { term: 'xterm-256color', width: 100, height: 30, modes: [['ECHO', 1]] },
    startedAt: STARTED_AT,
  });
  HOSTILE_OUTPUT.forEach((piece, index) => writer.data(ORIGIN, 1_000 * (index + 1), Buffer.from(piece)));
  const finished = writer.finish({
    elapsedMicros: 100_000,
    exitData: {
      timestamp: STARTED_AT.getTime() / 1000 + 1,
      status: null,
      signal: null,
      core_dumped: false,
      error_msg: `recorder stopped${HOSTILE_FIELD}`,
    },
  });
  return Buffer.concat([finished.header, writer.takeSealed(), finished.sealed]);
}

export function execLog(keys: HpkeKeyPair): Buffer {
  const writer = new SessionLogWriter({
    auditorPublicKey: keys.publicKey,
    identity: { ...IDENTITY, session_id: 'sess-0002', program_type: 'exec', command: 'cat > notes' },
    pty: null,
    startedAt: STARTED_AT,
  });
  writer.data(CLIENT, 10, Buffer.from('hello from the client\n'));
  writer.data(ORIGIN, 20, Buffer.from('ok\n'));
  writer.data(CLIENT, 30, Buffer.from('more\n'));
  const finished = writer.finish({ elapsedMicros: 40, exitData: null });
  return Buffer.concat([finished.header, writer.takeSealed(), finished.sealed]);
}

/** The offset of the first chunk (after the metadata). */
export function firstChunkOffset(file: Buffer): number {
  return 4 + file.readUInt32BE(0);
}

/** The file with one byte inside its first chunk's ciphertext flipped. */
export function flipByte(file: Buffer): Buffer {
  const copy = Buffer.from(file);
  copy[firstChunkOffset(file) + 10]! ^= 0x01;
  return copy;
}

/** The file cut in the middle of its last chunk. */
export function truncate(file: Buffer): Buffer {
  return file.subarray(0, file.length - 7);
}

/** `file`'s chunks behind `other`'s metadata (another session's: its encapsulated key opens nothing). */
export function swapMetadata(file: Buffer, other: Buffer): Buffer {
  return Buffer.concat([other.subarray(0, firstChunkOffset(other)), file.subarray(firstChunkOffset(file))]);
}

/** `file` with its metadata rewritten (`patch` applied, the encapsulated key kept, so the chunks open). */
export function alterMetadata(file: Buffer, patch: Partial<SessionLogMetadata>): Buffer {
  const { metadata } = parseHeader(file);
  return Buffer.concat([
    encodeHeader({ ...metadata, ...patch }).bytes,
    file.subarray(firstChunkOffset(file)),
  ]);
}

/** A log as another tool (Cloudflare's) writes it: one chunk of output, no Latchkey records, no terminator. */
export function foreignLog(keys: HpkeKeyPair, text = 'hello'): Buffer {
  const sealer = setupHpkeSender(keys.publicKey);
  const packet = encodePacket({ source: ORIGIN, code: 0, elapsedMicros: 1, data: Buffer.from(text) });
  const sealed = sealer.seal(packet);
  const frame = Buffer.alloc(4);
  frame.writeUInt32BE(sealed.length);
  const header = encodeHeader({
    started_at: STARTED_AT.getTime() / 1000,
    data_size: packet.length,
    encapsulated_key: Buffer.from(sealer.enc).toString('hex'),
    pty: { term: 'xterm', width: 80, height: 24, modes: [] },
    exit_data: null,
  });
  return Buffer.concat([header.bytes, frame, sealed]);
}

export function newKeys(): HpkeKeyPair {
  return generateHpkeKeyPair();
}
