import assert from 'node:assert/strict';
import { generateSshKeyPair } from '@latchkey/shared';
import { applyCaTrust } from '../../../agent/src/app/apply-ca-trust.js';
import { uninstallCaTrust } from '../../../agent/src/app/uninstall-ca-trust.js';
import type { OsFacts } from '../../../agent/src/domain/sshd/distro.js';
import { InMemorySshdHost } from './in-memory-sshd-host.js';

const RHEL: OsFacts = { id: 'rocky', versionId: '9', initSystem: 'systemd' };
const MAIN = '/etc/ssh/sshd_config';
const CA = '/etc/ssh/ca.pub';
const STATE = '/var/lib/latchkey-agent';
const EFFECTIVE = `pubkeyauthentication yes\ntrustedusercakeys ${CA}\n`;
const VALIDATE_LIVE = `run /usr/sbin/sshd -t -f ${MAIN}`;
const RELOAD = 'run systemctl reload sshd';
// The restart clears a start limit that failed starts may have hit (see restart-plan.ts).
const RESTART = ['run systemctl reset-failed sshd', 'run systemctl restart sshd'];

const caKey = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey('latchkey CA');
/** Not valid UTF-8, CRLF endings, an odd mode: only a byte copy brings this back. */
const ORIGINAL_MAIN = new Uint8Array([
  ...new TextEncoder().encode('# caf\u00e9 '),
  0xff,
  0xfe,
  ...new TextEncoder().encode('\r\n#PubkeyAuthentication yes\r\nPort 22\r\n'),
]);

async function appliedHost(): Promise<{
  host: InMemorySshdHost;
  original: ReturnType<InMemorySshdHost['snapshot']>;
}> {
  const host = new InMemorySshdHost();
  host.put(MAIN, ORIGINAL_MAIN, 0o640);
  host.respond = (argv) => (argv.includes('-T') ? { stdout: EFFECTIVE } : {});
  const original = host.snapshot();
  const result = await applyCaTrust({ host, facts: RHEL, serverKeys: [caKey] });
  assert.equal(result.status, 'applied', JSON.stringify(result, null, 2));
  const edited = Buffer.from(host.fileMap.get(MAIN)!.bytes);
  assert.ok(
    edited.includes(Buffer.from([0x20, 0xff, 0xfe, 0x0d, 0x0a])),
    'the edit keeps the bytes it does not edit',
  );
  host.events.length = 0;
  return { host, original };
}

describe('uninstallCaTrust (in-memory ports)', () => {
  it('restores the original files byte for byte, validates, reloads, probes and forgets the backups', async () => {
    const { host, original } = await appliedHost();

    const result = await uninstallCaTrust({ host, facts: RHEL });

    assert.equal(result.status, 'applied', JSON.stringify(result, null, 2));
    assert.deepEqual(host.snapshot(), original, 'bytes and mode of sshd_config; ca.pub gone');
    assert.deepEqual(host.commandLog(), [VALIDATE_LIVE, RELOAD]);
    assert.deepEqual(
      host.events.filter((e) => e.startsWith('probe')),
      ['probe 127.0.0.1:22'],
    );
    assert.deepEqual(await host.files.list(STATE), []);

    host.events.length = 0;
    assert.equal((await uninstallCaTrust({ host, facts: RHEL })).status, 'unchanged');
    assert.deepEqual(host.commandLog(), [], 'a second uninstall leaves sshd alone');
  });

  it('puts Latchkey back when sshd rejects the restored files, without reloading sshd', async () => {
    const { host } = await appliedHost();
    const applied = host.snapshot();
    host.respond = (argv) =>
      argv.includes('-t') ? { code: 255, stderr: 'line 1: Bad configuration option' } : {};

    const result = await uninstallCaTrust({ host, facts: RHEL });

    assert.ok(result.status === 'rolled_back');
    assert.equal(result.failure.stage, 'validate');
    assert.match(result.failure.output!, /Bad configuration option/);
    assert.equal(result.rollback.reactivated, 'not-needed');
    assert.deepEqual(host.snapshot(), applied);
    assert.deepEqual(host.commandLog(), [VALIDATE_LIVE]);
    assert.ok(
      host.fileMap.has(`${STATE}/backup/original${MAIN}`),
      'the originals are kept for a later attempt',
    );
  });

  it('puts Latchkey back and reloads again when sshd does not answer after the uninstall', async () => {
    const { host } = await appliedHost();
    const applied = host.snapshot();
    host.answer = () =>
      host.fileMap.has(CA)
        ? { answered: true, banner: 'SSH-2.0-OpenSSH_8.7' }
        : { answered: false, reason: 'refused' };

    const result = await uninstallCaTrust({ host, facts: RHEL });

    assert.ok(result.status === 'rolled_back', JSON.stringify(result, null, 2));
    assert.equal(result.failure.stage, 'probe');
    assert.deepEqual(result.rollback, {
      restored: [MAIN, CA],
      reactivated: 'reload',
      sshdAnswers: true,
      errors: [],
    });
    assert.deepEqual(host.snapshot(), applied);
    assert.deepEqual(host.commandLog(), [VALIDATE_LIVE, RELOAD, ...RESTART, VALIDATE_LIVE, RELOAD]);
  });

  it('without backups, removes exactly what Latchkey marked as its own', async () => {
    const { host, original } = await appliedHost();
    for (const path of [...host.fileMap.keys()].filter((p) => p.startsWith(STATE))) host.fileMap.delete(path);

    const result = await uninstallCaTrust({ host, facts: RHEL });

    assert.equal(result.status, 'applied');
    assert.equal(host.fileMap.has(CA), false);
    assert.deepEqual(host.fileMap.get(MAIN)!.bytes, original.get(MAIN)!.bytes);
  });
});
