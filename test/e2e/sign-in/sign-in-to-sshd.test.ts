// From nobody to a shell: sign in through the device flow (with a real upstream OIDC provider, and with
// a built-in account), get a certificate for a target, and log in through a real sshd that trusts only
// the account's CA. Denials get no certificate, and a signed-out person gets nothing at all.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { OpenIdClientProvider } from '../../../server/src/adapters/oidc/openid-client-provider.js';
import type { UpstreamIdentityProvider } from '../../../server/src/app/ports/upstream-identity-provider.js';
import {
  createTempDir,
  createTestUser,
  generateKeyWithSshKeygen,
  runSsh,
  startOidcProvider,
  startSshd,
} from '../../harness/index.js';
import type { RunningOidcProvider, RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import { pageMessage } from '../../support/device-approval.js';
import {
  getJson,
  pollDevice,
  postForm,
  postJson,
  signInBuiltIn,
  startDevice,
} from '../../server/sign-in/sign-in-client.js';
import type { Tokens } from '../../server/sign-in/sign-in-client.js';
import { startTestServer } from '../../server/support/test-server.js';
import type { Json, TestServer } from '../../server/support/test-server.js';

describe('e2e: sign in, get a certificate, log in through a real sshd', function () {
  this.timeout(60_000);
  const providers = new Map<string, UpstreamIdentityProvider>();
  let server: TestServer;
  let oidc: RunningOidcProvider;
  let sshd: RunningSshd;
  let user: TestUser;
  let dir: TempDir;
  let targetId: string;
  let keyFile: string;
  let publicKey: string;

  async function admin(method: 'POST' | 'PUT', path: string, body?: unknown): Promise<Json> {
    const answer = await server.call(method, `${server.base}${path}`, body === undefined ? {} : { body });
    assert.ok(answer.status < 300, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  }

  /** The person's side of an upstream sign-in: the device page, the provider, the approval page. */
  async function signInWithProvider(subject: string): Promise<Tokens> {
    const started = await startDevice(server.url);
    const page = await (await fetch(started.verification_uri_complete)).text();
    assert.match(page, /Corp SSO/, 'the device page offers the provider');
    const start = await fetch(`${server.url}/device/oidc/start`, {
      method: 'POST',
      body: new URLSearchParams({ user_code: started.user_code, provider: 'corp' }),
      redirect: 'manual',
    });
    assert.equal(start.status, 303);
    const callback = await oidc.signIn(start.headers.get('location') ?? '', subject);
    const confirm = await fetch(callback);
    const confirmHtml = await confirm.text();
    assert.equal(confirm.status, 200, pageMessage(confirmHtml));
    assert.ok(confirmHtml.includes(started.user_code), 'the approval page shows the code');
    const confirmation = /name="confirmation" value="([^"]+)"/.exec(confirmHtml)?.[1];
    assert.ok(confirmation !== undefined);
    const decided = await fetch(`${server.url}/device/oidc/decide`, {
      method: 'POST',
      body: new URLSearchParams({ confirmation, decision: 'approve' }),
    });
    assert.match(pageMessage(await decided.text()), /^Signed in as /);
    const replay = await fetch(`${server.url}/device/oidc/decide`, {
      method: 'POST',
      body: new URLSearchParams({ confirmation, decision: 'approve' }),
    });
    assert.equal(replay.status, 400, 'an approval page works once');
    const polled = await pollDevice(server.url, started.device_code);
    assert.equal(polled.status, 200, JSON.stringify(polled.body));
    return polled.body as Tokens;
  }

  async function certificateFor(accessToken: string, username: string) {
    return postJson(server.url, '/v1/me/certificates', accessToken, {
      target_id: targetId,
      username,
      public_key: publicKey,
    });
  }

  async function loginWith(certificateLine: string, username: string) {
    const certificateFile = dir.file(`cert-${Math.random().toString(36).slice(2)}-cert.pub`);
    await writeFile(certificateFile, `${certificateLine}\n`);
    return runSsh({
      server: sshd,
      user: username,
      identityFile: keyFile,
      certificateFile,
      command: 'id -un',
    });
  }

  before(async () => {
    server = await startTestServer({ listen: true, identityProviders: providers });
    oidc = await startOidcProvider({
      accounts: [
        { subject: 'grace', email: 'Grace@Corp.example', groups: ['sre'], amr: ['pwd', 'mfa'] },
        { subject: 'henry', email: 'henry@corp.example', groups: ['sre'], amr: ['pwd'] },
      ],
      clients: [
        {
          client_id: 'latchkey',
          client_secret: 'corp-secret',
          redirect_uris: [`${server.url}/device/oidc/callback`],
        },
      ],
    });
    providers.set(
      'corp',
      new OpenIdClientProvider({
        id: 'corp',
        name: 'Corp SSO',
        issuer: oidc.issuer,
        clientId: 'latchkey',
        clientSecret: 'corp-secret',
        scopes: ['openid', 'email', 'profile', 'groups'],
        claims: { email: 'email', groups: 'groups' },
        allowUnverifiedEmail: false,
      }),
    );

    dir = await createTempDir('sign-in-e2e');
    const ca = await admin('POST', '/access/gateway_ca');
    await writeFile(dir.file('ca.pub'), `${ca.public_key}\n`);
    user = await createTestUser();
    sshd = await startSshd({ settings: { TrustedUserCAKeys: dir.file('ca.pub') } });
    keyFile = dir.file('id_ed25519');
    publicKey = (await generateKeyWithSshKeygen(keyFile)).publicKey;

    targetId = (
      await admin('POST', '/infrastructure/targets', {
        hostname: 'box-1',
        ip: { ipv4: { ip_addr: '127.0.0.1' } },
      })
    ).id;
    const sre = await admin('POST', '/access/groups', {
      name: 'sre',
      include: [{ email: { email: 'nobody@corp.example' } }],
    });
    await admin('POST', '/access/apps', {
      name: 'box-1 over ssh',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['box-1'] }, port: sshd.port, protocol: 'SSH' }],
      policies: [
        {
          name: 'SRE with MFA through Corp SSO',
          decision: 'allow',
          include: [{ group: { id: sre.id } }],
          require: [{ login_method: { id: 'corp' } }, { auth_method: { auth_method: 'mfa' } }],
          connection_rules: { ssh: { usernames: [user.name] } },
        },
      ],
    });
    await server.addUser('bob@corp.example', 'bob password', ['sre']);
  });

  after(async () => {
    await sshd?.stop();
    await oidc?.stop();
    await server?.close();
    await dir?.remove();
  });

  it('an SRE signed in with MFA through the upstream provider logs in as the allowed user', async () => {
    const tokens = await signInWithProvider('grace');
    const me = (await getJson(server.url, '/v1/me', tokens.access_token)).body.result;
    assert.equal(me.email, 'grace@corp.example');
    assert.equal(me.login_method, 'corp');
    assert.deepEqual(me.groups, ['sre']);
    assert.deepEqual(me.auth_methods, ['pwd', 'mfa']);

    const targets = (await getJson(server.url, '/v1/me/targets', tokens.access_token)).body.result;
    assert.deepEqual(
      targets.map((t: Json) => [t.hostname, t.port, t.usernames]),
      [['box-1', sshd.port, [user.name]]],
    );
    const issued = await certificateFor(tokens.access_token, user.name);
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const since = sshd.logMark();
    const login = await loginWith(issued.body.result.certificate, user.name);
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout.trim(), user.name);
    await sshd.waitForLog(
      new RegExp(`Accepted certificate ID "grace@corp\\.example session=${issued.body.result.session_id}"`),
      5000,
      since,
    );
  });

  it('the same person cannot get a certificate for another username; root is refused by sshd too', async () => {
    const tokens = await signInWithProvider('grace');
    const denied = await certificateFor(tokens.access_token, 'root');
    assert.equal(denied.status, 403);
    assert.equal(denied.body.errors[0].message, 'you may not log in to box-1 as root');
    // A certificate for the allowed user does not open another account either: sshd checks principals.
    const issued = await certificateFor(tokens.access_token, user.name);
    const other = await loginWith(issued.body.result.certificate, 'root');
    assert.notEqual(other.code, 0);
  });

  it('the require rules bite: no MFA (upstream) or the wrong login method (built-in) gets no certificate', async () => {
    const henry = await signInWithProvider('henry');
    const noMfa = await certificateFor(henry.access_token, user.name);
    assert.equal(noMfa.status, 403);
    assert.equal(noMfa.body.errors[0].message, 'no policy of the apps covering box-1 matches you');
    const bob = await signInBuiltIn(server.url, 'bob@corp.example', 'bob password');
    const builtIn = await certificateFor(bob.access_token, user.name);
    assert.equal(builtIn.status, 403);
    assert.deepEqual((await getJson(server.url, '/v1/me/targets', bob.access_token)).body.result, []);
  });

  it('after logout the token gets nothing; an expired certificate no longer logs in', async () => {
    const tokens = await signInWithProvider('grace');
    const issued = await certificateFor(tokens.access_token, user.name);
    assert.equal(issued.status, 200);
    await postForm(server.url, '/oauth/revoke', { token: tokens.refresh_token });
    const refused = await certificateFor(tokens.access_token, user.name);
    assert.equal(refused.status, 401);

    const short = await postJson(
      server.url,
      '/v1/me/certificates',
      (await signInWithProvider('grace')).access_token,
      {
        target_id: targetId,
        username: user.name,
        public_key: publicKey,
        valid_seconds: 1,
      },
    );
    assert.equal(short.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await loginWith(short.body.result.certificate, user.name);
    assert.notEqual(expired.code, 0, 'sshd refuses the expired certificate');
  });
});
