/**
 * Rotating the account's SSH CA (issue 13), through the HTTP API of an in-process server with its clock
 * in the test's hands: start (both CAs listed, the current one signs), switch (refused while a present
 * agent does not trust the next CA; certificates then signed by the next one, the cached signing key
 * notwithstanding), complete (refused while an old certificate may be valid; then the next CA is the
 * CA, with its id), cancel; each phase an audit event.
 */
import assert from 'node:assert/strict';
import { generateSshKeyPair, parseCertificate, parseSshPublicKey } from '@latchkey/shared';
import { startTestServer, type Json, type TestServer } from '../support/test-server.js';
import { enrollAgent, issueCertificate } from './ssh-logs-fixture.js';

const START = new Date('2026-12-07T10:00:00.000Z');

describe('server HTTP: CA rotation', () => {
  let server: TestServer;
  let now: Date;
  let rotation: string;
  let ca: string;

  beforeEach(async () => {
    now = START;
    server = await startTestServer({ clock: () => now });
    rotation = `${server.base}/latchkey/ca_rotation`;
    ca = `${server.base}/access/gateway_ca`;
  });
  afterEach(async () => server?.close());

  const move = (action: string, extra: Record<string, unknown> = {}) =>
    server.call('POST', rotation, { body: { action, ...extra } });
  const later = (ms: number) => (now = new Date(now.getTime() + ms));
  /** The base64 key of the CA that signed this certificate. */
  const signerOf = (issued: Json) =>
    Buffer.from(parseCertificate(issued.certificate as string).signatureKey.blob).toString('base64');
  const keyOf = (publicKey: string) => publicKey.split(' ')[1];
  /** A heartbeat of an agent (without a front) that trusts these CA public keys, sshd in `state`. */
  const heartbeat = (token: string, trusted: string[], state = 'trusted') =>
    server.call('POST', '/v1/agents/heartbeat', {
      token,
      body: {
        version: '0.1.0',
        distro: 'debian 12',
        sshd_config: {
          state,
          ca_keys: trusted.length,
          ca_key_fingerprints: trusted.map((key) => parseSshPublicKey(key).fingerprint()),
        },
      },
    });

  it('runs start → switch → complete with each rule enforced, keeping the next CA id', async () => {
    const person = { email: 'alice@corp.example', username: 'alice' };
    const agent = await enrollAgent(server, 'web-1');
    const before = await issueCertificate(server, agent, person); // also makes the CA
    const current = (await server.call('GET', ca)).body.result[0];
    assert.equal(signerOf(before), keyOf(current.public_key));
    assert.deepEqual((await server.call('GET', rotation)).body.result, { phase: 'standby', current });
    assert.equal((await move('switch')).status, 409, 'no switch without a rotation');

    // start: the next CA is listed after the current one; the current one still signs.
    const started = await move('start');
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const next = started.body.result.next;
    assert.equal(started.body.result.phase, 'init');
    assert.match(next.public_key, /^ssh-ed25519 AAAA\S+ latchkey-ssh-ca$/);
    assert.deepEqual((await server.call('GET', ca)).body.result, [current, next]);
    assert.equal((await move('start')).status, 409, 'one rotation at a time');
    assert.equal(signerOf(await issueCertificate(server, agent, person)), keyOf(current.public_key));
    assert.equal(
      (await server.call('DELETE', `${ca}/${current.id}`)).status,
      409,
      'the CA cannot be deleted mid-rotation',
    );

    // switch: refused while the agent (heard from now) trusts the current CA alone; while it reports two
    // keys that are not this rotation's (an earlier rotation's next CA: a count would pass it); and while
    // its sshd refused the change. Allowed once it trusts the next CA.
    const earlier = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    for (const [trusted, state] of [
      [[current.public_key], 'trusted'],
      [[current.public_key, earlier], 'trusted'],
      [[current.public_key, next.public_key], 'rolled_back'],
    ] as const) {
      assert.equal((await heartbeat(agent.token, [...trusted], state)).status, 200);
      const early = await move('switch');
      assert.equal(early.status, 409, `${state}: ${trusted.length} keys`);
      assert.match(early.body.errors[0].message, /1 agent\(s\) .* do not trust the next CA yet \(web-1\)/);
    }
    assert.equal((await heartbeat(agent.token, [current.public_key, next.public_key])).status, 200);
    later(1000);
    const switched = await move('switch');
    assert.equal(switched.status, 200, JSON.stringify(switched.body));
    assert.equal(switched.body.result.phase, 'update_clients');
    assert.equal(switched.body.result.switched_at, now.toISOString());
    const completableAt = new Date(now.getTime() + 3600_000 + 60_000).toISOString();
    assert.equal(switched.body.result.completable_at, completableAt, 'the 1 h lifetime cap plus a minute');
    assert.equal(signerOf(await issueCertificate(server, agent, person)), keyOf(next.public_key));
    assert.equal((await move('cancel')).status, 409, 'no cancel once the next CA has signed');

    // complete: not while a certificate of the old CA may be valid, even by a server whose lifetime cap
    // is lower (another process, or one restarted with a lower cap after the switch); then the next CA is
    // the CA.
    const signIn = server.services.signIn as { maxCertificateTtlSeconds: number };
    const cap = signIn.maxCertificateTtlSeconds;
    signIn.maxCertificateTtlSeconds = 60;
    later(5 * 60_000);
    const lowerCap = await move('complete');
    assert.equal(lowerCap.status, 409, JSON.stringify(lowerCap.body));
    signIn.maxCertificateTtlSeconds = cap;
    later(3600_000 - 5 * 60_000);
    const tooSoon = await move('complete');
    assert.equal(tooSoon.status, 409);
    assert.match(tooSoon.body.errors[0].message, new RegExp(`may be valid until ${completableAt}`));
    later(60_000);
    const completed = await move('complete');
    assert.equal(completed.status, 200, JSON.stringify(completed.body));
    assert.deepEqual(completed.body.result, { phase: 'standby', current: next });
    assert.deepEqual((await server.call('GET', ca)).body.result, [next]);
    assert.equal(signerOf(await issueCertificate(server, agent, person)), keyOf(next.public_key));

    const audit = await server.call('GET', '/v1/audit?per_page=100');
    const actions = (audit.body.result as Json[]).map((event) => event.action);
    for (const phase of ['start', 'switch', 'complete']) {
      assert.ok(
        actions.includes(`gateway_ca.rotation.${phase}`),
        `${phase} is audited: ${actions.join(' ')}`,
      );
    }
  });

  it('cancels before the switch; force switches past an agent that has not caught up (audited by name)', async () => {
    await enrollAgent(server, 'db-1').then((agent) => heartbeat(agent.token, []));
    const created = await server.call('POST', ca);
    assert.equal((await move('start')).status, 200);
    const cancelled = await move('cancel');
    assert.equal(cancelled.status, 200);
    assert.deepEqual(cancelled.body.result, { phase: 'standby', current: created.body.result });
    assert.deepEqual((await server.call('GET', ca)).body.result, [created.body.result]);

    assert.equal((await move('start')).status, 200);
    const forced = await move('switch', { force: true });
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    const audit = await server.call('GET', '/v1/audit?action=gateway_ca.rotation.switch');
    assert.deepEqual(audit.body.result[0].after.forced_past, ['db-1']);

    // An agent not heard from for more than 10 minutes holds nothing up.
    later(11 * 60_000);
    assert.equal((await move('complete')).status, 409);
  });

  it('needs a CA, a known action, and the SSH auditing permissions', async () => {
    assert.equal((await move('start')).status, 404);
    assert.equal((await move('rotate')).status, 400);
    assert.equal((await server.call('GET', rotation)).status, 404);
  });
});
