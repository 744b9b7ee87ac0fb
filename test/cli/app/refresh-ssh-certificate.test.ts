import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import {
  generateSshKeyPair,
  isLatchkeyError,
  parseCertificate,
  parseSshPrivateKey,
  type SshPrivateKey,
} from '@latchkey/shared';
import { localSshKeyFiles } from '../../../cli/src/adapters/fs/local-files.js';
import { refreshSshCertificate } from '../../../cli/src/app/refresh-ssh-certificate.js';
import { credentialsFromTokens } from '../../../cli/src/domain/credentials.js';
import { sshKeyPaths } from '../../../cli/src/domain/ssh-key-paths.js';
import { createTempDir, type TempDir } from '../../harness/temp-dir.js';
import { meTarget } from '../domain/fixtures.js';
import { FakeAccessServer, FakeClock, FakeCredentialStore, MemoryTextFiles } from './fakes.js';

describe('refreshSshCertificate (the ssh-config helper)', () => {
  let dir: TempDir;
  let clock: FakeClock;
  let server: FakeAccessServer;
  let generated: number;
  let deps: Parameters<typeof refreshSshCertificate>[0];
  let files: MemoryTextFiles;
  let notes: string[];

  beforeEach(async () => {
    dir = await createTempDir('cli-ssh-cert');
    clock = new FakeClock(new Date());
    server = new FakeAccessServer(clock);
    server.targets = [meTarget('web-1', { usernames: ['ubuntu', 'deploy'] })];
    const store = new FakeCredentialStore();
    await store.put(credentialsFromTokens(server.url, server.issueTokens(), clock.now()));
    generated = 0;
    files = new MemoryTextFiles();
    notes = [];
    deps = {
      files,
      notify: (line: string) => void notes.push(line),
      server,
      store,
      clock,
      keyFiles: localSshKeyFiles,
      generateKey: (): SshPrivateKey => {
        generated++;
        return generateSshKeyPair('ed25519');
      },
    };
  });
  afterEach(async () => dir.remove());

  const request = (username = 'ubuntu') => ({ configDir: dir.path, hostname: 'Web-1', username });
  const paths = () => sshKeyPaths(dir.path, 'web-1', 'ubuntu');
  async function readPair() {
    const key = parseSshPrivateKey(await readFile(paths().privateKey, 'utf8'));
    const certificate = parseCertificate(await readFile(paths().certificate, 'utf8'));
    return { key, certificate };
  }

  it('writes a key (0600, in a 0700 dir) and a certificate for it, for that user', async () => {
    await refreshSshCertificate(deps, request());
    const { key, certificate } = await readPair();
    assert.ok(certificate.subjectKey.equals(key.publicKey));
    assert.deepEqual(certificate.principals, ['ubuntu']);
    assert.equal((await stat(paths().privateKey)).mode & 0o777, 0o600);
    assert.equal((await stat(paths().certificate)).mode & 0o777, 0o600);
    assert.equal((await stat(paths().dir)).mode & 0o777, 0o700);
    assert.deepEqual(
      server.certificatesIssued.map((c) => c.username),
      ['ubuntu'],
    );
  });

  it('keeps the key while its certificate is valid and writes a new certificate each time', async () => {
    await refreshSshCertificate(deps, request());
    const first = await readPair();
    clock.advance(60_000);
    await refreshSshCertificate(deps, request());
    const second = await readPair();
    assert.ok(second.key.publicKey.equals(first.key.publicKey));
    assert.notEqual(second.certificate.serial, first.certificate.serial);
    assert.equal(generated, 1);
  });

  it('makes a new key pair once the last certificate has expired', async () => {
    await refreshSshCertificate(deps, request());
    const first = await readPair();
    clock.advance(first.certificate.validBefore.getTime() - clock.now());
    await refreshSshCertificate(deps, request());
    const second = await readPair();
    assert.ok(!second.key.publicKey.equals(first.key.publicKey));
    assert.ok(second.certificate.subjectKey.equals(second.key.publicKey));
    assert.equal(generated, 2);
  });

  it('leaves every connection a matching pair when many helpers run at once', async () => {
    await Promise.all(Array.from({ length: 12 }, () => refreshSshCertificate(deps, request())));
    const { key, certificate } = await readPair();
    assert.ok(certificate.subjectKey.equals(key.publicKey));
    assert.equal(generated, 1, 'the helpers took turns: the first made the key, the others reused it');
    assert.equal(server.certificatesIssued.length, 12);
    assert.equal(new Set(server.certificatesIssued.map((c) => c.public_key)).size, 1);
  });

  it('refuses a username that is not a UNIX username (ssh passes %r verbatim)', async () => {
    await assert.rejects(
      refreshSshCertificate(deps, request('../../etc')),
      (e) => isLatchkeyError(e, 'invalid_argument') && /not a valid UNIX username/.test(e.message),
    );
    assert.equal(server.certificatesIssued.length, 0);
  });

  it("passes the server's denial on and leaves the files as they were", async () => {
    await refreshSshCertificate(deps, request());
    const before = await readFile(paths().certificate, 'utf8');
    server.deny = (target, username) => `you may not log in to ${target.hostname} as ${username}`;
    await assert.rejects(
      refreshSshCertificate(deps, request()),
      (e) => isLatchkeyError(e, 'permission_denied') && e.message === 'you may not log in to web-1 as ubuntu',
    );
    assert.equal(await readFile(paths().certificate, 'utf8'), before);
  });

  describe('a fronted target', () => {
    const SERVER_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const OLD_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
    const knownHosts = () => `${dir.path}/known_hosts`;
    beforeEach(() => {
      server.targets = [
        meTarget('web-1', {
          usernames: ['ubuntu'],
          port: 2201,
          front: { port: 2201, host_key: `${SERVER_KEY} agent` },
        }),
      ];
    });

    it("pins the certificate answer's host key in Latchkey's known_hosts (ssh checks it next), keeping other lines", async () => {
      files.files.set(knownHosts(), `db-1 ${OLD_KEY}\nweb-1 ${OLD_KEY}\n`);
      await refreshSshCertificate(deps, { ...request(), port: '2201' });
      assert.equal(files.files.get(knownHosts()), `db-1 ${OLD_KEY}\nweb-1 ${SERVER_KEY}\n`);
      assert.deepEqual(notes, []);
    });

    it('says the ssh config is out of date when ssh goes to another port than the front', async () => {
      await refreshSshCertificate(deps, { ...request(), port: '22' });
      assert.equal(notes.length, 1);
      assert.match(
        notes[0]!,
        /port 22 of Web-1, but the access server says 2201.*latchkey ssh-config --write/,
      );
    });

    it('pins nothing for a target that is not fronted', async () => {
      server.targets = [meTarget('web-1', { usernames: ['ubuntu'] })];
      await refreshSshCertificate(deps, { ...request(), port: '22' });
      assert.equal(files.files.size, 0);
      assert.deepEqual(notes, []);
    });
  });
});
