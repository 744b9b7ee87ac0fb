import assert from 'node:assert/strict';
import {
  CLIENT,
  LatchkeyError,
  ORIGIN,
  SessionLogWriter,
  encodeAuditorKey,
  encodeHeader,
  encodePacket,
  generateHpkeKeyPair,
  parseAuditorKey,
  readSessionLog,
  setupHpkeSender,
  type ExitData,
  type PtyMetadata,
  type SessionIdentity,
} from '@latchkey/shared';
import { sshLogCliDecrypt } from './ssh-log-cli-model.js';

const keys = generateHpkeKeyPair();
const identity: SessionIdentity = {
  session_id: '5f0c3d2e-0000-4000-8000-000000000001',
  target_id: 'a1b2c3d4-0000-4000-8000-000000000002',
  target_hostname: 'web-1',
  user_email: 'jdoe@example.com',
  principal: 'jdoe',
  program_type: 'shell',
};
const pty: PtyMetadata = { term: 'xterm-256color', width: 80, height: 24, modes: [['ECHO', 1]] };
const exitData: ExitData = {
  timestamp: 1_790_000_100,
  status: 0,
  signal: null,
  core_dumped: false,
  error_msg: null,
};
const startedAt = new Date(1_790_000_000_000);

interface Event {
  source: 0 | 1;
  at: number;
  text: string;
}
const ptyEvents: Event[] = [
  { source: ORIGIN, at: 1_000, text: 'jdoe@web-1:~$ ' },
  { source: CLIENT, at: 500_000, text: 'l' },
  { source: ORIGIN, at: 500_100, text: 'l' },
  { source: CLIENT, at: 600_000, text: 's\r' },
  { source: ORIGIN, at: 600_100, text: 's\r\nfile-a  file-b\r\njdoe@web-1:~$ ' },
];

/** A complete Latchkey log of `events`, sealed in small chunks so there are several. */
function latchkeyLog(
  events: Event[],
  options: { pty: PtyMetadata | null; identity?: SessionIdentity } = { pty },
) {
  const writer = new SessionLogWriter({
    auditorPublicKey: keys.publicKey,
    identity: options.identity ?? identity,
    pty: options.pty,
    startedAt,
    maxChunkBytes: 1100,
  });
  const sealed: Uint8Array[] = [];
  for (const [index, event] of events.entries()) {
    writer.data(event.source, event.at, Buffer.from(event.text));
    if (index === 2) {
      writer.record({ kind: 'command', elapsedMicros: event.at, body: { command: 'ls', cwd: '/home/jdoe' } });
      writer.flush();
    }
    sealed.push(writer.takeSealed());
  }
  const finished = writer.finish({ exitData, elapsedMicros: 700_000 });
  return { file: Buffer.concat([finished.header, ...sealed, finished.sealed]), finished, streamed: sealed };
}

/** The same session as the base format alone would write it (no Latchkey records): Cloudflare's shape. */
function plainLog(events: Event[], logPty: PtyMetadata | null): Buffer {
  const sealer = setupHpkeSender(keys.publicKey);
  const chunks = events.map((event) => {
    const plaintext = encodePacket({
      source: event.source,
      code: 0,
      elapsedMicros: event.at,
      data: Buffer.from(event.text),
    });
    const ciphertext = sealer.seal(plaintext);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(ciphertext.length);
    return Buffer.concat([length, ciphertext]);
  });
  const size = chunks.reduce((sum, chunk) => sum + chunk.length - 4 - 16, 0);
  const header = encodeHeader({
    started_at: Math.floor(startedAt.getTime() / 1000),
    data_size: size,
    encapsulated_key: Buffer.from(sealer.enc).toString('hex'),
    pty: logPty,
    exit_data: exitData,
  });
  return Buffer.concat([header.bytes, ...chunks]);
}

function flipByte(file: Uint8Array, at: number): Buffer {
  const copy = Buffer.from(file);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('session log format', () => {
  describe('round trip', () => {
    it('a PTY session decrypts to its packets, records and a verified verdict', () => {
      const { file } = latchkeyLog(ptyEvents);
      const log = readSessionLog(file, keys.privateKey);
      assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('; '));
      assert.deepEqual(log.integrity.problems, []);
      assert.deepEqual(log.integrity.identity, identity);
      assert.deepEqual(
        log.packets.map((packet) => [
          packet.source,
          packet.elapsedMicros,
          Buffer.from(packet.data).toString(),
        ]),
        ptyEvents.map((event) => [event.source, event.at, event.text]),
      );
      assert.deepEqual(
        log.records.map((record) => record.kind),
        ['start', 'command', 'end'],
      );
      assert.deepEqual(log.metadata.pty, pty);
      assert.deepEqual(log.metadata.exit_data, exitData);
      assert.equal(log.metadata.started_at, 1_790_000_000);
    });

    it('a non-PTY session keeps every record in the trailer', () => {
      const exec = { ...identity, program_type: 'exec' as const, command: 'uptime' };
      const { file } = latchkeyLog(
        [
          { source: CLIENT, at: 10, text: 'input' },
          { source: ORIGIN, at: 20, text: ' 10:00:00 up 1 day' },
        ],
        { pty: null, identity: exec },
      );
      const log = readSessionLog(file, keys.privateKey);
      assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('; '));
      assert.deepEqual(log.integrity.identity, exec);
      assert.equal(log.packets.length, 2);
    });

    it('splits data larger than a chunk into several packets, never a packet across chunks', () => {
      const big = 'x'.repeat(5000);
      const { file } = latchkeyLog([{ source: ORIGIN, at: 1, text: big }]);
      const log = readSessionLog(file, keys.privateKey);
      assert.equal(log.integrity.status, 'verified');
      assert.ok(log.packets.length >= 5);
      assert.equal(log.packets.map((packet) => Buffer.from(packet.data).toString()).join(''), big);
    });
  });

  describe('compatibility with Cloudflare ssh-log-cli', () => {
    it('produces exactly the PTY output it would produce without Latchkey records', () => {
      const ours = sshLogCliDecrypt(latchkeyLog(ptyEvents).file, keys.privateKey);
      const theirs = sshLogCliDecrypt(plainLog(ptyEvents, pty), keys.privateKey);
      assert.deepEqual(ours.files, theirs.files);
      assert.match(
        ours.files['term_data.txt']!,
        /^Session started on 2026-09-21 \d\d:\d\d:\d\d\+00 \[TERM="xterm-256color"/,
      );
      assert.match(ours.files['term_data.txt']!, /file-a {2}file-b/);
    });

    it('produces exactly the non-PTY output it would produce without Latchkey records', () => {
      const events: Event[] = [
        { source: CLIENT, at: 10, text: 'payload from client' },
        { source: ORIGIN, at: 20, text: 'reply from server' },
      ];
      const ours = sshLogCliDecrypt(latchkeyLog(events, { pty: null }).file, keys.privateKey);
      const theirs = sshLogCliDecrypt(plainLog(events, null), keys.privateKey);
      assert.deepEqual(ours.files, theirs.files);
      assert.equal(ours.files['data_from_client.txt'], 'payload from client');
    });

    it('reads a log without Latchkey records (as Cloudflare writes them) and says it is unverified', () => {
      const log = readSessionLog(plainLog(ptyEvents, pty), keys.privateKey);
      assert.equal(log.integrity.status, 'unverified');
      assert.equal(log.packets.length, ptyEvents.length);
    });
  });

  describe('tampering and truncation', () => {
    const { file, finished, streamed } = latchkeyLog(ptyEvents);
    const headerLength = finished.header.length;

    it('detects a flipped byte in any chunk', () => {
      for (const at of [headerLength + 10, Math.floor((headerLength + file.length) / 2), file.length - 3]) {
        const log = readSessionLog(flipByte(file, at), keys.privateKey);
        assert.equal(log.integrity.status, 'tampered', `flip at ${at}`);
        assert.match(log.integrity.problems.join(' '), /does not authenticate/);
      }
    });

    it('refuses to decrypt when the first chunk does not authenticate (wrong key)', () => {
      const other = generateHpkeKeyPair();
      assert.throws(
        () => readSessionLog(file, other.privateKey),
        (error: unknown) => error instanceof LatchkeyError && error.code === 'session_log_decryption_failed',
      );
    });

    it('detects a file cut at a chunk boundary or inside a chunk', () => {
      // Cut right after the first data chunk: decrypts cleanly, but has no end record.
      const firstChunkLength = file.readUInt32BE(headerLength);
      const atBoundary = file.subarray(0, headerLength + 4 + firstChunkLength);
      const boundary = readSessionLog(atBoundary, keys.privateKey);
      assert.equal(boundary.integrity.status, 'incomplete');
      assert.match(boundary.integrity.problems.join(' '), /without Latchkey's end record/);

      const inside = readSessionLog(file.subarray(0, file.length - 5), keys.privateKey);
      assert.equal(inside.integrity.status, 'incomplete');
      assert.match(inside.integrity.problems.join(' '), /ends inside chunk/);

      // Cut right after the metadata: nothing decrypts, and it is a cut log, not another tool's.
      const headerOnly = readSessionLog(file.subarray(0, headerLength), keys.privateKey);
      assert.equal(headerOnly.integrity.status, 'incomplete');
      assert.match(headerOnly.integrity.problems.join(' '), /stops after 0 data chunk/);

      // Without the trailer (the terminator and end record cut away) it is incomplete too.
      const trailerless = readSessionLog(Buffer.concat([finished.header, ...streamed]), keys.privateKey);
      assert.notEqual(trailerless.integrity.status, 'verified');
    });

    it('detects swapped metadata', () => {
      // The same log with another exit status in its (unauthenticated) metadata.
      const forged = encodeHeader({ ...finished.metadata, exit_data: { ...exitData, status: 1 } });
      const swapped = Buffer.concat([forged.bytes, file.subarray(headerLength)]);
      const log = readSessionLog(swapped, keys.privateKey);
      assert.equal(log.integrity.status, 'tampered');
      assert.match(log.integrity.problems.join(' '), /metadata .* not the metadata the writer had/);
    });

    it('detects metadata moved from another log of the same auditor', () => {
      const other = latchkeyLog(ptyEvents.slice(0, 2));
      const swapped = Buffer.concat([other.finished.header, file.subarray(headerLength)]);
      assert.throws(
        () => readSessionLog(swapped, keys.privateKey),
        (error: unknown) => error instanceof LatchkeyError && error.code === 'session_log_decryption_failed',
      );
    });

    it('rejects files that are not session logs with malformed_session_log', () => {
      const cases: [string, Uint8Array][] = [
        ['empty', new Uint8Array(0)],
        ['absurd metadata length', Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2])],
        ['metadata not base64', Buffer.concat([Buffer.from([0, 0, 0, 4]), Buffer.from('!!!!')])],
        ['metadata not JSON', Buffer.concat([Buffer.from([0, 0, 0, 4]), Buffer.from('YWJj')])],
        ['missing encapsulated_key', encodeHeader({ started_at: 1, data_size: 0 } as never).bytes],
      ];
      for (const [name, bytes] of cases) {
        assert.throws(
          () => readSessionLog(bytes, keys.privateKey),
          (error: unknown) => error instanceof LatchkeyError && error.code === 'malformed_session_log',
          name,
        );
      }
    });
  });

  describe('auditor key files', () => {
    it('round-trips the ssh-log-cli form and names what is wrong with a bad key', () => {
      const text = encodeAuditorKey(keys.publicKey);
      assert.equal(text.length, 44);
      assert.deepEqual(parseAuditorKey(`${text}\n`), keys.publicKey);
      for (const bad of ['', 'not base64!', Buffer.alloc(31).toString('base64')]) {
        assert.throws(
          () => parseAuditorKey(bad, 'public key'),
          (error: unknown) => error instanceof LatchkeyError && error.code === 'invalid_auditor_key',
        );
      }
    });
  });
});
