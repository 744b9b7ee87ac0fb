/**
 * A target that records: a real sshd trusting a test CA, a test user whose certificate carries
 * `force-command=<node> agent/bin/latchkey-agent-record.js` (as Latchkey's access server issues them,
 * with the state dir passed in the command), the agent's spool running in this process (root), the
 * recording settings with a fresh auditor key, and ExposeAuthInfo so the recorder reads the key id.
 */
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  encodeAuditorKey,
  generateHpkeKeyPair,
  readSessionLog,
  type SessionLogContents,
} from '@latchkey/shared';
import {
  formatRecordingSettings,
  type RecordingMode,
} from '../../../agent/src/domain/recording/recording-settings.js';
import { startRecordingSpool, type RecordingSpool } from '../../../agent/src/spool/index.js';
import {
  createTempDir,
  createTestUser,
  generateKeyWithSshKeygen,
  makeTraversableForOthers,
  registerCleanup,
  removeTestUser,
  signWithSshKeygen,
  startSshd,
  type RunningSshd,
  type TempDir,
  type TestUser,
} from '../../harness/index.js';

export const RECORDER_BIN = fileURLToPath(
  new URL('../../../agent/bin/latchkey-agent-record.js', import.meta.url),
);
export const SESSION_ID = '6f9d0c1e-3b7a-4c55-9e0d-2a1b3c4d5e6f';
export const KEY_ID = `alice@example.com session=${SESSION_ID}`;

export interface RecordingTarget {
  readonly sshd: RunningSshd;
  readonly user: TestUser;
  readonly client: TempDir;
  readonly identityFile: string;
  readonly certificateFile: string;
  readonly auditorPrivateKey: Uint8Array;
  /** World-readable dir of recording.json (the agent's state dir). */
  readonly stateDir: string;
  readonly socketPath: string;
  spool: RecordingSpool | null;
  readonly spoolDir: string;
  writeSettings(mode: RecordingMode, socketPath?: string): Promise<void>;
  startSpool(): Promise<RecordingSpool>;
  /** Every log in the spool, decrypted. */
  logs(): Promise<{ logId: string; status: string; log: SessionLogContents }[]>;
  stop(): Promise<void>;
}

export async function startRecordingTarget(): Promise<RecordingTarget> {
  // sshd runs the recorder from this checkout as the test user.
  await makeTraversableForOthers(RECORDER_BIN);
  // Readable by the test user: the state dir and the socket's dir (0755), not the spool (0700).
  const base = await mkdtemp(path.join(tmpdir(), 'latchkey-recording-'));
  registerCleanup(`recording dir ${base}`, () => rm(base, { recursive: true, force: true }));
  await chmod(base, 0o755);
  const stateDir = path.join(base, 'state');
  const socketPath = path.join(base, 'run', 'record.sock');
  const spoolDir = path.join(base, 'spool');
  await mkdir(stateDir, { mode: 0o755 });

  const auditor = generateHpkeKeyPair();
  const client = await createTempDir('recording-client');
  const ca = await generateKeyWithSshKeygen(client.file('ca'));
  const userKey = await generateKeyWithSshKeygen(client.file('id_ed25519'));
  const user = await createTestUser();
  await writeFile(path.join(user.home, '.bashrc'), "PS1='[lk-prompt] '\n");
  await writeFile(path.join(user.home, '.profile'), 'if [ -f ~/.bashrc ]; then . ~/.bashrc; fi\n');
  await chown(path.join(user.home, '.bashrc'), user.uid, user.gid);
  await chown(path.join(user.home, '.profile'), user.uid, user.gid);

  const forceCommand = `LATCHKEY_AGENT_STATE_DIR=${stateDir} ${process.execPath} ${RECORDER_BIN}`;
  const { certificatePath } = await signWithSshKeygen({
    caPrivateKeyPath: ca.privateKeyPath,
    publicKeyPath: userKey.publicKeyPath,
    keyId: KEY_ID,
    principals: [user.name],
    validity: '-1m:+1h',
    options: [`force-command=${forceCommand}`],
  });
  const caFile = client.file('ca.pub');
  const sshd = await startSshd({ settings: { TrustedUserCAKeys: caFile, ExposeAuthInfo: 'yes' } });

  const target: RecordingTarget = {
    sshd,
    user,
    client,
    identityFile: userKey.privateKeyPath,
    certificateFile: certificatePath,
    auditorPrivateKey: auditor.privateKey,
    stateDir,
    socketPath,
    spool: null,
    spoolDir,
    async writeSettings(mode, socket = socketPath) {
      await writeFile(
        path.join(stateDir, 'recording.json'),
        formatRecordingSettings({
          auditorPublicKeyBase64: encodeAuditorKey(auditor.publicKey),
          mode,
          targetId: 'target-1',
          targetHostname: 'web-1.example.com',
          spoolSocket: socket,
        }),
        { mode: 0o644 },
      );
    },
    async startSpool() {
      target.spool = await startRecordingSpool({ socketPath, spoolDir });
      return target.spool;
    },
    async logs() {
      const store = target.spool!.store;
      const out = [];
      for (const state of await store.list()) {
        out.push({
          logId: state.log_id,
          status: state.status,
          log: readSessionLog(await store.readLog(state.log_id), auditor.privateKey),
        });
      }
      return out;
    },
    async stop() {
      await sshd.stop();
      await target.spool?.close();
      await removeTestUser(user);
      await client.remove();
      await rm(base, { recursive: true, force: true });
    },
  };
  await target.writeSettings('best-effort');
  await target.startSpool();
  return target;
}

/** The ssh arguments for this target (no command, no -tt). */
export function sshArgs(target: RecordingTarget, knownHostsFile: string): string[] {
  return sshClientArgs({
    identityFile: target.identityFile,
    certificateFile: target.certificateFile,
    knownHostsFile,
    port: target.sshd.port,
    user: target.user.name,
  });
}

/**
 * The ssh client's arguments (no host, command or -tt) for a private sshd: no config file, no agent, only
 * the given key (and certificate, if given), the server's host key checked against `knownHostsFile`.
 */
export function sshClientArgs(client: {
  identityFile: string;
  certificateFile?: string;
  knownHostsFile: string;
  port: number;
  user: string;
}): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    `IdentityFile=${client.identityFile}`,
    ...(client.certificateFile === undefined ? [] : ['-o', `CertificateFile=${client.certificateFile}`]),
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${client.knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'ControlPath=none',
    '-p',
    String(client.port),
    '-l',
    client.user,
  ];
}

export async function writeKnownHosts(target: RecordingTarget): Promise<string> {
  const file = target.client.file('known_hosts');
  await writeFile(file, target.sshd.knownHostsLine() + '\n');
  return file;
}
