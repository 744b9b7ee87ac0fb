import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { myTargets } from '../../../cli/src/app/read-my-access.js';
import { sshConfig } from '../../../cli/src/app/write-ssh-config.js';
import type { TargetCache } from '../../../cli/src/app/ports/target-cache.js';
import type { MeTarget } from '../../../cli/src/domain/access-api.js';
import { credentialsFromTokens } from '../../../cli/src/domain/credentials.js';
import { meTarget } from '../domain/fixtures.js';
import { FakeAccessServer, FakeClock, FakeCredentialStore, MemoryTextFiles } from './fakes.js';

const SERVER_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
const FIRST_USE_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();

async function signedIn() {
  const clock = new FakeClock(new Date());
  const server = new FakeAccessServer(clock);
  server.targets = [
    meTarget('web-1', { port: 2201, front: { port: 2201, host_key: `${SERVER_KEY} agent@web-1` } }),
    meTarget('db-1', { id: '22222222-2222-4222-8222-222222222222' }),
  ];
  const store = new FakeCredentialStore();
  await store.put(credentialsFromTokens(server.url, server.issueTokens(), clock.now()));
  return { server, store, clock };
}

describe('sshConfig (latchkey ssh-config)', () => {
  const request = (write: boolean) => ({
    configDir: '/c',
    latchkeyCommand: ['/l'],
    write,
    userSshConfig: '/home/a/.ssh/config',
  });

  it("--write pins the fronted targets' server keys first, then writes the entries and the Include", async () => {
    const events: string[] = [];
    const files = new MemoryTextFiles(events);
    files.files.set('/c/known_hosts', `web-1 ${FIRST_USE_KEY}\ndb-1 ${FIRST_USE_KEY}\n`);
    const notes: string[] = [];
    const text = await sshConfig(
      { ...(await signedIn()), files, notify: (line) => void notes.push(line) },
      request(true),
    );
    assert.deepEqual(events, ['write /c/known_hosts', 'write /c/ssh_config', 'write /home/a/.ssh/config']);
    assert.equal(
      files.files.get('/c/known_hosts'),
      `db-1 ${FIRST_USE_KEY}\nweb-1 ${SERVER_KEY}\n`,
      'the first-use pin of a target that is not fronted is kept',
    );
    assert.equal(files.files.get('/c/ssh_config'), text);
    assert.match(text, /Host web-1\n {2}HostName 10\.0\.0\.5\n {2}Port 2201\n/);
    assert.match(text, /HostKeyAlias web-1\n {2}StrictHostKeyChecking yes\n/);
    assert.match(text, /HostKeyAlias db-1\n {2}StrictHostKeyChecking accept-new\n/);
    assert.match(notes.at(-1) ?? '', /Wrote 2 target\(s\)/);
  });

  it('a target the list marks tunnel: true gets the tunnel as its ProxyCommand; the others dial', async () => {
    const world = await signedIn();
    world.server.targets = [{ ...world.server.targets[0]!, tunnel: true }, world.server.targets[1]!];
    const text = await sshConfig(
      { ...world, files: new MemoryTextFiles(), notify: () => {} },
      request(false),
    );
    const [web, db] = text.split(/^Host /m).slice(1);
    assert.match(web ?? '', /^web-1\n/);
    assert.match(web ?? '', /ProxyCommand .*proxy .*00000000-0000-4000-8000-000000000005 %p/);
    assert.match(db ?? '', /^db-1\n/);
    assert.doesNotMatch(db ?? '', /ProxyCommand/);
    assert.deepEqual(
      world.server.calls.map((call) => call.split(' ')[0]),
      ['targets'],
      'one list, no separate tunnel list',
    );
  });

  it('without --write, prints the entries and touches no file', async () => {
    const files = new MemoryTextFiles();
    const text = await sshConfig({ ...(await signedIn()), files, notify: () => {} }, request(false));
    assert.match(text, /StrictHostKeyChecking yes/);
    assert.equal(files.files.size, 0);
  });
});

describe('myTargets (latchkey targets)', () => {
  it('renews the recent list `latchkey ssh` starts from (new ports and host keys)', async () => {
    const deps = await signedIn();
    const saved = new Map<string, readonly MeTarget[]>();
    const targetCache: TargetCache = {
      get: async (server) => saved.get(server),
      put: async (server, targets) => void saved.set(server, targets),
      forget: async (server) => void saved.delete(server),
    };
    const targets = await myTargets({ ...deps, targetCache });
    assert.equal(targets.length, 2);
    assert.equal(saved.get(deps.server.url), targets);
  });
});
