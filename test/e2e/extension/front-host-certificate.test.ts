// The VS Code extension's connection path (connectToTarget over the real HTTP client and the ssh2
// connector) against agent-managed targets whose fronts present host certificates, everything real
// (front-fixture.ts: the server, two agents with fronts, their sshds): ssh2's client takes the front's
// host certificate (shared/src/ssh2/accept-host-certificates.ts and the ssh2 patch) and the extension
// checks it against the account's host CA and the target id. A connection redirected to another target's
// front, or to a host with an uncertified key, is refused before anything is sent.
import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { FetchAccessServer } from '../../../extension/src/adapters/http/access-server-client.js';
import { generateEphemeralKeyPair } from '../../../extension/src/adapters/ssh/ed25519-key-pair.js';
import { Ssh2Connector } from '../../../extension/src/adapters/ssh/ssh2-connector.js';
import { connectToTarget, type ConnectDeps } from '../../../extension/src/app/connect-to-target.js';
import type { ShellEnd, SshConnector } from '../../../extension/src/app/ports/ssh.js';
import { SignedInSession } from '../../../extension/src/app/signed-in-session.js';
import type { MyTarget } from '../../../extension/src/domain/access-api.js';
import { eventually } from '../../harness/index.js';
import { signInBuiltIn } from '../../server/sign-in/sign-in-client.js';
import { FakeClock, MemoryStore } from '../../extension/app/fakes.js';
import { startFrontWorld, type FrontWorld } from '../front/front-fixture.js';

describe('e2e/extension: connecting to fronts by their host certificates', function () {
  this.timeout(240_000);
  let world: FrontWorld;
  let web: MyTarget;
  let deps: ConnectDeps;
  let server: FetchAccessServer;
  let session: SignedInSession;

  before(async () => {
    world = await startFrontWorld();
    server = new FetchAccessServer(world.server.url);
    const tokens = await signInBuiltIn(
      world.server.url,
      'bob@corp.example',
      'bob@corp.example long password',
    );
    session = new SignedInSession({
      server,
      store: new MemoryStore({
        serverUrl: world.server.url,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        accessTokenExpiresAt: Date.now() + 600_000,
        email: 'bob@corp.example',
        sessionId: '00000000-0000-4000-8000-000000000000',
      }),
      clock: new FakeClock(Date.now()),
    });
    web = await eventually('web-1 listed with the host CA', 30_000, async () => {
      const targets = await session.withAccessToken((token) => server.myTargets(token));
      const found = targets.find((t) => t.hostname === 'web-1');
      return found?.front?.host_ca === undefined ? undefined : found;
    });
    deps = {
      server,
      session,
      keys: { generate: (comment) => generateEphemeralKeyPair(comment) },
      ssh: new Ssh2Connector(),
      hostKeys: { load: async () => ({}), save: async () => assert.fail('a certified front pins nothing') },
      notice: () => undefined,
      now: () => new Date(),
    };
  });
  after(async () => {
    await world?.stop();
  });

  /** The real connector, but to another port of 127.0.0.1: the connection redirected elsewhere. */
  const redirectedTo = (port: number): SshConnector => ({
    openShell: (request) => new Ssh2Connector().openShell({ ...request, port }),
  });

  it('connects: the host certificate from the host CA naming the target is accepted', async () => {
    const shell = await connectToTarget(deps, {
      target: web,
      username: world.user.name,
      size: { columns: 80, rows: 24 },
    });
    let output = '';
    shell.onData((data) => (output += data.toString('utf8')));
    const ended = new Promise<ShellEnd>((resolve) => shell.onEnd(resolve));
    shell.write('echo "via-extension-$((6*7))"; exit 3\n');
    const end = await ended;
    assert.match(output, /via-extension-42/);
    assert.equal(end.exitCode, 3);
  });

  it("refuses another target's front (its certificate names another target)", async () => {
    await assert.rejects(
      connectToTarget(
        { ...deps, ssh: redirectedTo(world.db.frontPort) },
        { target: web, username: world.user.name, size: { columns: 80, rows: 24 } },
      ),
      (error: unknown) =>
        isLatchkeyError(error, 'permission_denied') &&
        /not the one the access server certified as web-1/.test(error.message) &&
        /a host certificate for another host/.test(error.message),
    );
  });

  it('refuses a host with an uncertified key', async () => {
    await assert.rejects(
      connectToTarget(
        { ...deps, ssh: redirectedTo(world.web.sshd.port) },
        { target: web, username: world.user.name, size: { columns: 80, rows: 24 } },
      ),
      (error: unknown) =>
        isLatchkeyError(error, 'permission_denied') &&
        /not the one the access server certified as web-1/.test(error.message) &&
        /no host certificate \(a plain key\)/.test(error.message),
    );
  });
});
