// The console's sign-in through an upstream provider, over injected requests with a provider that
// answers as a real one would (no port): the pending login is sealed in its cookie (the PKCE verifier
// not readable in it), a changed, foreign or expired cookie is refused, the person's email is claimed as
// the CLI's sign-in claims it, and the result is an ordinary console sign-in with the provider's groups.
import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import type {
  PendingUpstreamLogin,
  UpstreamIdentity,
  UpstreamIdentityProvider,
} from '../../../../server/src/app/ports/upstream-identity-provider.js';
import { startTestServer } from '../../support/test-server.js';
import type { TestServer } from '../../support/test-server.js';

const VERIFIER = 'the-pkce-code-verifier-that-must-stay-sealed';

/** Answers the identity of `subject` when the callback's state is the pending login's, as a provider's client does. */
class ScriptedProvider implements UpstreamIdentityProvider {
  readonly id = 'corp';
  readonly name = 'Corp SSO';
  constructor(private readonly people: Record<string, { email: string; groups: string[] }>) {}

  async beginLogin(redirectUri: string) {
    const state = `state-${Math.random().toString(36).slice(2)}`;
    return {
      authorizationUrl: `https://sso.corp.example/authorize?state=${state}`,
      pending: { providerId: this.id, state, nonce: 'nonce', codeVerifier: VERIFIER, redirectUri },
    };
  }

  async completeLogin(callbackUrl: URL, pending: PendingUpstreamLogin): Promise<UpstreamIdentity> {
    if (callbackUrl.searchParams.get('state') !== pending.state) {
      throw new LatchkeyError('unauthenticated', 'the state does not match');
    }
    const subject = callbackUrl.searchParams.get('code') ?? '';
    const person = this.people[subject];
    if (person === undefined) throw new LatchkeyError('unauthenticated', 'no such person');
    return {
      providerId: this.id,
      issuer: 'https://sso.corp.example',
      subject,
      email: person.email,
      groups: person.groups,
      authMethods: ['pwd'],
      claims: {},
    };
  }
}

describe('console: sign-in through an upstream provider (injected)', function () {
  this.timeout(20_000);
  let now = new Date();
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      clock: () => now,
      identityProviders: new Map([
        [
          'corp',
          new ScriptedProvider({
            ada: { email: 'ada@corp.example', groups: ['latchkey-auditors'] },
            impostor: { email: 'admin@example.com', groups: ['latchkey-admins'] },
          }),
        ],
      ]),
    });
    await server.addUser('admin@example.com', 'correct horse battery', ['latchkey-admins']);
  });
  after(async () => server?.close());
  beforeEach(() => {
    now = new Date();
  });

  const cookieLines = (header: unknown): string[] => (Array.isArray(header) ? header : [header]).map(String);

  /** Starts a sign-in: the provider's URL (with its state) and the pending cookie (name=value). */
  async function begin(): Promise<{ state: string; cookie: string; line: string }> {
    const answer = await server.app.inject({ method: 'GET', url: '/console/oidc/corp' });
    assert.equal(answer.statusCode, 303, answer.body);
    const location = new URL(String(answer.headers.location));
    assert.equal(location.origin, 'https://sso.corp.example');
    const line = cookieLines(answer.headers['set-cookie'])[0]!;
    return { state: location.searchParams.get('state')!, cookie: line.split(';')[0]!, line };
  }

  const callback = (state: string, code: string, cookie: string) =>
    server.app.inject({
      method: 'GET',
      url: `/console/oidc/callback?${new URLSearchParams({ state, code }).toString()}`,
      headers: { cookie },
    });

  it('seals the pending login into an HttpOnly, SameSite=Lax cookie', async () => {
    const { line, cookie } = await begin();
    assert.match(
      line,
      /^latchkey-console-oidc=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/,
    );
    const value = cookie.split('=')[1]!;
    assert.ok(
      !Buffer.from(value, 'base64url').toString('latin1').includes(VERIFIER),
      'the verifier is sealed',
    );
    assert.ok(!value.includes(Buffer.from(VERIFIER).toString('base64url')));
  });

  it('signs the person in with the provider’s groups: an ordinary console sign-in', async () => {
    const { state, cookie } = await begin();
    const answer = await callback(state, 'ada', cookie);
    assert.equal(answer.statusCode, 200, answer.body);
    assert.match(answer.body, /<meta http-equiv="refresh" content="0;url=\/console">/);
    const lines = cookieLines(answer.headers['set-cookie']);
    assert.ok(
      lines.some((line) => /^latchkey-console-oidc=; .*Max-Age=0/.test(line)),
      'the pending login is cleared',
    );
    const session = lines.find((line) => line.startsWith('latchkey-console='));
    assert.match(session ?? '', /HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const logs = await server.app.inject({
      method: 'GET',
      url: '/console/logs',
      headers: { cookie: session!.split(';')[0]! },
    });
    assert.equal(logs.statusCode, 200, 'an auditor by the provider’s groups');
    const targets = await server.app.inject({
      method: 'GET',
      url: '/console/targets',
      headers: { cookie: session!.split(';')[0]! },
    });
    assert.equal(targets.statusCode, 403, 'and no more');
    const signIns = await server.call('GET', '/v1/audit?action=sign_in');
    const event = signIns.body.result.find((e: { actor: string }) => e.actor === 'user:ada@corp.example');
    assert.deepEqual(
      { method: event.after.login_method, client: event.after.client_id, groups: event.after.groups },
      { method: 'corp', client: 'latchkey-console', groups: ['latchkey-auditors'] },
    );
  });

  it('refuses a changed cookie, another sign-in’s cookie, and an expired one', async () => {
    const first = await begin();
    const second = await begin();
    const value = first.cookie.split('=')[1]!;
    const flipped = `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`;
    for (const [cookie, state, why] of [
      [`latchkey-console-oidc=${flipped}`, first.state, 'changed'],
      [second.cookie, first.state, 'another sign-in’s'],
      ['', first.state, 'none'],
    ] as const) {
      const answer = await callback(state, 'ada', cookie);
      assert.equal(answer.statusCode, 401, why);
      assert.ok(
        !cookieLines(answer.headers['set-cookie']).some((line) => line.startsWith('latchkey-console=')),
        why,
      );
    }
    now = new Date(Date.now() + 601_000);
    const expired = await callback(first.state, 'ada', first.cookie);
    assert.equal(expired.statusCode, 401);
    assert.match(expired.body, /expired or was started in another browser/);
  });

  it('refuses an email that is a built-in account’s, saying how to link it', async () => {
    const { state, cookie } = await begin();
    const answer = await callback(state, 'impostor', cookie);
    assert.equal(answer.statusCode, 401);
    assert.match(answer.body, /already belongs to a built-in account/);
    assert.match(answer.body, /latchkey-server user link admin@example\.com/);
  });

  it('an unknown provider is not found', async () => {
    const answer = await server.app.inject({ method: 'GET', url: '/console/oidc/nobody' });
    assert.equal(answer.statusCode, 404);
  });
});
