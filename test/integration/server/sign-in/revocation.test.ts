// Issue 13, "revocation that works at once", for people, over real HTTP: disabling, resetting a password
// and an admin's "sign out everywhere" end every sign-in session and refresh token (disable + reset +
// enable once brought an old refresh token back to life), and a refresh token presented twice revokes
// its whole sign-in session, the newest token included (RFC 6819 5.2.2.3).
import assert from 'node:assert/strict';
import { resetUserPassword, setUserDisabled } from '../../../../server/src/app/sign-in/built-in-users.js';
import { startTestServer } from '../../../server/support/test-server.js';
import type { Json, TestServer } from '../../../server/support/test-server.js';
import { getJson, postForm, signInBuiltIn } from '../../../server/sign-in/sign-in-client.js';
import type { Tokens } from '../../../server/sign-in/sign-in-client.js';

describe('sign-in revocation: people', function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ listen: true });
  });
  after(async () => server?.close());

  const refresh = (refreshToken: string) =>
    postForm(server.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken });
  const me = async (tokens: Tokens) => (await getJson(server.url, '/v1/me', tokens.access_token)).status;

  it('the attack: disable + reset + enable no longer brings an old refresh token back to life', async () => {
    await server.addUser('dora@example.com', 'dora password 1');
    const stolen = await signInBuiltIn(server.url, 'dora@example.com', 'dora password 1');
    // The admin reacts to a stolen laptop: disable, new password, enable.
    await setUserDisabled(server.services, server.accountId, 'dora@example.com', true, 'test');
    await resetUserPassword(server.services, server.accountId, 'dora@example.com', 'dora password 2', 'test');
    await setUserDisabled(server.services, server.accountId, 'dora@example.com', false, 'test');

    const replay = await refresh(stolen.refresh_token);
    assert.equal(replay.status, 400, JSON.stringify(replay.body));
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal(await me(stolen), 401, 'the old access token is dead too');
    // Dora herself signs in again with the new password.
    const fresh = await signInBuiltIn(server.url, 'dora@example.com', 'dora password 2');
    assert.equal(await me(fresh), 200);
    const events = await server.call('GET', '/v1/audit?action=sign_in.revoke_all');
    assert.ok(
      events.body.result.some((e: Json) => e.after.person === 'dora@example.com'),
      JSON.stringify(events.body.result),
    );
  });

  it('a password reset alone ends every sign-in of the account', async () => {
    await server.addUser('erin@example.com', 'erin password 1');
    const laptop = await signInBuiltIn(server.url, 'erin@example.com', 'erin password 1');
    const desktop = await signInBuiltIn(server.url, 'erin@example.com', 'erin password 1');
    await resetUserPassword(server.services, server.accountId, 'erin@example.com', 'erin password 2', 'test');
    for (const tokens of [laptop, desktop]) {
      assert.equal(await me(tokens), 401);
      assert.equal((await refresh(tokens.refresh_token)).body.error, 'invalid_grant');
    }
  });

  it('sign out everywhere (REST): every sign-in of the person ends, and their SSH sessions; others stay', async () => {
    await server.addUser('finn@example.com', 'finn password 1');
    await server.addUser('gwen@example.com', 'gwen password 1');
    const one = await signInBuiltIn(server.url, 'finn@example.com', 'finn password 1');
    const two = await signInBuiltIn(server.url, 'finn@example.com', 'finn password 1');
    const other = await signInBuiltIn(server.url, 'gwen@example.com', 'gwen password 1');

    const noBody = await server.call('POST', `${server.base}/latchkey/people/sign_out`, { body: {} });
    assert.equal(noBody.status, 400);
    const readOnly = await server.token(['Zero Trust: Read']);
    const refused = await server.call('POST', `${server.base}/latchkey/people/sign_out`, {
      token: readOnly,
      body: { email: 'finn@example.com' },
    });
    assert.equal(refused.status, 403);

    const done = await server.call('POST', `${server.base}/latchkey/people/sign_out`, {
      body: { email: 'Finn@Example.com' },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.result.email, 'finn@example.com');
    assert.equal(done.body.result.sign_in_sessions.length, 2);
    for (const tokens of [one, two]) {
      assert.equal(await me(tokens), 401);
      assert.equal((await refresh(tokens.refresh_token)).body.error, 'invalid_grant');
    }
    assert.equal(await me(other), 200, "another person's sign-in is untouched");
    const ended = await server.call('GET', '/v1/audit?action=ssh_session.end_all');
    const order = ended.body.result.find((e: Json) => e.after.person === 'finn@example.com');
    assert.equal(order.after.reason, 'signed_out');
    assert.equal(order.after.termination_id, done.body.result.termination_id);
    const audit = await server.call('GET', '/v1/audit?action=user.sign_out_everywhere');
    assert.equal(audit.body.result[0].resource_id, 'finn@example.com');
  });

  it('a rotated refresh token presented again revokes the whole sign-in, the newest token included', async () => {
    await server.addUser('hana@example.com', 'hana password 1');
    const first = await signInBuiltIn(server.url, 'hana@example.com', 'hana password 1');
    const second = await refresh(first.refresh_token);
    assert.equal(second.status, 200);
    const newest = second.body as Tokens;
    assert.equal(await me(newest), 200);

    // The thief replays the token the client had before its last refresh.
    const replay = await refresh(first.refresh_token);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.match(replay.body.error_description, /already used.*may have been stolen.*ended/);
    // Whoever holds the newest pair is out too: the sign-in is over.
    assert.equal((await refresh(newest.refresh_token)).body.error, 'invalid_grant');
    assert.equal(await me(newest), 401);
    const audit = await server.call('GET', '/v1/audit?action=sign_in.refresh_reuse');
    assert.equal(audit.body.result.length, 1);
    assert.equal(audit.body.result[0].actor, 'user:hana@example.com');
  });

  it('the same refresh token used twice at once: one rotation at most, and the sign-in is ended', async () => {
    await server.addUser('ivan@example.com', 'ivan password 1');
    const tokens = await signInBuiltIn(server.url, 'ivan@example.com', 'ivan password 1');
    const answers = await Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)]);
    const won = answers.filter((a) => a.status === 200);
    assert.ok(won.length <= 1, JSON.stringify(answers.map((a) => a.body)));
    assert.ok(answers.some((a) => a.body.error === 'invalid_grant'));
    for (const winner of won)
      assert.equal((await refresh(winner.body.refresh_token)).body.error, 'invalid_grant');
  });
});
