// The host CA and front host certificates over the real HTTP app and a real SQLite store: the heartbeat
// answer signs an agent's front host key for its own target, keeps a good certificate, re-signs when the
// addresses change or renewal is due, and audits each issuance; admins read the host CA.
import assert from 'node:assert/strict';
import { generateSshKeyPair, parseCertificate, parseSshPublicKey, verifyCertificate } from '@latchkey/shared';
import { startTestServer } from '../support/test-server.js';
import type { Json, TestServer } from '../support/test-server.js';

const DAY_MS = 86_400_000;

describe('server: the host CA and front host certificates', function () {
  this.timeout(20_000);
  let server: TestServer;
  let now = new Date('2026-12-07T10:00:00.000Z');

  before(async () => {
    server = await startTestServer({ clock: () => now });
  });
  after(async () => server?.close());

  const mirror = () => `/v1/agents/client/v4/accounts/${server.accountId}`;

  async function enrolledAgent(hostname: string, address: string) {
    const token = await server.call('POST', `${server.base}/latchkey/join_tokens`, {
      body: { name: hostname },
    });
    const enrolled = await server.call('POST', '/v1/agents/enroll', {
      token: null,
      body: { join_token: token.body.result.token, hostname, agent: { version: '0.1.0' } },
    });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    const agent = enrolled.body.result as { agent_id: string; api_token: string };
    const hostKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const register = async (ip: string) => {
      const answer = await server.call(
        targetId === undefined ? 'POST' : 'PUT',
        `${mirror()}/infrastructure/targets${targetId === undefined ? '' : `/${targetId}`}`,
        { token: agent.api_token, body: { hostname, ip: { ipv4: { ip_addr: ip } } } },
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      targetId = answer.body.result.id;
    };
    let targetId: string | undefined;
    const heartbeat = async (hostCertificate?: string, key = hostKey) => {
      const answer = await server.call('POST', '/v1/agents/heartbeat', {
        token: agent.api_token,
        body: {
          version: '0.1.0',
          distro: 'debian 12',
          sshd_config: { state: 'trusted' },
          front: {
            port: 3022,
            host_key: key,
            ...(hostCertificate === undefined ? {} : { host_certificate: hostCertificate }),
          },
        },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.result.front_host_certificate as string | undefined;
    };
    return { agent, hostKey, register, heartbeat, targetId: () => targetId!, address };
  }

  async function hostCa(): Promise<Json> {
    const answer = await server.call('GET', `${server.base}/latchkey/host_ca`, {
      token: await server.token(['Access: SSH Auditing: Read']),
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.result;
  }

  async function issuedEvents(targetId: string): Promise<Json[]> {
    const audit = await server.call(
      'GET',
      `/v1/audit?action=agent.host_certificate_issue&resource_id=${targetId}`,
    );
    return audit.body.result;
  }

  it('an agent without a target yet gets no certificate; once registered, one for its own target', async () => {
    const web = await enrolledAgent('web-1', '10.0.0.5');
    assert.equal(await web.heartbeat(), undefined, 'no target: nothing to name');
    await web.register('10.0.0.5');
    const line = await web.heartbeat();
    assert.ok(line !== undefined);
    const certificate = parseCertificate(line);
    const ca = parseSshPublicKey((await hostCa()).public_key);
    assert.deepEqual(
      verifyCertificate(certificate, { trustedCaKeys: [ca], now, type: 'host', principal: 'web-1' }),
      { ok: true },
    );
    assert.deepEqual(certificate.principals, [web.targetId(), 'web-1', '10.0.0.5']);
    assert.equal(certificate.subjectKey.toAuthorizedKey(), web.hostKey);
    assert.equal(certificate.keyId, `latchkey target ${web.targetId()} web-1`);
    assert.equal(certificate.validBefore.getTime() - now.getTime(), 28 * DAY_MS);
    const [event] = await issuedEvents(web.targetId());
    assert.equal(event.actor, `agent:${web.agent.agent_id}`);
    assert.equal(event.after.reason, 'none');
    assert.equal(event.after.serial, certificate.serial.toString());

    // Reported back, it is kept: the same line, no new audit event.
    assert.equal(await web.heartbeat(line), line);
    assert.equal((await issuedEvents(web.targetId())).length, 1);
  });

  it('re-signs when the addresses or the key change, and when renewal is due', async () => {
    const db = await enrolledAgent('db-1', '10.0.1.5');
    await db.register('10.0.1.5');
    const first = (await db.heartbeat())!;
    await db.register('10.0.1.6');
    const moved = (await db.heartbeat(first))!;
    assert.notEqual(moved, first);
    assert.deepEqual(parseCertificate(moved).principals, [db.targetId(), 'db-1', '10.0.1.6']);
    const newKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const rekeyed = (await db.heartbeat(moved, newKey))!;
    assert.equal(parseCertificate(rekeyed).subjectKey.toAuthorizedKey(), newKey);
    now = new Date(now.getTime() + 13 * DAY_MS);
    assert.equal(await db.heartbeat(rekeyed, newKey), rekeyed, 'two weeks left: kept');
    now = new Date(now.getTime() + 2 * DAY_MS);
    const renewed = (await db.heartbeat(rekeyed, newKey))!;
    assert.notEqual(renewed, rekeyed);
    assert.equal(parseCertificate(renewed).validBefore.getTime() - now.getTime(), 28 * DAY_MS);
    const reasons = (await issuedEvents(db.targetId())).map((event) => event.after.reason).sort();
    assert.deepEqual(reasons, ['none', 'other_key', 'principals_changed', 'renewal_due']);
  });

  it("an agent reporting another target's certificate gets one for its own target", async () => {
    const a = await enrolledAgent('app-1', '10.0.2.1');
    const b = await enrolledAgent('app-2', '10.0.2.2');
    await a.register('10.0.2.1');
    await b.register('10.0.2.2');
    const ofA = (await a.heartbeat())!;
    const forB = (await b.heartbeat(ofA, a.hostKey))!;
    assert.notEqual(forB, ofA);
    assert.deepEqual(parseCertificate(forB).principals, [b.targetId(), 'app-2', '10.0.2.2']);
  });

  it('the host CA is one per account, apart from the user CA; agents cannot read it from the admin route', async () => {
    const first = await hostCa();
    assert.match(first.public_key, /^ssh-ed25519 \S+ latchkey-host-ca$/);
    assert.deepEqual(await hostCa(), first);
    const userCa = await server.call('POST', `${server.base}/access/gateway_ca`);
    assert.equal(userCa.status, 200, JSON.stringify(userCa.body));
    assert.notEqual(userCa.body.result.public_key.split(' ')[1], first.public_key.split(' ')[1]);
    const agent = await enrolledAgent('cannot-read', '10.0.3.1');
    const denied = await server.call('GET', `${server.base}/latchkey/host_ca`, {
      token: agent.agent.api_token,
    });
    assert.equal(denied.status, 403);
    const stored = await server.store.hostCas.get(server.accountId);
    assert.ok(
      stored !== undefined &&
        !Buffer.from(stored.encryptedPrivateKey).toString('latin1').includes('PRIVATE KEY'),
    );
  });
});
