/**
 * `latchkey logs list` and `logs download` against a real latchkey-server process: logs uploaded through
 * the agent upload API by an agent enrolled through the API, read back by an auditor whose API token holds
 * only "Access: SSH Auditing: Read"; a token without it is refused clearly.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { hpkePublicKeyFor, parseAuditorKey, type SshLog } from '@latchkey/shared';
import { findFreePort } from '../../harness/network.js';
import { runCommand } from '../../harness/run-command.js';
import { createTempDir, type TempDir } from '../../harness/temp-dir.js';
import { generateSshKeyPair } from '@latchkey/shared';
import { postJson, signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import {
  api,
  createApiToken,
  runServerCommand,
  startServerProcess,
  type ServerProcess,
} from '../server/server-process.js';
import { LATCHKEY_BIN, makeCliHome, type CliHome } from './latchkey-cli.js';
import { execLog, ptyLog } from './logs-fixtures.js';

describe('e2e: latchkey logs list and download against a real server', function () {
  this.timeout(240_000);
  let dir: TempDir;
  let server: ServerProcess;
  let cli: CliHome;
  let auditorToken: string;
  let otherToken: string;
  const uploaded = new Map<string, Buffer>();

  const createToken = (permission: string) => createApiToken(dir.file('server'), permission);

  before(async () => {
    dir = await createTempDir('logs-server');
    const port = await findFreePort('127.0.0.1');
    server = await startServerProcess(['--data-dir', dir.file('server'), '--listen', `127.0.0.1:${port}`]);
    const admin = (await readFile(dir.file('server/admin.token'), 'utf8')).trim();
    cli = await makeCliHome(dir.file('auditor'), server.url);

    // The auditor makes a key pair; an admin makes its public half the account's session-log key.
    const made = await latchkey(['logs', 'keygen', '-o', dir.file('auditor/sshkey')]);
    assert.equal(made.code, 0, made.stderr);
    const publicKeyText = await readFile(dir.file('auditor/sshkey.pub'), 'utf8');
    const accounts = await api(server, 'GET', '/client/v4/accounts', admin);
    const base = `/client/v4/accounts/${accounts.body.result[0].id}`;
    const put = await api(server, 'PUT', `${base}/gateway/audit_ssh_settings`, admin, {
      public_key: publicKeyText,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));

    // An agent enrols and uploads two sessions' logs, sealed to that key.
    const join = await api(server, 'POST', `${base}/latchkey/join_tokens`, admin, { name: 'web-1' });
    assert.equal(join.status, 200, JSON.stringify(join.body));
    const enrolled = await fetch(`${server.url}/v1/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        join_token: join.body.result.token,
        hostname: 'web-1',
        agent: { version: '0.1.0', distro: 'debian 12' },
      }),
    });
    assert.equal(enrolled.status, 200);
    const agentToken = ((await enrolled.json()) as { result: { api_token: string } }).result.api_token;
    // The agent registers its target, and ada and bob get certificates for it: an upload is indexed from
    // what the server issued (the session id names a certificate for this agent's target).
    const registered = await fetch(
      `${server.url}/v1/agents/client/v4/accounts/${accounts.body.result[0].id}/infrastructure/targets`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ hostname: 'web-1', ip: { ipv4: { ip_addr: '10.1.0.1' } } }),
      },
    );
    assert.equal(registered.status, 200, await registered.clone().text());
    const targetId = ((await registered.json()) as { result: { id: string } }).result.id;
    assert.equal((await api(server, 'POST', `${base}/access/gateway_ca`, admin)).status, 200);
    const app = await api(server, 'POST', `${base}/access/apps`, admin, {
      name: 'web-1 over ssh',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['web-1'] }, port: 22, protocol: 'SSH' }],
      policies: [
        {
          name: 'people',
          decision: 'allow',
          include: [{ email_domain: { domain: 'example.com' } }],
          connection_rules: { ssh: { usernames: ['ada', 'bob'] } },
        },
      ],
    });
    assert.equal(app.status, 200, JSON.stringify(app.body));
    const issuedSession = async (email: string): Promise<string> => {
      const added = await runServerCommand(
        ['user', 'add', email, '--data-dir', dir.file('server')],
        30_000,
        `${email} long password\n`,
      );
      assert.equal(added.code, 0, added.stderr);
      const tokens = await signInBuiltIn(server.url, email, `${email} long password`);
      const issued = await postJson(server.url, '/v1/me/certificates', tokens.access_token, {
        target_id: targetId,
        username: email.split('@')[0],
        public_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey(),
      });
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      return issued.body.result.session_id as string;
    };
    const sessionIds = {
      'ada@example.com': await issuedSession('ada@example.com'),
      'bob@example.com': await issuedSession('bob@example.com'),
    };
    const privateKey = parseAuditorKey(await readFile(dir.file('auditor/sshkey'), 'utf8'));
    const keys = { privateKey, publicKey: hpkePublicKeyFor(privateKey) };
    const sessions = [
      {
        id: 'sess-0001.20261124T215822Z.aa',
        file: ptyLog(keys),
        user: 'ada@example.com',
        pty: true,
        start: 10,
      },
      {
        id: 'sess-0002.20261124T225822Z.bb',
        file: execLog(keys),
        user: 'bob@example.com',
        pty: false,
        start: 11,
      },
    ];
    for (const session of sessions) {
      uploaded.set(session.id, session.file);
      const metadata = {
        session_id: sessionIds[session.user as keyof typeof sessionIds],
        user_email: session.user,
        username: session.user.split('@')[0],
        target_id: targetId,
        target_hostname: 'web-1',
        pty: session.pty,
        program_type: session.pty ? 'shell' : 'exec',
        ...(session.pty ? {} : { command: 'cat > notes' }),
        session_start_datetime: new Date(Date.UTC(2026, 10, 24, session.start)).toISOString(),
        session_finish_datetime: new Date(Date.UTC(2026, 10, 24, session.start, 3, 4)).toISOString(),
        status: 'complete',
      };
      const answer = await fetch(`${server.url}/v1/agents/ssh_logs/${session.id}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${agentToken}`,
          'content-type': 'application/octet-stream',
          'content-digest': `sha-256=:${createHash('sha256').update(session.file).digest('base64')}:`,
          'latchkey-log-metadata': Buffer.from(JSON.stringify(metadata)).toString('base64url'),
        },
        body: session.file,
      });
      assert.equal(answer.status, 200, await answer.text());
    }
    auditorToken = await createToken('Access: SSH Auditing: Read');
    otherToken = await createToken('Zero Trust: Read');
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  function latchkey(args: string[], env: NodeJS.ProcessEnv = {}) {
    return runCommand(process.execPath, [LATCHKEY_BIN, ...args], {
      env: { ...cli.env, ...env },
      cwd: dir.file('auditor'),
      timeoutMs: 60_000,
    });
  }

  it('lists the logs, newest first, as a table and as JSON, with filters', async () => {
    const table = await latchkey(['logs', 'list'], { LATCHKEY_API_TOKEN: auditorToken });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(
      lines[0]!,
      /^LOG ID\s+STARTED \(UTC\)\s+DURATION\s+USER\s+AS\s+TARGET\s+PROGRAM\s+STATUS\s+SIZE$/,
    );
    assert.match(
      lines[1]!,
      /^sess-0002\.20261124T225822Z\.bb\s+2026-11-24 11:00:00\s+3m04s\s+bob@example\.com\s+bob\s+web-1\s+exec cat > notes\s+complete\s+\d+ B$/,
    );
    assert.match(
      lines[2]!,
      /^sess-0001\.20261124T215822Z\.aa\s+2026-11-24 10:00:00\s+3m04s\s+ada@example\.com\s+ada\s+web-1\s+shell\s+complete\s+[\d.]+ KiB$/,
    );
    assert.equal(lines.length, 3);

    const json = await latchkey([
      'logs',
      'list',
      '--json',
      '--user',
      'ada@example.com',
      '--api-token',
      auditorToken,
    ]);
    assert.equal(json.code, 0, json.stderr);
    const logs = JSON.parse(json.stdout) as SshLog[];
    assert.deepEqual(
      logs.map((log) => [log.id, log.size_bytes]),
      [['sess-0001.20261124T215822Z.aa', uploaded.get('sess-0001.20261124T215822Z.aa')!.length]],
    );
    const since = await latchkey(['logs', 'list', '--json', '--since', '2026-11-24T10:30:00Z'], {
      LATCHKEY_API_TOKEN: auditorToken,
    });
    assert.deepEqual(
      (JSON.parse(since.stdout) as SshLog[]).map((log) => log.id),
      ['sess-0002.20261124T225822Z.bb'],
    );
  });

  it('downloads a log (0600, the exact bytes) that decrypts as verified', async () => {
    const id = 'sess-0001.20261124T215822Z.aa';
    const result = await latchkey(['logs', 'download', id], { LATCHKEY_API_TOKEN: auditorToken });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`Wrote ${id.replaceAll('.', '\\.')}\\.sshlog .*sha256 checked`));
    const path = dir.file(`auditor/${id}.sshlog`);
    assert.ok((await readFile(path)).equals(uploaded.get(id)!));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.ok(!(await readdir(dir.file('auditor'))).some((name) => name.endsWith('.tmp')));

    const verified = await latchkey(['logs', 'verify', '-i', path, '-k', 'sshkey']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /^verdict: verified\n/);
  });

  it('refuses clearly: a token without SSH Auditing Read, no token, an unknown log', async () => {
    for (const args of [
      ['logs', 'list'],
      ['logs', 'download', 'sess-0001.20261124T215822Z.aa', '-o', 'x.sshlog'],
    ]) {
      const denied = await latchkey(args, { LATCHKEY_API_TOKEN: otherToken });
      assert.equal(denied.code, 4, denied.stderr);
      assert.match(denied.stderr, /^latchkey: .*refused GET .*Access: SSH Auditing: Read/);
      assert.doesNotMatch(denied.stderr, /\n\s+at /);
    }
    assert.ok(!(await readdir(dir.file('auditor'))).includes('x.sshlog'));

    const none = await latchkey(['logs', 'list']);
    assert.equal(none.code, 3, none.stderr);
    assert.match(
      none.stderr,
      /^latchkey: an API token with the permission "Access: SSH Auditing: Read" is needed/,
    );

    const unknown = await latchkey(['logs', 'download', 'no-such-log'], { LATCHKEY_API_TOKEN: auditorToken });
    assert.equal(unknown.code, 6, unknown.stderr);
    assert.match(unknown.stderr, /^latchkey: .*refused GET .*no-such-log/);
  });
});
