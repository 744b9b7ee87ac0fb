// The signed-in person's targets and certificates over real HTTP: policy decides the usernames, a
// certificate says exactly what policy allowed, denials say why without leaking, all of it audited.
import assert from 'node:assert/strict';
import {
  TARGET_BINDING_OPTION,
  generateSshKeyPair,
  parseCertificate,
  parseSshPublicKey,
  verifyCertificateSignature,
} from '@latchkey/shared';
import { startTestServer } from '../../../server/support/test-server.js';
import type { Json, TestServer } from '../../../server/support/test-server.js';
import { getJson, postJson, signInBuiltIn } from '../../../server/sign-in/sign-in-client.js';

describe('sign-in: /v1/me/targets and /v1/me/certificates', () => {
  let server: TestServer;
  let caPublicKey: string;
  const ids: Record<string, string> = {};
  let ada: string;
  let bob: string;
  const publicKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();

  async function admin(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Json> {
    const answer = await server.call(method, `${server.base}${path}`, body === undefined ? {} : { body });
    assert.ok(answer.status < 300, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  }

  const certificate = (token: string, body: Record<string, unknown>) =>
    postJson(server.url, '/v1/me/certificates', token, { public_key: publicKey, ...body });

  before(async () => {
    server = await startTestServer({ listen: true });
    caPublicKey = (await admin('POST', '/access/gateway_ca')).public_key;
    for (const [hostname, ip] of [
      ['web-1', '10.0.0.1'],
      ['db-1', '10.0.0.2'],
      ['Bastion', '10.0.0.3'],
      ['hidden', '10.0.0.4'],
    ] as const) {
      ids[hostname] = (
        await admin('POST', '/infrastructure/targets', { hostname, ip: { ipv4: { ip_addr: ip } } })
      ).id;
    }
    const opsGroup = await admin('POST', '/access/groups', {
      name: 'ops',
      include: [{ email: { email: 'nobody@example.com' } }],
    });
    await admin('POST', '/access/apps', {
      name: 'web and db',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['web-1', 'db-1'] }, port: 22, protocol: 'SSH' }],
      policies: [
        {
          name: 'everyone at example.com as deploy',
          decision: 'allow',
          include: [{ email_domain: { domain: 'example.com' } }],
          exclude: [{ email: { email: 'mallory@example.com' } }],
          connection_rules: { ssh: { usernames: ['deploy'], allow_email_alias: true } },
        },
        {
          name: 'ops as root, with forwarding',
          decision: 'allow',
          include: [{ group: { id: opsGroup.id } }],
          connection_rules: {
            ssh: { usernames: ['root'], allow_agent_forwarding: true, allow_port_forwarding: true },
          },
        },
      ],
    });
    await admin('POST', '/access/apps', {
      name: 'bastion on 2222 for ops',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['bastion'] }, port: 2222, protocol: 'SSH' }],
      policies: [
        {
          name: 'ops only',
          decision: 'allow',
          include: [{ group: { id: opsGroup.id } }],
          connection_rules: { ssh: { usernames: ['jump'] } },
        },
      ],
    });
    await server.addUser('ada@example.com', 'ada password', ['ops']);
    await server.addUser('bob@example.com', 'bob password');
    await server.addUser('mallory@example.com', 'mallory password', ['ops']);
    await server.addUser('eve@elsewhere.org', 'eve password');
    ada = (await signInBuiltIn(server.url, 'ada@example.com', 'ada password')).access_token;
    bob = (await signInBuiltIn(server.url, 'bob@example.com', 'bob password')).access_token;
  });
  after(async () => server.close());

  it('lists the reachable targets with port, network and the usernames policy grants', async () => {
    const answer = await getJson(server.url, '/v1/me/targets', ada);
    assert.equal(answer.status, 200);
    const network = await server.defaultNetworkId();
    assert.deepEqual(
      answer.body.result.map((t: Json) => [
        t.hostname,
        t.ip.ipv4.ip_addr,
        t.port,
        t.virtual_network,
        t.usernames,
      ]),
      [
        ['Bastion', '10.0.0.3', 2222, { id: network, name: 'default' }, ['jump']],
        ['db-1', '10.0.0.2', 22, { id: network, name: 'default' }, ['ada', 'deploy', 'root']],
        ['web-1', '10.0.0.1', 22, { id: network, name: 'default' }, ['ada', 'deploy', 'root']],
      ],
    );
    const bobs = await getJson(server.url, '/v1/me/targets', bob);
    assert.deepEqual(
      bobs.body.result.map((t: Json) => [t.hostname, t.usernames]),
      [
        ['db-1', ['bob', 'deploy']],
        ['web-1', ['bob', 'deploy']],
      ],
    );
    const eve = (await signInBuiltIn(server.url, 'eve@elsewhere.org', 'eve password')).access_token;
    assert.deepEqual((await getJson(server.url, '/v1/me/targets', eve)).body.result, []);
    const mallory = (await signInBuiltIn(server.url, 'mallory@example.com', 'mallory password')).access_token;
    assert.deepEqual(
      (await getJson(server.url, '/v1/me/targets', mallory)).body.result.map((t: Json) => [
        t.hostname,
        t.usernames,
      ]),
      [
        ['Bastion', ['jump']],
        ['db-1', ['root']],
        ['web-1', ['root']],
      ],
      'excluded from the example.com policy, still in ops',
    );
  });

  it('signs a certificate that says exactly what policy allowed, signed by the account CA', async () => {
    const before = Date.now();
    const answer = await certificate(bob, { target_id: ids['web-1'], username: 'deploy' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const issued = answer.body.result;
    const cert = parseCertificate(issued.certificate);
    assert.ok(verifyCertificateSignature(cert));
    assert.equal(cert.signatureKey.fingerprint(), parseSshPublicKey(caPublicKey).fingerprint());
    assert.equal(cert.subjectKey.fingerprint(), parseSshPublicKey(publicKey).fingerprint());
    assert.equal(cert.type, 'user');
    assert.deepEqual(cert.principals, ['deploy']);
    assert.equal(cert.keyId, `bob@example.com session=${issued.session_id}`);
    assert.equal(issued.key_id, cert.keyId);
    assert.equal(issued.serial, cert.serial.toString());
    assert.deepEqual(Object.keys(cert.extensions), ['permit-pty']);
    assert.deepEqual(cert.criticalOptions, {}, 'no recording without an auditor key');
    const after = Date.now();
    assert.ok(cert.validAfter.getTime() <= before - 59_000 && cert.validAfter.getTime() >= before - 61_000);
    assert.ok(
      cert.validBefore.getTime() >= before + 299_000 && cert.validBefore.getTime() <= after + 301_000,
    );
    assert.deepEqual(issued.target, { id: ids['web-1'], hostname: 'web-1', address: '10.0.0.1', port: 22 });

    const events = await server.store.auditEvents.list(server.accountId, { action: 'certificate.issue' });
    const event = events.items.find((e) => (e.after as Json)?.session_id === issued.session_id);
    assert.ok(event, 'the issuance is audited');
    assert.equal(event.actor, 'user:bob@example.com');
    assert.equal(event.resourceId, ids['web-1']);
    assert.equal((event.after as Json).serial, issued.serial);
    assert.equal((event.after as Json).username, 'deploy');
  });

  it('allows the email alias, forwarding from policy, another port, and caps the lifetime', async () => {
    const alias = await certificate(ada, { target_id: ids['db-1'], username: 'ada' });
    assert.equal(alias.status, 200);
    const root = parseCertificate(
      (await certificate(ada, { target_id: ids['db-1'], username: 'root' })).body.result.certificate,
    );
    assert.deepEqual(Object.keys(root.extensions), [
      'permit-agent-forwarding',
      'permit-port-forwarding',
      'permit-pty',
    ]);
    const jump = await certificate(ada, { target_id: ids.Bastion, username: 'jump' });
    assert.equal(jump.body.result.target.port, 2222);
    const long = parseCertificate(
      (await certificate(ada, { target_id: ids['db-1'], username: 'ada', valid_seconds: 999_999 })).body
        .result.certificate,
    );
    assert.equal(
      Number(long.validBeforeSeconds - long.validAfterSeconds),
      3600 + 60,
      'capped at the maximum',
    );
    const short = parseCertificate(
      (await certificate(ada, { target_id: ids['db-1'], username: 'ada', valid_seconds: 30 })).body.result
        .certificate,
    );
    assert.equal(Number(short.validBeforeSeconds - short.validAfterSeconds), 30 + 60);
  });

  it('denies with the reason, never leaking other targets, users or policies, and audits it', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        bob,
        { target_id: ids.hidden, username: 'deploy' },
        `no infrastructure app covers target ${ids.hidden} on SSH`,
      ],
      [
        bob,
        { target_id: '00000000-0000-4000-8000-000000000000', username: 'deploy' },
        'no infrastructure app covers target 00000000-0000-4000-8000-000000000000 on SSH',
      ],
      [
        bob,
        { target_id: ids.Bastion, username: 'jump' },
        'no policy of the apps covering Bastion matches you',
      ],
      [bob, { target_id: ids['web-1'], username: 'root' }, 'you may not log in to web-1 as root'],
      [bob, { target_id: ids['web-1'], username: 'ada' }, 'you may not log in to web-1 as ada'],
      [
        ada,
        { target_id: ids['web-1'], username: 'deploy', port: 2222 },
        `no infrastructure app covers target ${ids['web-1']} on SSH`,
      ],
    ];
    for (const [token, body, message] of cases) {
      const answer = await certificate(token, body);
      assert.equal(answer.status, 403, JSON.stringify(body));
      assert.equal(answer.body.errors[0].latchkey_code, 'access_denied');
      assert.equal(answer.body.errors[0].message, message);
    }
    const denials = await server.store.auditEvents.list(server.accountId, { action: 'certificate.deny' });
    assert.ok(denials.items.length >= cases.length);
    assert.ok(denials.items.every((e) => e.actor.startsWith('user:')));
    assert.ok(denials.items.some((e) => (e.after as Json).reason === 'username_not_allowed'));
  });

  it('refuses a malformed public key or username with a pointer, and no certificate', async () => {
    const badKey = await postJson(server.url, '/v1/me/certificates', bob, {
      target_id: ids['web-1'],
      username: 'deploy',
      public_key: 'ssh-ed25519 AAAAnotbase64!!',
    });
    assert.equal(badKey.status, 400);
    assert.equal(badKey.body.errors[0].source.pointer, '/public_key');
    const noUser = await postJson(server.url, '/v1/me/certificates', bob, {
      target_id: ids['web-1'],
      username: '',
      public_key: publicKey,
    });
    assert.equal(noUser.status, 400);
    const extra = await postJson(server.url, '/v1/me/certificates', bob, {
      target_id: ids['web-1'],
      username: 'deploy',
      public_key: publicKey,
      principals: ['root'],
    });
    assert.equal(extra.status, 400, 'no smuggled fields');
  });

  it('a target without an agent gets the recorder command as force-command when the account records; one with an agent never', async () => {
    await admin('PUT', '/gateway/audit_ssh_settings', {
      public_key: Buffer.alloc(32, 7).toString('base64'),
    });
    try {
      const cert = parseCertificate(
        (await certificate(bob, { target_id: ids['web-1'], username: 'deploy' })).body.result.certificate,
      );
      assert.deepEqual(cert.criticalOptions, { 'force-command': 'latchkey-agent record' });

      // db-1 gets an agent: its certificates are bound to it (never a force-command, even from an agent
      // before the front that reports a recorder); web-1 (no agent) keeps the server's command.
      const { store, accountId } = server;
      const joinToken = await store.joinTokens.create(accountId, {
        name: 'db-1',
        tokenHash: 'ab'.repeat(32),
        maxUses: 1,
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      const credential = await store.apiTokens.create(accountId, {
        name: 'agent db-1',
        tokenHash: 'cd'.repeat(32),
        permissions: ['Latchkey: Agent'],
      });
      const agent = await store.agents.create(accountId, {
        hostname: 'db-1',
        apiTokenId: credential.id,
        joinTokenId: joinToken.id,
      });
      await store.agents.setTarget(accountId, agent.id, ids['db-1']!);
      const optionsFor = async (hostname: string) =>
        parseCertificate(
          (await certificate(bob, { target_id: ids[hostname], username: 'deploy' })).body.result.certificate,
        ).criticalOptions;
      assert.deepEqual(
        await optionsFor('db-1'),
        { [TARGET_BINDING_OPTION]: ids['db-1'] },
        'an agent not heard from yet: bound, so no sshd takes it directly',
      );
      await store.agents.recordHeartbeat(
        accountId,
        agent.id,
        {
          version: '0.1.0',
          distro: 'debian 12',
          sshdConfig: { state: 'trusted' },
          recording: { recorderCommand: '/opt/latchkey/latchkey-agent record', mode: 'strict' },
        },
        new Date(),
      );
      assert.deepEqual(await optionsFor('db-1'), { [TARGET_BINDING_OPTION]: ids['db-1'] });
      assert.deepEqual(await optionsFor('web-1'), { 'force-command': 'latchkey-agent record' });
      const issued = await store.auditEvents.list(accountId, { action: 'certificate.issue' });
      assert.equal((issued.items[0]!.after as Json).recorded, true);
      assert.equal((issued.items[0]!.after as Json).bound_to_target, false);
      assert.equal((issued.items[1]!.after as Json).bound_to_target, true);
    } finally {
      await admin('PUT', '/gateway/audit_ssh_settings', { public_key: '' });
    }
  });

  it('no force-command, and recorded: false in the audit event, when the account keeps no session-log key', async () => {
    // web-1 has no agent (db-1 got one above): a plain certificate.
    const cert = parseCertificate(
      (await certificate(bob, { target_id: ids['web-1'], username: 'deploy' })).body.result.certificate,
    );
    assert.deepEqual(cert.criticalOptions, {});
    const issued = await server.store.auditEvents.list(server.accountId, { action: 'certificate.issue' });
    assert.equal((issued.items[0]!.after as Json).recorded, false);
  });

  it('re-evaluates policy on every request: a policy change applies to the next certificate', async () => {
    assert.equal((await certificate(bob, { target_id: ids['db-1'], username: 'deploy' })).status, 200);
    const apps = await server.call('GET', `${server.base}/access/apps`);
    const app = apps.body.result.find((a: Json) => a.name === 'web and db');
    await admin('PUT', `/access/apps/${app.id}`, {
      name: app.name,
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['web-1'] }, port: 22, protocol: 'SSH' }],
      policies: app.policies.map((p: Json) => ({
        name: p.name,
        decision: p.decision,
        include: p.include,
        exclude: p.exclude,
        require: p.require,
        connection_rules: p.connection_rules,
      })),
    });
    const denied = await certificate(bob, { target_id: ids['db-1'], username: 'deploy' });
    assert.equal(denied.status, 403);
  });

  it("binds certificates of a fronted target to it, sends clients to the front's port and host key", async () => {
    const { store, accountId } = server;
    const hostKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const extraApp = await admin('POST', '/access/apps', {
      name: 'web-1 maintenance on 2200',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['web-1'] }, port: 2200, protocol: 'SSH' }],
      policies: [
        {
          name: 'ops as maint',
          decision: 'allow',
          include: [{ email: { email: 'ada@example.com' } }],
          connection_rules: { ssh: { usernames: ['maint'] } },
        },
      ],
    });
    await admin('PUT', '/gateway/audit_ssh_settings', { public_key: Buffer.alloc(32, 9).toString('base64') });
    const joinToken = await store.joinTokens.create(accountId, {
      name: 'web-1',
      tokenHash: 'ef'.repeat(32),
      maxUses: 1,
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const credential = await store.apiTokens.create(accountId, {
      name: 'agent web-1',
      tokenHash: '12'.repeat(32),
      permissions: ['Latchkey: Agent'],
    });
    const agent = await store.agents.create(accountId, {
      hostname: 'web-1',
      apiTokenId: credential.id,
      joinTokenId: joinToken.id,
    });
    await store.agents.setTarget(accountId, agent.id, ids['web-1']!);
    const beat = (front?: { port: number; hostKey: string }) =>
      store.agents.recordHeartbeat(
        accountId,
        agent.id,
        {
          version: '0.2.0',
          distro: 'debian 12',
          sshdConfig: { state: 'trusted' },
          recording: { recorderCommand: '/opt/latchkey/latchkey-agent record', mode: 'strict' },
          ...(front === undefined ? {} : { front }),
        },
        new Date(),
      );
    try {
      // Before the agent reports a front (an agent from before the front): bound all the same, never its
      // recorder as force-command, on the policy's port (that sshd refuses it: nobody in unrecorded).
      await beat();
      const early = (await certificate(ada, { target_id: ids['web-1'], username: 'deploy' })).body.result;
      assert.deepEqual(parseCertificate(early.certificate).criticalOptions, {
        [TARGET_BINDING_OPTION]: ids['web-1'],
      });
      assert.deepEqual(early.target, { id: ids['web-1'], hostname: 'web-1', address: '10.0.0.1', port: 22 });
      const unfronted = (await getJson(server.url, '/v1/me/targets', ada)).body.result.filter(
        (t: Json) => t.hostname === 'web-1',
      );
      assert.deepEqual(
        unfronted.map((t: Json) => [t.port, t.usernames, t.front]),
        [
          [22, ['ada', 'deploy', 'root'], undefined],
          [2200, ['maint'], undefined],
        ],
      );

      await beat({ port: 2022, hostKey });
      const listed = (await getJson(server.url, '/v1/me/targets', ada)).body.result;
      const web = listed.filter((t: Json) => t.hostname === 'web-1');
      assert.deepEqual(
        web.map((t: Json) => [t.port, t.usernames, t.front]),
        [[2022, ['ada', 'deploy', 'maint', 'root'], { port: 2022, host_key: hostKey }]],
        'listed once, at the front, with the usernames of every port',
      );
      assert.equal(
        listed.find((t: Json) => t.hostname === 'Bastion').front,
        undefined,
        'other targets are not fronted',
      );

      const answer = await certificate(ada, { target_id: ids['web-1'], username: 'deploy' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const bound = answer.body.result;
      assert.deepEqual(
        parseCertificate(bound.certificate).criticalOptions,
        { [TARGET_BINDING_OPTION]: ids['web-1'] },
        'bound to the target, and no force-command although the account records: the front records',
      );
      assert.deepEqual(bound.target, {
        id: ids['web-1'],
        hostname: 'web-1',
        address: '10.0.0.1',
        port: 2022,
        host_key: hostKey,
      });
      const events = await store.auditEvents.list(accountId, { action: 'certificate.issue' });
      const event = events.items.find((e) => (e.after as Json)?.session_id === bound.session_id);
      assert.equal((event?.after as Json).bound_to_target, true);
      assert.equal((event?.after as Json).recorded, true);

      // Asking for the front's port is asking for the target; a port policy covers still picks its grant.
      const atFront = await certificate(ada, { target_id: ids['web-1'], username: 'maint', port: 2022 });
      assert.equal(atFront.status, 200, JSON.stringify(atFront.body));
      assert.equal(atFront.body.result.target.port, 2022);
      const byPolicyPort = await certificate(ada, { target_id: ids['web-1'], username: 'maint', port: 2200 });
      assert.equal(byPolicyPort.status, 200);
      assert.equal(byPolicyPort.body.result.target.port, 2022);
      assert.equal(
        (await certificate(ada, { target_id: ids['web-1'], username: 'maint', port: 22 })).status,
        403,
        'the grant of port 22 does not include maint',
      );
      assert.equal(
        (await certificate(ada, { target_id: ids['web-1'], username: 'maint', port: 2023 })).status,
        403,
      );
    } finally {
      await admin('PUT', '/gateway/audit_ssh_settings', { public_key: '' });
      await admin('DELETE', `/access/apps/${extraApp.id}`);
      await store.agents.setTarget(accountId, agent.id, undefined);
    }
  });

  it('gives the host CA for a front with a host certificate: /v1/me/host_ca, the list and the certificate answer', async () => {
    const hostCaAnswer = await getJson(server.url, '/v1/me/host_ca', ada);
    assert.equal(hostCaAnswer.status, 200, JSON.stringify(hostCaAnswer.body));
    const hostCa = parseSshPublicKey(hostCaAnswer.body.result.public_key).toAuthorizedKey();
    assert.notEqual(hostCa, parseSshPublicKey(caPublicKey).toAuthorizedKey(), 'not the SSH CA');
    const asAdmin = await server.call('GET', `${server.base}/latchkey/host_ca`, { token: ada });
    assert.ok(asAdmin.status === 401 || asAdmin.status === 403, 'a person token is no admin token');

    const app = await admin('POST', '/access/apps', {
      name: 'certified',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['certified-1'] }, port: 22, protocol: 'SSH' }],
      policies: [
        {
          name: 'ada as deploy',
          decision: 'allow',
          include: [{ email: { email: 'ada@example.com' } }],
          connection_rules: { ssh: { usernames: ['deploy'] } },
        },
      ],
    });
    const joinToken = (await admin('POST', '/latchkey/join_tokens', { name: 'certified-1' })).token;
    const enrolled = await server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: { join_token: joinToken, hostname: 'certified-1', agent: { version: '0.2.0' } },
    });
    const agentToken = enrolled.body.result.api_token as string;
    const mirror = `/v1/agents/client/v4/accounts/${server.accountId}`;
    const target = await server.call('POST', `${mirror}/infrastructure/targets`, {
      token: agentToken,
      body: { hostname: 'certified-1', ip: { ipv4: { ip_addr: '10.0.9.1' } } },
    });
    assert.equal(target.status, 200, JSON.stringify(target.body));
    const hostKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const heartbeat = (hostCertificate?: string) =>
      server.call('POST', '/v1/agents/heartbeat', {
        token: agentToken,
        body: {
          version: '0.2.0',
          distro: 'debian 12',
          sshd_config: { state: 'trusted' },
          front: {
            port: 3022,
            host_key: hostKey,
            ...(hostCertificate === undefined ? {} : { host_certificate: hostCertificate }),
          },
        },
      });
    try {
      const first = await heartbeat();
      const issued = first.body.result.front_host_certificate as string;
      assert.equal(parseCertificate(issued).signatureKey.toAuthorizedKey(), hostCa);
      await heartbeat(issued);
      const listed = (await getJson(server.url, '/v1/me/targets', ada)).body.result.find(
        (t: Json) => t.hostname === 'certified-1',
      );
      assert.deepEqual(listed.front, { port: 3022, host_key: hostKey, host_ca: hostCa });
      const answer = await certificate(ada, { target_id: target.body.result.id, username: 'deploy' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.result.target.host_ca, hostCa);
      assert.equal(answer.body.result.target.host_key, hostKey);
      assert.equal(
        (await getJson(server.url, '/v1/me/targets', ada)).body.result.find(
          (t: Json) => t.hostname === 'web-1',
        ).front,
        undefined,
        'a target without a front gets no CA',
      );
    } finally {
      await admin('DELETE', `/access/apps/${app.id}`);
    }
  });
});
