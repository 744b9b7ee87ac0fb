import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { isLatchkeyError } from '@latchkey/shared';
import { writeFileAtomically } from '../../../../cli/src/adapters/fs/atomic-file.js';
import { CredentialsFileStore } from '../../../../cli/src/adapters/fs/credentials-file-store.js';
import { localTextFiles } from '../../../../cli/src/adapters/fs/local-files.js';
import type { Credentials } from '../../../../cli/src/domain/credentials.js';
import { createTempDir, type TempDir } from '../../../harness/temp-dir.js';

const entry = (server: string, n = 1): Credentials => ({
  server,
  access_token: `at-${n}`,
  refresh_token: `rt-${n}`,
  expires_at: '2026-01-01T00:10:00.000Z',
});

describe('CredentialsFileStore', () => {
  let dir: TempDir;
  let previousUmask: number;
  beforeEach(async () => {
    dir = await createTempDir('cli-credentials');
    previousUmask = process.umask(0o022);
  });
  afterEach(async () => {
    process.umask(previousUmask);
    await dir.remove();
  });

  it('keeps one entry per server in a 0600 file inside a 0700 dir, even one that existed looser', async () => {
    const configDir = dir.file('latchkey');
    await mkdir(configDir, { mode: 0o755 });
    await chmod(configDir, 0o755);
    const store = new CredentialsFileStore(`${configDir}/credentials.json`);
    await store.put(entry('https://a.example'));
    await store.put(entry('https://b.example', 2));
    await store.put(entry('https://a.example', 3));
    assert.equal((await stat(configDir)).mode & 0o777, 0o700);
    assert.equal((await stat(store.location)).mode & 0o777, 0o600);
    assert.deepEqual(await store.servers(), ['https://a.example', 'https://b.example']);
    assert.deepEqual(await store.get('https://a.example'), entry('https://a.example', 3));
    assert.deepEqual(
      JSON.parse(await readFile(store.location, 'utf8')).servers['https://b.example'],
      entry('https://b.example', 2),
    );
    assert.deepEqual(
      (await readdir(configDir)).sort(),
      ['credentials.json'],
      'no temp or lock files left behind',
    );
  });

  it('removes an entry, and the file with the last one', async () => {
    const store = new CredentialsFileStore(dir.file('c/credentials.json'));
    await store.put(entry('https://a.example'));
    await store.put(entry('https://b.example'));
    assert.equal(await store.remove('https://a.example'), true);
    assert.equal(await store.remove('https://a.example'), false);
    assert.deepEqual(await store.servers(), ['https://b.example']);
    await store.remove('https://b.example');
    await assert.rejects(stat(store.location), { code: 'ENOENT' });
    assert.equal(await store.get('https://b.example'), undefined);
  });

  it('names the file and the way out when it is damaged', async () => {
    const location = dir.file('credentials.json');
    await writeFile(location, '{"servers": {"x": {"server": "x"}}}');
    await assert.rejects(
      new CredentialsFileStore(location).get('x'),
      (e) =>
        isLatchkeyError(e, 'invalid_config') && e.message.includes(location) && /delete it/.test(e.message),
    );
    await writeFile(location, '{not json');
    await assert.rejects(new CredentialsFileStore(location).servers(), (e) =>
      isLatchkeyError(e, 'invalid_config'),
    );
  });

  it('loses no update when many writers work at once (the lock file serialises them)', async () => {
    const location = dir.file('credentials.json');
    // Separate store objects share nothing in memory, like separate latchkey processes.
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        new CredentialsFileStore(location).put(entry(`https://s${i}.example`, i)),
      ),
    );
    assert.equal((await new CredentialsFileStore(location).servers()).length, 25);
  });

  it('never lets a reader see a partly written file', async () => {
    const location = dir.file('credentials.json');
    const store = new CredentialsFileStore(location);
    const big = (n: number) => ({ ...entry('https://a.example', n), access_token: `${n}`.repeat(200_000) });
    await store.put(big(1));
    let writing = true;
    const writer = (async () => {
      for (let n = 2; n < 12; n++) await store.put(big(n));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const read = await new CredentialsFileStore(location).get('https://a.example'); // throws on a torn file
      assert.ok(read !== undefined && read.access_token.length >= 200_000);
      reads++;
    }
    await writer;
    assert.ok(reads > 0);
  });
});

describe('writeFileAtomically for the person’s files', () => {
  let dir: TempDir;
  beforeEach(async () => (dir = await createTempDir('cli-atomic')));
  afterEach(async () => dir.remove());

  it('keeps an existing mode and a symlink (dotfile managers), replacing the link’s target', async () => {
    const real = dir.file('dotfiles-ssh-config');
    await writeFile(real, 'Host old\n');
    await chmod(real, 0o644);
    const link = dir.file('config');
    await symlink(real, link);
    await localTextFiles.write(link, 'Host new\n', 0o600);
    assert.ok((await lstat(link)).isSymbolicLink());
    assert.equal(await readlink(link), real);
    assert.equal(await readFile(real, 'utf8'), 'Host new\n');
    assert.equal((await stat(real)).mode & 0o777, 0o644);
  });

  it('creates a new file with the given mode in new 0700 directories', async () => {
    const file = dir.file('a/b/known_hosts');
    await localTextFiles.write(file, 'x\n', 0o600);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(dir.file('a'))).mode & 0o777, 0o700);
  });

  it('forces the mode when asked, whatever the file had', async () => {
    const file = dir.file('secret');
    await writeFile(file, 'x');
    await chmod(file, 0o644);
    await writeFileAtomically(file, 'y', { mode: 0o600 });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });
});
