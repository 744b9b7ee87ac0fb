import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, chown, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import {
  generateHpkeKeyPair,
  readSessionLog,
  SessionLogWriter,
  type SessionIdentity,
} from '@latchkey/shared';
import {
  encodeJsonFrame,
  FRAME,
  FrameDecoder,
  type HelloMessage,
} from '../../../agent/src/domain/recording/spool-protocol.js';
import { SpoolClient } from '../../../agent/src/recorder/spool-client.js';
import { startRecordingSpool, SpoolStore, type RecordingSpool } from '../../../agent/src/spool/index.js';
import { createTempDir, type TempDir } from '../../harness/index.js';

const identity: SessionIdentity = {
  session_id: 'session-1',
  target_id: 't',
  user_email: 'alice@example.com',
  principal: 'alice',
  program_type: 'exec',
  command: 'make',
};

/** A recorder's side: a writer sealed to a fresh auditor key and a client to the spool. */
function recorder(socketPath: string, extra: Partial<HelloMessage> = {}) {
  const auditor = generateHpkeKeyPair();
  const ephemeral = generateHpkeKeyPair();
  const startedAt = new Date();
  const writer = new SessionLogWriter({
    auditorPublicKey: auditor.publicKey,
    identity,
    pty: null,
    startedAt,
    ephemeralPrivateKey: ephemeral.privateKey,
  });
  const hello: HelloMessage = {
    protocol: 1,
    started_at: Math.floor(startedAt.getTime() / 1000),
    encapsulated_key: Buffer.from(ephemeral.publicKey).toString('hex'),
    pty: null,
    identity,
    unix_user: 'alice',
    ...extra,
  };
  const client = new SpoolClient({ socketPath, hello });
  const ship = () => client.sendPieces(writer.takeSealedPieces());
  const data = (text: string, at: number) => {
    writer.data(1, at, Buffer.from(text));
    writer.flush();
    ship();
  };
  const finish = async () => {
    const finished = writer.finish({
      exitData: { timestamp: 1, status: 0, signal: null, core_dumped: false, error_msg: null },
      elapsedMicros: 1_000_000,
    });
    return client.finish(finished.header, finished.sealed, 5000);
  };
  return { auditor, client, data, finish, hello };
}

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 10) {
    if (waited > 10_000) throw new Error(`waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function output(file: Uint8Array, key: Uint8Array) {
  const log = readSessionLog(file, key);
  return { log, text: Buffer.concat(log.packets.map((p) => p.data)).toString() };
}

describe('the recording spool (unix socket, root-owned spool dir) and the recorder-side client', () => {
  let dir: TempDir;
  let spool: RecordingSpool;
  let socketPath: string;
  let spoolDir: string;

  beforeEach(async () => {
    dir = await createTempDir('spool');
    socketPath = dir.file('run/record.sock');
    spoolDir = dir.file('spool');
    spool = await startRecordingSpool({ socketPath, spoolDir });
  });
  afterEach(async () => {
    await spool?.close();
    await dir.remove();
  });

  it('keeps a whole log: complete, verified, in a 0700 dir of 0600 files behind a world-connectable socket', async () => {
    const r = recorder(socketPath);
    assert.equal(await r.client.start(2000), true);
    r.data('one\n', 10);
    r.data('two\n', 20);
    const result = await r.finish();
    assert.equal(result.ok, true);
    const [state] = await spool.store.list();
    assert.equal(state?.status, 'complete');
    const { log, text } = output(await spool.store.readLog(state!.log_id), r.auditor.privateKey);
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    assert.equal(text, 'one\ntwo\n');
    assert.equal((await stat(spoolDir)).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(spoolDir, `${state!.log_id}.chunks`))).mode & 0o777, 0o600);
    assert.equal((await stat(socketPath)).mode & 0o777, 0o666);
    assert.equal((await stat(path.dirname(socketPath))).mode & 0o777, 0o755);
  });

  it('marks a log incomplete when the recorder goes away before the end, never silently truncated', async () => {
    const r = recorder(socketPath);
    assert.equal(await r.client.start(2000), true);
    r.data('before\n', 10);
    const logId = r.client.logId!;
    await until(async () => (await spool.store.chunkBytes(logId)) > 0, 'the chunk on disk');
    r.client.close();
    await until(async () => (await spool.store.state(logId)).status === 'incomplete', 'incomplete');
    const { log, text } = output(await spool.store.readLog(logId), r.auditor.privateKey);
    // A session without a PTY keeps all of Latchkey's records for the trailer (ssh-log-cli compatibility),
    // so a cut one has none: the shared reader says "unverified", and the header made by the spool says why.
    assert.equal(log.integrity.status, 'unverified');
    assert.equal(text, 'before\n');
    assert.match(log.metadata.exit_data?.error_msg ?? '', /incomplete log: the recorder connection closed/);
  });

  it('an agent restart mid-session: the recorder resumes with its token and the log ends complete', async () => {
    const r = recorder(socketPath);
    assert.equal(await r.client.start(2000), true);
    r.data('first\n', 10);
    const logId = r.client.logId!;
    await until(async () => (await spool.store.chunkBytes(logId)) > 0, 'the first chunk on disk');
    await spool.close();
    assert.equal((await new SpoolStore(spoolDir).state(logId)).status, 'incomplete');
    r.data('while-the-agent-is-down\n', 20);
    spool = await startRecordingSpool({ socketPath, spoolDir });
    r.data('after\n', 30);
    const result = await r.finish();
    assert.equal(result.ok, true, JSON.stringify(result));
    const states = await spool.store.list();
    assert.deepEqual(
      states.map((s) => [s.log_id, s.status]),
      [[logId, 'complete']],
    );
    const { log, text } = output(await spool.store.readLog(logId), r.auditor.privateKey);
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    assert.equal(text, 'first\nwhile-the-agent-is-down\nafter\n');
  });

  it('cuts a chunk half-written by a crash when the log is resumed', async () => {
    const r = recorder(socketPath);
    assert.equal(await r.client.start(2000), true);
    r.data('kept\n', 10);
    const logId = r.client.logId!;
    await until(async () => (await spool.store.chunkBytes(logId)) > 0, 'the chunk on disk');
    await spool.close();
    const whole = await spool.store.chunkBytes(logId);
    await appendFile(path.join(spoolDir, `${logId}.chunks`), Buffer.from([0, 0, 1, 0, 9, 9]));
    spool = await startRecordingSpool({ socketPath, spoolDir });
    assert.equal(await r.client.start(2000).then(() => true), true);
    const result = await r.finish();
    assert.equal(result.ok, true);
    const chunks = await readFile(path.join(spoolDir, `${logId}.chunks`));
    assert.ok(chunks.length > whole);
    const { log, text } = output(await spool.store.readLog(logId), r.auditor.privateKey);
    assert.equal(log.integrity.status, 'verified', log.integrity.problems.join('\n'));
    assert.equal(text, 'kept\n');
  });

  it('refuses to resume a log without its token', async () => {
    const r = recorder(socketPath);
    assert.equal(await r.client.start(2000), true);
    const logId = r.client.logId!;
    r.client.close();
    const reply = await new Promise<{ type: number; message: string }>((resolve, reject) => {
      const socket = connect(socketPath);
      const decoder = new FrameDecoder();
      socket.on('connect', () =>
        socket.write(
          encodeJsonFrame(FRAME.hello, { ...r.hello, resume: { log_id: logId, token: 'guessed' } }),
        ),
      );
      socket.on('data', (bytes) => {
        const [frame] = decoder.push(bytes);
        if (frame) resolve({ type: frame.type, message: frame.payload.toString() });
      });
      socket.on('error', reject);
    });
    assert.equal(reply.type, FRAME.refused);
    assert.match(reply.message, /wrong resume token/);
  });

  it('a spool that starts marks logs left recording by an earlier run incomplete', async () => {
    const r = recorder(socketPath);
    const store = new SpoolStore(dir.file('other-spool'));
    await store.init();
    const { logId } = await store.create(r.hello);
    assert.equal((await store.state(logId)).status, 'recording');
    await new SpoolStore(dir.file('other-spool')).init();
    const state = await store.state(logId);
    assert.equal(state.status, 'incomplete');
    assert.match(state.reason ?? '', /agent stopped/);
  });

  it('tells the uploader when a log ends (complete or incomplete), and never takes a live socket', async () => {
    const ended: string[] = [];
    await spool.close();
    spool = await startRecordingSpool({
      socketPath,
      spoolDir,
      onLogEnded: (logId, status) => ended.push(`${logId} ${status}`),
    });
    await assert.rejects(
      startRecordingSpool({ socketPath, spoolDir: dir.file('second') }),
      /another process already serves the recording spool/,
    );
    const whole = recorder(socketPath);
    assert.equal(await whole.client.start(2000), true);
    whole.data('x\n', 10);
    await whole.finish();
    const cut = recorder(socketPath);
    assert.equal(await cut.client.start(2000), true);
    cut.client.close();
    await until(async () => ended.length === 2, 'both ends reported');
    assert.deepEqual(
      ended.sort(),
      [`${cut.client.logId} incomplete`, `${whole.client.logId} complete`].sort(),
    );
  });

  it('takes the UNIX user from the owner of the uid proof, not from the claim, and removes the proof', async () => {
    const proofDir = path.join(path.dirname(socketPath), 'peers');
    assert.equal((await stat(proofDir)).mode & 0o7777, 0o1733, 'sticky, creatable by all, listable by none');
    const name = randomBytes(16).toString('hex');
    await writeFile(path.join(proofDir, name), '');
    await chown(path.join(proofDir, name), 65534, 65534); // as if made by a recorder running as nobody
    const r = recorder(socketPath, { uid_proof: name });
    assert.equal(await r.client.start(2000), true, r.client.lastTrouble ?? '');
    const state = await spool.store.state(r.client.logId!);
    assert.equal(
      state.unix_user,
      (await readFile('/etc/passwd', 'utf8')).match(/^([^:]+):[^:]*:65534:/m)![1],
    );
    assert.equal(state.unix_user_verified, true);
    await assert.rejects(stat(path.join(proofDir, name)), /ENOENT/, 'the proof is used up');
    r.client.close();

    const claimOnly = recorder(socketPath);
    assert.equal(await claimOnly.client.start(2000), true);
    const claimed = await spool.store.state(claimOnly.client.logId!);
    assert.equal(claimed.unix_user, 'alice');
    assert.equal(claimed.unix_user_verified, false);
    claimOnly.client.close();
  });

  it('refuses a log whose uid proof does not exist or is a link', async () => {
    const proofDir = path.join(path.dirname(socketPath), 'peers');
    const missing = recorder(socketPath, { uid_proof: randomBytes(16).toString('hex') });
    assert.equal(await missing.client.start(2000), false);
    assert.match(missing.client.lastTrouble ?? '', /uid proof is not valid: there is no such file/);
    missing.client.close();
    const name = randomBytes(16).toString('hex');
    await symlink('/etc/passwd', path.join(proofDir, name));
    const linked = recorder(socketPath, { uid_proof: name });
    assert.equal(await linked.client.start(2000), false);
    assert.match(linked.client.lastTrouble ?? '', /uid proof is not valid: it is not a plain file/);
    linked.client.close();
    assert.deepEqual(await spool.store.list(), []);
  });

  it('a socket file left by an agent that died is replaced', async () => {
    await spool.close();
    await appendFile(socketPath, ''); // a stale file where the socket was
    spool = await startRecordingSpool({ socketPath, spoolDir });
    const r = recorder(socketPath);
    assert.equal(await r.client.start(2000), true);
    r.client.close();
  });
});
