// readOsFacts on this machine, checked against what the shell itself reads from /etc/os-release and PID 1.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readOsFacts, readSshdVersion } from '../../../agent/src/adapters/os/os-facts.js';
import { parseOsRelease } from '../../../agent/src/adapters/os/os-release.js';
import { NodeFileSystem } from '../../../agent/src/adapters/fs/node-file-system.js';
import { ChildProcessRunner } from '../../../agent/src/adapters/process/child-process-runner.js';
import { runCommandOrThrow } from '../../harness/index.js';

describe('agent: OS facts of this machine', () => {
  it('match /etc/os-release as a shell sources it, and PID 1', async () => {
    const facts = await readOsFacts(new NodeFileSystem(), new ChildProcessRunner());
    const { stdout } = await runCommandOrThrow('sh', [
      '-c',
      '. /etc/os-release; printf "%s\\n%s\\n%s\\n" "$ID" "$ID_LIKE" "$VERSION_ID"',
    ]);
    const [id, idLike, versionId] = stdout.split('\n');
    assert.equal(facts.id, id);
    assert.deepEqual(facts.idLike ?? [], idLike === '' ? [] : idLike!.split(' '));
    assert.equal(facts.versionId, versionId === '' ? undefined : versionId);

    const comm = (await readFile('/proc/1/comm', 'utf8')).trim();
    if (comm === 'systemd') assert.equal(facts.initSystem, 'systemd');
    else if (comm !== 'init' && comm !== 'openrc-init') assert.equal(facts.initSystem, 'none');
    assert.equal(facts.sshdPath, '/usr/sbin/sshd');
  });

  it('reads the OpenSSH version that ssh -V prints', async () => {
    const version = await readSshdVersion(new ChildProcessRunner());
    const { stderr } = await runCommandOrThrow('ssh', ['-V']);
    assert.match(version ?? '', /^OpenSSH_\d+\.\d+/);
    assert.ok(stderr.startsWith(version!), `${stderr} starts with ${version}`);
  });

  it('parses os-release quoting: double quotes with escapes, single quotes, comments', () => {
    const fields = parseOsRelease(
      '# comment\nNAME="Fancy \\"Linux\\""\nID=fancy\nID_LIKE=\'rhel fedora\'\nVERSION_ID="9.4"\n\nBROKEN LINE\n',
    );
    assert.deepEqual(Object.fromEntries(fields), {
      NAME: 'Fancy "Linux"',
      ID: 'fancy',
      ID_LIKE: 'rhel fedora',
      VERSION_ID: '9.4',
    });
  });
});
