// The agent's systemd unit, checked by systemd itself: `systemd-analyze verify` accepts it, and
// `systemd-analyze security` rates its exposure OK (at most 3.0 of 10) with the hardening that matters.
// Booting it for real under systemd is for the nspawn suite (spec/systemd-testing.md).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createTempDir, runCommand } from '../../harness/index.js';
import type { TempDir } from '../../harness/index.js';

const UNIT = fileURLToPath(new URL('../../../scripts/systemd/latchkey-agent.service', import.meta.url));
const AGENT_BIN = fileURLToPath(new URL('../../../agent/bin/latchkey-agent.js', import.meta.url));

describe('e2e: the latchkey-agent systemd unit', function () {
  this.timeout(30_000);
  let dir: TempDir;
  let unitPath: string;
  let text: string;

  before(async () => {
    dir = await createTempDir('agent-unit');
    text = await readFile(UNIT, 'utf8');
    // verify checks that ExecStart exists: point it at this checkout's agent (the installed path is /opt).
    unitPath = dir.file('latchkey-agent.service');
    await writeFile(unitPath, text.replace('/opt/latchkey-agent/bin/latchkey-agent', AGENT_BIN));
  });
  after(async () => dir?.remove());

  it('systemd-analyze verify accepts it', async () => {
    const result = await runCommand('systemd-analyze', ['verify', unitPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.trim(), '', 'no warnings either');
  });

  it('systemd-analyze security rates it OK, with the hardening that keeps it to /etc/ssh and its state', async () => {
    const result = await runCommand('systemd-analyze', ['security', '--offline=true', unitPath]);
    assert.equal(result.code, 0, result.stderr);
    const level = /Overall exposure level for latchkey-agent\.service: ([0-9.]+) (\w+)/.exec(result.stdout);
    assert.ok(level, result.stdout);
    assert.ok(Number(level[1]) <= 3.0, `exposure ${level[1]} ${level[2]}:\n${result.stdout}`);
    for (const passed of [
      'ProtectSystem=',
      'ProtectHome=',
      'NoNewPrivileges=',
      'PrivateTmp=',
      // Not ~@privileged as a whole: it holds the chown calls that keep sshd's files' owner (the unit
      // allows @chown again; test/e2e/installer found the EPERM on a real systemd host). The rest of it:
      'SystemCallFilter=~@mount',
      'SystemCallFilter=~@module',
      'SystemCallFilter=~@raw-io',
      'SystemCallFilter=~@reboot',
      'SystemCallFilter=~@swap',
      'SystemCallFilter=~@clock',
    ]) {
      assert.match(result.stdout, new RegExp(`✓ ${passed.replace(/[=~@]/g, '\\$&')}`), `${passed} is set`);
    }
  });

  it('restarts on failure, keeps its state in /var/lib/latchkey-agent (0700: the front records as root), writes only /etc/ssh, and makes no recorder socket', () => {
    const lines = text.split('\n');
    for (const line of [
      'ExecStart=/opt/latchkey-agent/bin/latchkey-agent run',
      'Restart=on-failure',
      'StateDirectory=latchkey-agent',
      'StateDirectoryMode=0700',
      'ReadWritePaths=/etc/ssh',
      'ProtectSystem=strict',
      'WantedBy=multi-user.target',
    ]) {
      assert.ok(lines.includes(line), `the unit says ${line}`);
    }
    // The front (default --front-listen 0.0.0.0:3022) needs no runtime directory (no socket) nor a
    // capability to bind: 3022 is not a privileged port.
    for (const absent of [/^RuntimeDirectory/, /^ExecStart=.*--front-listen/, /CAP_NET_BIND_SERVICE/]) {
      assert.ok(
        !lines.some((line) => !line.startsWith('#') && absent.test(line)),
        `the unit has no ${absent.source}`,
      );
    }
    // No capability beyond the ones that keep sshd's files and signal it.
    const bounding = lines.find((line) => line.startsWith('CapabilityBoundingSet='));
    assert.equal(
      bounding,
      'CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL',
    );
    // ssh2 (the front) runs Poly1305 in WebAssembly and Node's JIT writes code: W^X would kill both.
    assert.ok(lines.includes('MemoryDenyWriteExecute=no'));
    // The front listens on IPv4/IPv6 and reaches sshd over loopback; D-Bus and netlink as before.
    assert.ok(lines.includes('RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK'));
  });
});
