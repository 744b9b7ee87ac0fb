// What the access server serves to targets (server/src/adapters/http/routes/agent-downloads.ts), from the
// real latchkey-server process: the installer with the server's own URL put in, the package with its
// sha256, ETag and HEAD, a package rebuilt while the server runs, and a clear 404 when there is none.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createTempDir, runCommand } from '../../harness/index.js';
import type { TempDir } from '../../harness/index.js';
import { startServerProcess } from '../server/server-process.js';
import type { ServerProcess } from '../server/server-process.js';

const NAME = 'latchkey-agent-linux-x64.tar.gz';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('e2e: the access server serves the agent installer and package', function () {
  this.timeout(60_000);
  let dir: TempDir;
  let server: ServerProcess | undefined;

  beforeEach(async () => {
    dir = await createTempDir('agent-downloads');
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await dir.remove();
  });

  it('serves /install.sh with its public URL, and the package with its sha256, ETag and HEAD', async () => {
    const packagePath = dir.file(NAME);
    const first = new Uint8Array(Buffer.from('not really a tarball, but bytes all the same\n'));
    await writeFile(packagePath, first);
    server = await startServerProcess([
      '--data-dir',
      dir.file('data'),
      '--listen',
      '127.0.0.1:0',
      '--agent-package',
      packagePath,
    ]);

    const script = await fetch(`${server.url}/install.sh`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/x-shellscript/);
    const text = await script.text();
    assert.ok(text.includes(`SERVED_FROM='${server.url}'`), 'the server put its URL in');
    assert.ok(!text.includes('@LATCHKEY_SERVED_FROM@'));
    const source = await readFile(new URL('../../../scripts/install-agent.sh', import.meta.url), 'utf8');
    assert.equal(text, source.replace('@LATCHKEY_SERVED_FROM@', server.url));
    await writeFile(dir.file('install.sh'), text);
    const syntax = await runCommand('bash', ['-n', dir.file('install.sh')]);
    assert.equal(syntax.code, 0, syntax.stderr);

    const stated = await fetch(`${server.url}/downloads/${NAME}.sha256`);
    assert.equal(stated.status, 200);
    assert.equal(await stated.text(), `${sha256(first)}  ${NAME}\n`);

    const download = await fetch(`${server.url}/downloads/${NAME}`);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('etag'), `"${sha256(first)}"`);
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), first);

    const head = await fetch(`${server.url}/downloads/${NAME}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(first.length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);

    const unchanged = await fetch(`${server.url}/downloads/${NAME}`, {
      headers: { 'if-none-match': `"${sha256(first)}"` },
    });
    assert.equal(unchanged.status, 304);

    // Rebuilt while the server runs: the new bytes and hash are served at once.
    const second = new Uint8Array(Buffer.from('a rebuilt package, longer than the first one was\n'));
    await writeFile(packagePath, second);
    const again = await fetch(`${server.url}/downloads/${NAME}.sha256`);
    assert.equal(await again.text(), `${sha256(second)}  ${NAME}\n`);
    const fresh = await fetch(`${server.url}/downloads/${NAME}`, {
      headers: { 'if-none-match': `"${sha256(first)}"` },
    });
    assert.equal(fresh.status, 200);
    assert.deepEqual(new Uint8Array(await fresh.arrayBuffer()), second);
  });

  it('answers 404 saying how to build the package when there is none', async () => {
    server = await startServerProcess([
      '--data-dir',
      dir.file('data'),
      '--listen',
      '127.0.0.1:0',
      '--agent-package',
      dir.file('nothing-here.tar.gz'),
    ]);
    for (const path of [`/downloads/${NAME}`, `/downloads/${NAME}.sha256`]) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 404, path);
      const body = (await response.json()) as { errors: { message: string }[] };
      assert.match(body.errors[0]!.message, /does not exist: build it with `npm run package:agent`/);
    }
  });
});
