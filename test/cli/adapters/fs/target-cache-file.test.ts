import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TARGET_CACHE_LIFETIME_MS,
  TargetCacheFile,
} from '../../../../cli/src/adapters/fs/target-cache-file.js';
import { meTarget } from '../../domain/fixtures.js';
import { FakeClock } from '../../app/fakes.js';

describe('TargetCacheFile', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'latchkey-target-cache-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps each server’s list 0600 for its lifetime, then has none', async () => {
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const path = join(dir, 'config', 'targets-cache.json');
    const cache = new TargetCacheFile(path, clock);
    await cache.put('https://a.example', [meTarget('web-1')]);
    await cache.put('https://b.example', [meTarget('db-1'), meTarget('db-2')]);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(
      (await cache.get('https://a.example'))?.map((t) => t.hostname),
      ['web-1'],
    );
    assert.equal((await cache.get('https://b.example'))?.length, 2);
    assert.equal(await cache.get('https://c.example'), undefined);
    await clock.sleep(TARGET_CACHE_LIFETIME_MS);
    assert.equal(await cache.get('https://a.example'), undefined);
  });

  it('forgets one server’s list', async () => {
    const cache = new TargetCacheFile(join(dir, 'c.json'), new FakeClock(new Date()));
    await cache.put('https://a.example', [meTarget('web-1')]);
    await cache.put('https://b.example', [meTarget('db-1')]);
    await cache.forget('https://a.example');
    assert.equal(await cache.get('https://a.example'), undefined);
    assert.equal((await cache.get('https://b.example'))?.length, 1);
  });

  it('treats an unreadable or foreign file as no list, and replaces it on the next put', async () => {
    const path = join(dir, 'c.json');
    await writeFile(path, 'not json');
    const cache = new TargetCacheFile(path, new FakeClock(new Date()));
    assert.equal(await cache.get('https://a.example'), undefined);
    await writeFile(path, JSON.stringify({ version: 9, servers: { 'https://a.example': {} } }));
    assert.equal(await cache.get('https://a.example'), undefined);
    await cache.put('https://a.example', [meTarget('web-1')]);
    assert.equal(JSON.parse(await readFile(path, 'utf8')).version, 1);
  });
});
