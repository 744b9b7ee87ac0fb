import assert from 'node:assert/strict';
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { generateSshKeyPair, isLatchkeyError } from '@latchkey/shared';
import { renderSshConfig, sshConfigHostKeys } from '../../../../cli/src/domain/render-ssh-config.js';
import { createTempDir, runCommandOrThrow } from '../../../harness/index.js';
import { meTarget } from '../../../cli/domain/fixtures.js';

const SERVER = 'https://latchkey.example.com';
const FRONT_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
const OTHER_FRONT_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();

describe('renderSshConfig', () => {
  const targets = [
    meTarget('Web-1', { usernames: ['ubuntu'], port: 2222 }),
    meTarget('db-1', {
      id: '22222222-2222-4222-8222-222222222222',
      ip: { ipv6: { ip_addr: '2001:db8::7', virtual_network_id: 'v' } },
      usernames: ['postgres', 'alice'],
    }),
  ];

  it('writes a Host entry and a Match exec helper line per target', () => {
    const text = renderSshConfig({
      server: SERVER,
      configDir: '/home/a/.config/latchkey',
      latchkeyCommand: ['/usr/bin/node', '/opt/latchkey/bin/latchkey.js'],
      targets,
    });
    const body = text.slice(text.indexOf('\nHost '));
    assert.equal(
      body,
      [
        '',
        'Host web-1',
        '  HostName 10.0.0.5',
        '  Port 2222',
        '  User ubuntu',
        '  UserKnownHostsFile /home/a/.config/latchkey/known_hosts',
        '  HostKeyAlias web-1',
        '  StrictHostKeyChecking accept-new',
        '  IdentitiesOnly yes',
        `Match originalhost web-1 exec "/usr/bin/node /opt/latchkey/bin/latchkey.js ssh-cert --server ${SERVER} --config-dir /home/a/.config/latchkey web-1 '%r' '%p'"`,
        '  IdentityFile /home/a/.config/latchkey/ssh/web-1/%r/id_ed25519',
        '  CertificateFile /home/a/.config/latchkey/ssh/web-1/%r/id_ed25519-cert.pub',
        '',
        'Host db-1',
        '  HostName 2001:db8::7',
        '  Port 22',
        '  UserKnownHostsFile /home/a/.config/latchkey/known_hosts',
        '  HostKeyAlias db-1',
        '  StrictHostKeyChecking accept-new',
        '  IdentitiesOnly yes',
        `Match originalhost db-1 exec "/usr/bin/node /opt/latchkey/bin/latchkey.js ssh-cert --server ${SERVER} --config-dir /home/a/.config/latchkey db-1 '%r' '%p'"`,
        '  IdentityFile /home/a/.config/latchkey/ssh/db-1/%r/id_ed25519',
        '  CertificateFile /home/a/.config/latchkey/ssh/db-1/%r/id_ed25519-cert.pub',
        '',
      ].join('\n'),
    );
    assert.match(text, /^# Written by `latchkey ssh-config` for https:\/\/latchkey\.example\.com/);
  });

  it('keeps the first of two targets with one hostname and says how to reach the other', () => {
    const text = renderSshConfig({
      server: SERVER,
      configDir: '/c',
      latchkeyCommand: ['/l'],
      targets: [meTarget('web-1'), meTarget('WEB-1', { id: '33333333-3333-4333-8333-333333333333' })],
    });
    assert.equal(text.match(/^Host /gm)?.length, 1);
    assert.match(text, /latchkey ssh 33333333-3333-4333-8333-333333333333/);
  });

  it("a fronted target: the front's port, and only the host key the server gives (strict, no global file)", () => {
    const text = renderSshConfig({
      server: SERVER,
      configDir: '/c',
      latchkeyCommand: ['/l'],
      targets: [meTarget('web-1', { port: 2201, front: { port: 2201, host_key: `${FRONT_KEY} agent` } })],
    });
    const body = text.slice(text.indexOf('\nHost '));
    assert.equal(
      body.split('\n').slice(0, 10).join('\n'),
      [
        '',
        'Host web-1',
        '  HostName 10.0.0.5',
        '  Port 2201',
        '  User ubuntu',
        '  UserKnownHostsFile /c/known_hosts',
        '  HostKeyAlias web-1',
        '  StrictHostKeyChecking yes',
        '  GlobalKnownHostsFile /dev/null',
        '  IdentitiesOnly yes',
      ].join('\n'),
    );
    assert.doesNotMatch(text, /accept-new/);
  });

  it('pins the host keys of the fronted targets it writes entries for, and of no other', () => {
    const targets = [
      meTarget('Web-1', { port: 2201, front: { port: 2201, host_key: FRONT_KEY } }),
      meTarget('db-1', { id: '22222222-2222-4222-8222-222222222222' }),
      meTarget('WEB-1', {
        id: '33333333-3333-4333-8333-333333333333',
        front: { port: 2201, host_key: OTHER_FRONT_KEY },
      }),
    ];
    assert.deepEqual(sshConfigHostKeys(targets), [{ hostname: 'web-1', hostKey: FRONT_KEY }]);
  });

  it('trusts the host CA (and strictly) for a front with a host certificate, pinning no key', () => {
    const front = { port: 2201, host_key: FRONT_KEY, host_ca: `${OTHER_FRONT_KEY} latchkey-host-ca` };
    const targets = [
      meTarget('Web-1', { port: 2201, front }),
      meTarget('db-1', {
        id: '22222222-2222-4222-8222-222222222222',
        port: 2201,
        front: { ...front, host_ca: undefined },
      }),
    ];
    assert.deepEqual(sshConfigHostKeys(targets), [
      { hostname: 'web-1', hostCa: OTHER_FRONT_KEY },
      { hostname: 'db-1', hostKey: FRONT_KEY },
    ]);
    const text = renderSshConfig({ server: SERVER, configDir: '/c', latchkeyCommand: ['/l'], targets });
    assert.match(text, /Host web-1\n(?: {2}.*\n)*? {2}HostKeyAlias web-1\n {2}StrictHostKeyChecking yes\n/);
    assert.doesNotMatch(text, /accept-new/);
  });

  it('leaves out a fronted target whose host key is not one public key line, and says why', () => {
    const bad = meTarget('web-1', {
      port: 2201,
      front: { port: 2201, host_key: `${FRONT_KEY}\n* ${FRONT_KEY}` },
    });
    const text = renderSshConfig({
      server: SERVER,
      configDir: '/c',
      latchkeyCommand: ['/l'],
      targets: [bad],
    });
    assert.doesNotMatch(text, /^Host /m);
    assert.match(
      text,
      /# web-1 .* skipped: the access server's host key for it is not an OpenSSH public key/,
    );
    assert.deepEqual(sshConfigHostKeys([bad]), []);
  });

  it('refuses paths it cannot quote safely', () => {
    for (const configDir of ["/home/o'brien/.config/latchkey", '/a"b', '/a\\b', '/a\nb']) {
      assert.throws(
        () => renderSshConfig({ server: SERVER, configDir, latchkeyCommand: ['/l'], targets }),
        (e) => isLatchkeyError(e, 'invalid_argument') && /cannot be written safely/.test(e.message),
      );
    }
  });

  it('is read by the real ssh as intended: options, %r, the helper run with its arguments (ssh -G)', async () => {
    const dir = await createTempDir('ssh-config render');
    try {
      // A config dir with a space and a % in it: quoting and %-escaping must survive ssh's parser and sh.
      const configDir = dir.file('my config %d');
      const recorder = dir.file('record helper.sh');
      const record = dir.file('helper-args');
      await writeFile(recorder, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${record}'\n`);
      await chmod(recorder, 0o755);
      const configFile = dir.file('ssh_config');
      await writeFile(
        configFile,
        renderSshConfig({ server: SERVER, configDir, latchkeyCommand: [recorder], targets }),
      );
      const { stdout } = await runCommandOrThrow('ssh', ['-G', '-F', configFile, 'web-1']);
      const settings = new Map(
        stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => {
            const space = line.indexOf(' ');
            return [line.slice(0, space), line.slice(space + 1)] as const;
          }),
      );
      const options = (name: string) =>
        stdout
          .split('\n')
          .filter((line) => line.startsWith(`${name} `))
          .map((line) => line.slice(name.length + 1));
      assert.equal(settings.get('hostname'), '10.0.0.5');
      assert.equal(settings.get('port'), '2222');
      assert.equal(settings.get('user'), 'ubuntu');
      assert.equal(settings.get('hostkeyalias'), 'web-1');
      assert.equal(settings.get('stricthostkeychecking'), 'accept-new');
      // A fronted target: ssh itself reads strict checking against Latchkey's known_hosts only.
      const frontedFile = dir.file('ssh_config_fronted');
      await writeFile(
        frontedFile,
        renderSshConfig({
          server: SERVER,
          configDir,
          latchkeyCommand: ['/bin/true'],
          targets: [meTarget('web-1', { port: 2201, front: { port: 2201, host_key: FRONT_KEY } })],
        }),
      );
      const fronted = await runCommandOrThrow('ssh', ['-G', '-F', frontedFile, 'web-1']);
      assert.match(fronted.stdout, /^port 2201$/m);
      assert.match(fronted.stdout, /^stricthostkeychecking (yes|true)$/m);
      assert.match(fronted.stdout, /^globalknownhostsfile \/dev\/null$/m);
      assert.equal(settings.get('identitiesonly'), 'yes');
      // ssh -G shows file names before %-expansion (the e2e suite proves the expanded files are used).
      const escapedDir = configDir.replace('%', '%%');
      assert.deepEqual(options('identityfile'), [`${escapedDir}/ssh/web-1/%r/id_ed25519`]);
      assert.deepEqual(options('certificatefile'), [`${escapedDir}/ssh/web-1/%r/id_ed25519-cert.pub`]);
      const args = (await readFile(record, 'utf8')).trimEnd().split('\n');
      assert.deepEqual(args, [
        'ssh-cert',
        '--server',
        SERVER,
        '--config-dir',
        configDir,
        'web-1',
        'ubuntu',
        '2222',
      ]);

      // A user on the command line wins over the Host entry's User, for the files and the helper.
      const other = await runCommandOrThrow('ssh', ['-G', '-F', configFile, 'alice@db-1']);
      assert.match(other.stdout, /^user alice$/m);

      // A failing helper (not signed in, denied): no Latchkey key or certificate is offered at all.
      const failing = dir.file('ssh_config_failing');
      await writeFile(
        failing,
        renderSshConfig({ server: SERVER, configDir, latchkeyCommand: ['/bin/false'], targets }),
      );
      const refused = await runCommandOrThrow('ssh', ['-G', '-F', failing, 'web-1']);
      assert.doesNotMatch(refused.stdout, /^(identityfile|certificatefile) .*my config/m);
      assert.deepEqual((await readFile(record, 'utf8')).trimEnd().split('\n').slice(-3), [
        'db-1',
        'alice',
        '22',
      ]);
    } finally {
      await dir.remove();
    }
  });
});
