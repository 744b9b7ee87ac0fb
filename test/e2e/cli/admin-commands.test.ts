/**
 * `latchkey admin …` against a real latchkey-server process, run as a person would (the real `latchkey`
 * executable): targets added, listed and removed; a join token made (its secret and the install line); an
 * agent enrolled with it through the API listed with its heartbeat; the live sessions an agent's front
 * reports listed (escaped for the terminal) and one ended; the audit log shows target.create; what an
 * agent reports and what was recorded in the audit log reach the terminal escaped, table and JSON; a
 * token without the permission is refused with a message naming it; bad input is refused before the
 * server is asked.
 */
import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { findFreePort } from '../../harness/network.js';
import { createTempDir, type TempDir } from '../../harness/temp-dir.js';
import { createApiToken, startServerProcess, type ServerProcess } from '../server/server-process.js';
import { makeCliHome, runLatchkey, type CliHome } from './latchkey-cli.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('e2e: latchkey admin against a real server', function () {
  this.timeout(240_000);
  let dir: TempDir;
  let server: ServerProcess;
  let cli: CliHome;
  let editToken: string;
  let readToken: string;
  let auditToken: string;

  const createToken = (permission: string) => createApiToken(dir.file('server'), permission);

  /** `latchkey admin ARGS` with this API token in LATCHKEY_API_TOKEN. */
  function admin(token: string, args: string[]) {
    return runLatchkey(cli, ['admin', ...args], { env: { LATCHKEY_API_TOKEN: token } });
  }

  /**
   * Enrols an agent with this join token as install.sh would; with `target`, registers that target as the
   * agent service does on start (unless the agent already has one by that hostname). Its credential.
   */
  async function enrolAgent(
    secret: string,
    hostname: string,
    target?: { hostname: string; ip: string },
  ): Promise<{ api_token: string; account_id: string; agent_id: string }> {
    const enrolled = await fetch(`${server.url}/v1/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        join_token: secret,
        hostname,
        agent: { version: '0.1.0', distro: 'debian 12' },
      }),
    });
    assert.equal(enrolled.status, 200, await enrolled.clone().text());
    const credential = ((await enrolled.json()) as { result: Awaited<ReturnType<typeof enrolAgent>> }).result;
    if (target !== undefined) {
      const targets = `${server.url}/v1/agents/client/v4/accounts/${credential.account_id}/infrastructure/targets`;
      const auth = { authorization: `Bearer ${credential.api_token}` };
      const existing = await fetch(`${targets}?hostname=${target.hostname}`, { headers: auth });
      if (((await existing.json()) as { result: unknown[] }).result.length === 0) {
        const registered = await fetch(targets, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ hostname: target.hostname, ip: { ipv4: { ip_addr: target.ip } } }),
        });
        assert.equal(registered.status, 200, await registered.clone().text());
      }
    }
    return credential;
  }

  /** One heartbeat with this agent credential: the HTTP status (and the body when it is not 200). */
  async function heartbeat(token: string, report: Record<string, unknown>): Promise<number> {
    const beat = await fetch(`${server.url}/v1/agents/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        version: '0.1.0',
        distro: 'debian 12',
        sshd_config: { state: 'trusted' },
        ...report,
      }),
    });
    if (beat.status !== 200 && beat.status !== 401)
      assert.fail(`heartbeat: ${beat.status} ${await beat.text()}`);
    return beat.status;
  }

  before(async () => {
    dir = await createTempDir('admin-commands');
    const port = await findFreePort('127.0.0.1');
    server = await startServerProcess(['--data-dir', dir.file('server'), '--listen', `127.0.0.1:${port}`]);
    cli = await makeCliHome(dir.file('admin'), server.url);
    editToken = await createToken('Zero Trust: Edit');
    readToken = await createToken('Zero Trust: Read');
    auditToken = await createToken('Audit Logs: Read');
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  it('adds a target, lists it (table and JSON), and removes it by hostname and by id', async () => {
    const added = await admin(editToken, [
      'targets',
      'add',
      'web-1',
      '--ip',
      '10.0.0.5',
      '--ip',
      '2001:db8::5',
    ]);
    assert.equal(added.code, 0, added.stderr);
    const id = UUID.exec(added.stdout)?.[0];
    assert.ok(id, added.stdout);
    assert.match(added.stdout, /^Added target web-1 \(/);

    const taken = await admin(editToken, ['targets', 'add', 'web-1b', '--ip', '10.0.0.5']);
    assert.equal(taken.code, 1, taken.stderr);
    assert.match(
      taken.stderr,
      /^latchkey: .* a target with ip 10\.0\.0\.5 in virtual network \S+ already exists\n$/,
    );

    const listed = await admin(readToken, ['targets']);
    assert.equal(listed.code, 0, listed.stderr);
    const [heading, ...rows] = listed.stdout.trimEnd().split('\n');
    assert.match(heading!, /^ID +HOSTNAME +IPV4 +IPV6 +VIRTUAL NETWORK$/);
    assert.equal(rows.length, 1, listed.stdout);
    assert.match(rows[0]!, new RegExp(`^${id} +web-1 +10\\.0\\.0\\.5 +2001:db8::5 +default$`));

    const json = await admin(readToken, ['targets', '--hostname', 'web-1', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const targets = JSON.parse(json.stdout) as { id: string; ip: { ipv4: { ip_addr: string } } }[];
    assert.deepEqual(
      targets.map((t) => [t.id, t.ip.ipv4.ip_addr]),
      [[id, '10.0.0.5']],
    );
    const none = await admin(readToken, ['targets', 'list', '--hostname', 'nothing-here']);
    assert.equal(none.stdout, 'No targets.\n');

    const removed = await admin(editToken, ['targets', 'remove', 'web-1']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, `Removed target web-1 (${id}).\n`);
    assert.equal((await admin(readToken, ['targets'])).stdout, 'No targets.\n');

    const again = await admin(editToken, ['targets', 'add', 'web-2', '--ip', '10.0.0.6', '--json']);
    const second = (JSON.parse(again.stdout) as { id: string }).id;
    const byId = await admin(editToken, ['targets', 'remove', second]);
    assert.equal(byId.code, 0, byId.stderr);
    const gone = await admin(editToken, ['targets', 'remove', second]);
    assert.equal(gone.code, 6, gone.stderr);
    assert.match(gone.stderr, /^latchkey: no target has the id .*latchkey admin targets/);
  });

  it('refuses bad input with one clear line and a usage exit, before asking the server', async () => {
    const badIp = await admin(editToken, ['targets', 'add', 'web-3', '--ip', '10.0.0.300']);
    assert.equal(badIp.code, 2);
    assert.equal(
      badIp.stderr,
      'latchkey: --ip "10.0.0.300" is not an IP address (IPv4 like 10.0.0.5, or IPv6 like 2001:db8::5)\n',
    );
    const badName = await admin(editToken, ['targets', 'add', 'web 3', '--ip', '10.0.0.7']);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /^latchkey: the hostname "web 3" contains " "/);
    const unknown = await admin(editToken, ['targets', 'remove', 'no-such-host']);
    assert.equal(unknown.code, 6);
    assert.match(unknown.stderr, /^latchkey: no target is named no-such-host/);
    const vnet = await admin(editToken, ['targets', 'add', 'web-3', '--ip', '10.0.0.7', '--vnet', 'nowhere']);
    assert.equal(vnet.code, 6);
    assert.match(vnet.stderr, /no virtual network is named "nowhere"/);
    const uses = await admin(editToken, ['join-token', 'create', '--uses', '0']);
    assert.equal(uses.code, 2);
    assert.match(uses.stderr, /--uses must be a whole number from 1 to 100000/);
    const noToken = await runLatchkey(cli, ['admin', 'agents']);
    assert.equal(noToken.code, 3);
    assert.match(
      noToken.stderr,
      /"Zero Trust: Read" is needed: set LATCHKEY_API_TOKEN.*latchkey-server token create --permission "Zero Trust: Read"/,
    );
  });

  it('refuses a token without the permission, naming it and how to make one', async () => {
    const denied = await admin(readToken, ['targets', 'add', 'web-4', '--ip', '10.0.0.8']);
    assert.equal(denied.code, 4, denied.stderr);
    assert.match(denied.stderr, /lacks the permission "Zero Trust: Edit"/);
    assert.match(denied.stderr, /latchkey-server token create --permission "Zero Trust: Edit"/);
    assert.equal(denied.stderr.trimEnd().split('\n').length, 1, denied.stderr);
    const audit = await admin(readToken, ['audit']);
    assert.equal(audit.code, 4, audit.stderr);
    assert.match(audit.stderr, /"Audit Logs: Read"/);
    const agents = await admin(auditToken, ['agents']);
    assert.equal(agents.code, 4, agents.stderr);
    assert.match(agents.stderr, /"Zero Trust: Read"/);
  });

  it('makes a join token: the secret on stdout once, the install line on stderr; an agent enrols and is listed', async () => {
    const made = await admin(editToken, [
      'join-token',
      'create',
      '--name',
      'web servers',
      '--uses',
      '2',
      '--expires',
      '2h',
    ]);
    assert.equal(made.code, 0, made.stderr);
    const secret = made.stdout.trim();
    assert.match(secret, /^\S{16,}$/);
    assert.match(made.stderr, /join token \S+ \(web servers\): 2 use\(s\), expires /);
    // The line pins the package the server serves (its sha256, as the server states it), when it has one.
    const served = await fetch(`${server.url}/downloads/latchkey-agent-linux-x64.tar.gz.sha256`);
    const pin = served.status === 200 ? ` --sha256 ${(await served.text()).split(' ')[0]}` : '';
    if (served.status !== 200)
      assert.match(made.stderr, /serves no agent package yet, so the line pins none/);
    assert.ok(
      made.stderr.includes(
        `  curl -fsSL ${server.url}/install.sh | sudo bash -s -- --token ${secret}${pin}\n`,
      ),
      made.stderr,
    );

    assert.match((await admin(readToken, ['agents'])).stdout, /^No agents enrolled/);

    // An agent enrols with the token (as install.sh would), registers its target and sends a heartbeat.
    const credential = await enrolAgent(secret, 'db-1', { hostname: 'db-1.internal', ip: '10.0.1.9' });
    assert.equal(
      await heartbeat(credential.api_token, {
        recording: { recorder_command: 'latchkey-agent record', mode: 'strict' },
      }),
      200,
    );

    const listed = await admin(readToken, ['agents']);
    assert.equal(listed.code, 0, listed.stderr);
    const [heading, row, ...rest] = listed.stdout.trimEnd().split('\n');
    assert.match(heading!, /^HOSTNAME +TARGET +VERSION +SSHD CONFIG +RECORDING +LAST SEEN +BREAK-GLASS$/);
    assert.match(
      row!,
      /^db-1 +db-1\.internal +0\.1\.0 +trusted +strict \(latchkey-agent record\) +\d+s ago +-$/,
    );
    assert.equal(rest.length, 0);
    const json = JSON.parse((await admin(readToken, ['agents', '--json'])).stdout) as { hostname: string }[];
    assert.deepEqual(
      json.map((agent) => agent.hostname),
      ['db-1'],
    );
  });

  it("lists the sessions an agent's front reports, escaped for the terminal, and ends one", async () => {
    const made = await admin(editToken, ['join-token', 'create', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const secret = (JSON.parse(made.stdout) as { token: string }).token;
    const credential = await enrolAgent(secret, 'app-1', { hostname: 'app-1.internal', ip: '10.0.77.10' });
    const agent = { 'content-type': 'application/json', authorization: `Bearer ${credential.api_token}` };
    // What a compromised agent might report: escape sequences that would retitle, hide and rewrite (in
    // lowercase: the server keeps people's emails in lowercase).
    const hostile = '\x1b]0;owned\x07\x1b[8m\r\u202e';
    const beat = await fetch(`${server.url}/v1/agents/heartbeat`, {
      method: 'POST',
      headers: agent,
      body: JSON.stringify({
        version: '0.1.0',
        distro: 'debian 12',
        sshd_config: { state: 'trusted' },
        front: { port: 2201, host_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey() },
        sessions: [
          {
            session_id: 'sess-1',
            person: 'alice@example.com',
            unix_user: 'deploy',
            program: 'shell',
            started_at: new Date(Date.now() - 120_000).toISOString(),
            client_address: '192.0.2.7',
          },
          {
            session_id: 'sess-2',
            person: `mallory@example.com${hostile}`,
            unix_user: 'deploy',
            program: 'exec',
            command: `uptime${hostile}`,
            started_at: new Date().toISOString(),
          },
        ],
      }),
    });
    assert.equal(beat.status, 200, await beat.text());

    const listed = await admin(readToken, ['sessions']);
    assert.equal(listed.code, 0, listed.stderr);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(listed.stdout.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f\u202e]/);
    const [heading, ...rows] = listed.stdout.trimEnd().split('\n');
    assert.match(heading!, /^SESSION +PERSON +UNIX USER +TARGET +PROGRAM +STARTED +CLIENT$/);
    assert.equal(rows.length, 2, listed.stdout);
    assert.match(rows[0]!, /^sess-1 +alice@example\.com +deploy +app-1 +shell +\d+m ago +192\.0\.2\.7$/);
    assert.ok(rows[1]!.includes('mallory@example.com\\x1b]0;owned\\x07\\x1b[8m\\r\\u202e'), rows[1]);
    assert.match(rows[1]!, /exec: uptime\\x1b/);
    const json = await admin(readToken, ['sessions', 'list', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.ok(!json.stdout.includes('\u202e') && !json.stdout.includes('\x1b'), json.stdout);
    const sessions = JSON.parse(json.stdout) as { session_id: string; person: string }[];
    assert.deepEqual(
      sessions.map((session) => session.session_id),
      ['sess-1', 'sess-2'],
    );
    assert.equal(sessions[1]!.person, `mallory@example.com${hostile}`, 'the JSON value is the reported one');

    const denied = await admin(readToken, ['sessions', 'end', 'sess-1']);
    assert.equal(denied.code, 4, denied.stderr);
    assert.match(denied.stderr, /"Zero Trust: Edit"/);
    assert.match(denied.stderr, /latchkey-server token create --permission "Zero Trust: Edit"/);
    const ended = await admin(editToken, ['sessions', 'end', 'sess-1']);
    assert.equal(ended.code, 0, ended.stderr);
    assert.equal(
      ended.stdout,
      'Ending session sess-1 of alice@example.com as deploy on app-1: its agent closes it within seconds.\n',
    );
    const unknown = await admin(editToken, ['sessions', 'end', 'sess-9']);
    assert.equal(unknown.code, 6, unknown.stderr);
    assert.match(
      unknown.stderr,
      /no live session has the id sess-9.*`latchkey admin sessions` lists the live ones/,
    );
    const bad = await admin(editToken, ['sessions', 'end', '../targets']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /is not a session id/);
  });

  it("prints an agent's report and the audit log escaped: escape sequences there act on nothing", async () => {
    // The attack (cursor up, erase the line, CR), a clipboard write, a title, an 8-bit CSI asking
    // for a report, a bidirectional override.
    const hostile = '\x1b[1A\x1b[2K\rok\x1b]52;c;aGk=\x07\x1b]0;owned\x07\u009b6n\u202e';
    const escaped = '\\x1b[1A\\x1b[2K\\rok\\x1b]52;c;aGk=\\x07\\x1b]0;owned\\x07\\x9b6n\\u202e';
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    const active = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;
    const made = await admin(editToken, ['join-token', 'create', '--name', `evil${hostile}`, '--json']);
    assert.equal(made.code, 0, made.stderr);
    assert.doesNotMatch(made.stdout, active, 'the JSON escapes them too');
    const secret = (JSON.parse(made.stdout) as { token: string }).token;
    const agentToken = (await enrolAgent(secret, 'evil-1')).api_token;
    const beat = await fetch(`${server.url}/v1/agents/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agentToken}` },
      body: JSON.stringify({
        version: `0.1.0${hostile}`,
        distro: 'debian 12',
        sshd_config: { state: 'trusted' },
        recording: {
          recorder_command: 'latchkey-agent record',
          mode: 'strict',
          break_glass: { until: new Date(Date.now() + 3_600_000).toISOString(), reason: `oops${hostile}` },
        },
      }),
    });
    assert.equal(beat.status, 200, await beat.text());

    const agents = await admin(readToken, ['agents']);
    assert.equal(agents.code, 0, agents.stderr);
    assert.doesNotMatch(agents.stdout, active, JSON.stringify(agents.stdout));
    const row = agents.stdout.split('\n').find((line) => line.startsWith('evil-1 '));
    assert.ok(row?.includes(` 0.1.0${escaped} `), agents.stdout);
    assert.ok(row?.includes(`: oops${escaped.slice(0, 40)}`), agents.stdout); // cut at 60
    const json = await admin(readToken, ['agents', '--json']);
    assert.doesNotMatch(json.stdout, active);
    const listed = JSON.parse(json.stdout) as { hostname: string; version?: string }[];
    assert.equal(listed.find((agent) => agent.hostname === 'evil-1')?.version, `0.1.0${hostile}`);

    const audit = await admin(auditToken, ['audit', '--limit', '200']);
    assert.equal(audit.code, 0, audit.stderr);
    assert.doesNotMatch(audit.stdout, active, JSON.stringify(audit.stdout));
    assert.ok(audit.stdout.includes(`evil${escaped.slice(0, 40)}`), audit.stdout);
    const auditJson = await admin(auditToken, ['audit', '--limit', '200', '--json']);
    assert.doesNotMatch(auditJson.stdout, active);
    assert.ok(auditJson.stdout.includes('evil\\u001b[1A'), 'the JSON keeps the value, escaped');
  });

  it('shows the audit log, filtered by action', async () => {
    const audit = await admin(auditToken, ['audit', '--action', 'target.create']);
    assert.equal(audit.code, 0, audit.stderr);
    const [heading, ...rows] = audit.stdout.trimEnd().split('\n');
    assert.match(heading!, /^TIME +ACTOR +ACTION +RESOURCE +SUMMARY$/);
    assert.ok(rows.length >= 2, audit.stdout);
    assert.ok(
      rows.every((row) => / target\.create +target /.test(row)),
      audit.stdout,
    );
    assert.ok(
      rows.some((row) => /\btoken:\S+ +target\.create +target \S+ +web-1$/.test(row)),
      audit.stdout,
    );
    const one = JSON.parse(
      (await admin(auditToken, ['audit', '--limit', '1', '--json'])).stdout,
    ) as unknown[];
    assert.equal(one.length, 1);
  });

  /** What `GET /client/v4/user/tokens/verify` says this token's id is. */
  async function tokenIdOf(token: string): Promise<string> {
    const answer = await fetch(`${server.url}/client/v4/user/tokens/verify`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(answer.status, 200, await answer.clone().text());
    return ((await answer.json()) as { result: { id: string } }).result.id;
  }

  it('lists API tokens without secrets, shows one, and revokes one: its next request is refused', async () => {
    const tokensToken = await createToken('Account API Tokens: Edit');
    const victim = await createToken('Zero Trust: Read');
    const victimId = await tokenIdOf(victim);

    const listed = await admin(tokensToken, ['tokens']);
    assert.equal(listed.code, 0, listed.stderr);
    const [heading, ...rows] = listed.stdout.trimEnd().split('\n');
    assert.match(heading!, /^ID +NAME +PERMISSIONS +STATUS +CREATED +EXPIRES +LAST USED$/);
    const row = rows.find((line) => line.startsWith(`${victimId} `));
    assert.match(row ?? listed.stdout, / Zero Trust: Read +active /);
    for (const secret of [victim, tokensToken, editToken, readToken]) {
      assert.ok(!listed.stdout.includes(secret), 'a token secret was printed');
    }

    const shown = await admin(tokensToken, ['tokens', 'show', victimId]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^id: +${victimId}$`, 'm'));
    assert.match(shown.stdout, /^status: +active$/m);

    // Reading is not enough to revoke; a malformed id is refused before the server is asked.
    const readOnly = await createToken('Account API Tokens: Read');
    const denied = await admin(readOnly, ['tokens', 'revoke', victimId]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Account API Tokens: Edit/);
    const malformed = await admin(tokensToken, ['tokens', 'revoke', victim]);
    assert.notEqual(malformed.code, 0);
    assert.match(malformed.stderr, /TOKEN_ID must be an API token id/);
    assert.ok(!malformed.stderr.includes(victim), 'the refusal echoed a secret');

    assert.equal((await admin(victim, ['agents'])).code, 0, 'the victim token works before the revocation');
    const revoked = await admin(tokensToken, ['tokens', 'revoke', victimId]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(
      revoked.stdout,
      new RegExp(`^Revoked API token ${victimId} \\(.*\\): its next request is refused\\.$`, 'm'),
    );
    const refused = await admin(victim, ['agents']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /401|not valid|revoked|unauthenticated/i);
    const after = JSON.parse((await admin(tokensToken, ['tokens', 'show', victimId, '--json'])).stdout) as {
      status: string;
      revoked_at?: string;
    };
    assert.equal(after.status, 'revoked');
    assert.ok(after.revoked_at !== undefined);
  });

  it("replaces an agent with a one-use token and removes agents: a removed agent's credential is refused at once", async () => {
    const enrol = (secret: string, hostname: string, targetHostname: string, ip: string) =>
      enrolAgent(secret, hostname, { hostname: targetHostname, ip });
    const beat = (token: string) => heartbeat(token, {});

    const joinSecret = (await admin(editToken, ['join-token', 'create', '--uses', '1'])).stdout.trim();
    const cache = await enrol(joinSecret, 'cache-1', 'cache-1.internal', '10.0.88.10');
    assert.equal(await beat(cache.api_token), 200);

    // Replace: a one-use token; the rebuilt host enrols with it as the same agent; the old credential dies.
    const replace = await admin(editToken, ['agents', 'replace', 'cache-1', '--expires', '2h']);
    assert.equal(replace.code, 0, replace.stderr);
    const replaceSecret = replace.stdout.trim();
    assert.match(replace.stderr, /replace token \S+ for agent cache-1 \(/);
    assert.match(replace.stderr, new RegExp(`--token ${replaceSecret}( --sha256 [0-9a-f]{64})?\n`));
    const rebuilt = await enrol(replaceSecret, 'cache-1', 'cache-1.internal', '10.0.88.10');
    assert.equal(rebuilt.agent_id, cache.agent_id, 'the replaced host is the same agent');
    assert.equal(await beat(cache.api_token), 401, "the old host's credential is revoked");
    assert.equal(await beat(rebuilt.api_token), 200);
    const tooLong = await admin(editToken, ['agents', 'replace', 'cache-1', '--expires', '8d']);
    assert.notEqual(tooLong.code, 0);
    assert.match(tooLong.stderr, /--expires for a replace token is at most 7d/);

    // Remove, keeping its target: the credential is refused at once; the target stays, without an agent.
    const removed = await admin(editToken, ['agents', 'remove', 'cache-1', '--keep-target']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stdout,
      /^Removed agent cache-1 \(\S+\): its credential is revoked; its target is kept/,
    );
    assert.equal(await beat(rebuilt.api_token), 401);
    const targets = await admin(readToken, ['targets', '--hostname', 'cache-1.internal']);
    assert.match(targets.stdout, /cache-1\.internal/);

    // Remove with its target (db-1 from the join-token test).
    const unknown = await admin(editToken, ['agents', 'remove', 'no-such-host']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no agent has the id or hostname "no-such-host"/);
    const dbRemoved = await admin(editToken, ['agents', 'remove', 'db-1']);
    assert.equal(dbRemoved.code, 0, dbRemoved.stderr);
    assert.match(dbRemoved.stdout, /its credential is revoked and its target deleted/);
    const gone = await admin(readToken, ['targets', '--hostname', 'db-1.internal']);
    assert.doesNotMatch(gone.stdout, /db-1\.internal/);
    const audit = await admin(auditToken, ['audit', '--action', 'agent.delete']);
    assert.equal(audit.stdout.trimEnd().split('\n').length, 3, audit.stdout);
  });

  it('shows and moves the rotation of the SSH CA; refusals say why', async () => {
    const caToken = await createToken('Access: SSH Auditing: Edit');
    const accounts = await fetch(`${server.url}/client/v4/accounts`, {
      headers: { authorization: `Bearer ${caToken}` },
    });
    const accountId = ((await accounts.json()) as { result: { id: string }[] }).result[0]!.id;
    const made = await fetch(`${server.url}/client/v4/accounts/${accountId}/access/gateway_ca`, {
      method: 'POST',
      headers: { authorization: `Bearer ${caToken}` },
    });
    assert.ok(made.status === 200 || made.status === 409, await made.text());

    const standby = await admin(caToken, ['ca-rotation']);
    assert.equal(standby.code, 0, standby.stderr);
    assert.match(standby.stdout, /^phase: +standby$/m);
    assert.match(standby.stdout, /^current CA: +\S+ ssh-ed25519 AAAA/m);
    assert.match(standby.stdout, /No rotation under way/);

    const started = await admin(caToken, ['ca-rotation', 'start']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^phase: +init$/m);
    assert.match(started.stdout, /^next CA: +\S+ ssh-ed25519 AAAA/m);

    // An agent heard from lately that reports one CA key holds the switch up, unless forced.
    const joinSecret = (await admin(editToken, ['join-token', 'create'])).stdout.trim();
    const agentToken = (await enrolAgent(joinSecret, 'old-ca-1')).api_token;
    assert.equal(await heartbeat(agentToken, { sshd_config: { state: 'trusted', ca_keys: 1 } }), 200);
    const held = await admin(caToken, ['ca-rotation', 'switch']);
    assert.notEqual(held.code, 0);
    assert.match(held.stderr, /do not trust the next CA yet \(.*old-ca-1/);
    const forced = await admin(caToken, ['ca-rotation', 'switch', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^phase: +update_clients$/m);
    assert.match(forced.stdout, /^completable: +from \S+Z$/m);

    const tooSoon = await admin(caToken, ['ca-rotation', 'complete']);
    assert.notEqual(tooSoon.code, 0);
    assert.match(tooSoon.stderr, /may be valid until \S+Z/);
    const cancel = await admin(caToken, ['ca-rotation', 'cancel']);
    assert.match(cancel.stderr, /can cancel only in phase init; it is in update_clients/);

    const denied = await admin(readToken, ['ca-rotation']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Access: SSH Auditing: Read/);
  });
});
