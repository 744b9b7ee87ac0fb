// "Open in Remote-SSH" as a use-case: the latchkey CLI writes the ssh config, then Remote-SSH opens the
// target; every failure says what to do. Ports are in-memory here; test/e2e/extension/remote-ssh-config
// runs the real CLI.
import assert from 'node:assert/strict';
import { openInRemoteSsh } from '../../../extension/src/app/open-in-remote-ssh.js';
import type { LatchkeyCli, RemoteSshWindow } from '../../../extension/src/app/open-in-remote-ssh.js';

function fakes(cliAnswer: { exitCode: number; stderr: string } | Error, installed = true) {
  const calls: string[][] = [];
  const opened: string[] = [];
  const cli: LatchkeyCli = {
    run: async (args) => {
      calls.push([...args]);
      if (cliAnswer instanceof Error) throw cliAnswer;
      return cliAnswer;
    },
  };
  const remoteSsh: RemoteSshWindow = {
    installed: () => installed,
    open: async (host) => void opened.push(host),
  };
  return {
    deps: { cli, remoteSsh, cliPath: 'latchkey', serverUrl: 'https://access.example.com' },
    calls,
    opened,
  };
}

describe('extension: open in Remote-SSH', () => {
  it('writes the ssh config for the extension’s server, then opens the target', async () => {
    const { deps, calls, opened } = fakes({ exitCode: 0, stderr: '' });
    await openInRemoteSsh(deps, 'web-1');
    assert.deepEqual(calls, [['ssh-config', '--write', '--server', 'https://access.example.com']]);
    assert.deepEqual(opened, ['web-1']);
  });

  const failures: [string, ReturnType<typeof fakes>, RegExp][] = [
    [
      'Remote-SSH missing',
      fakes({ exitCode: 0, stderr: '' }, false),
      /Remote-SSH \(ms-vscode-remote\.remote-ssh\) is not installed/,
    ],
    [
      'no CLI',
      fakes(Object.assign(new Error('spawn latchkey ENOENT'), { code: 'ENOENT' })),
      /cannot run the latchkey CLI \(latchkey\): spawn latchkey ENOENT\. Install it, or set "latchkey\.cliPath"/,
    ],
    [
      'CLI not signed in',
      fakes({ exitCode: 3, stderr: 'not signed in' }),
      /not signed in to https:\/\/access\.example\.com: run "latchkey login --server https:\/\/access\.example\.com"/,
    ],
    [
      'CLI failure',
      fakes({ exitCode: 5, stderr: 'x\ncannot reach the server\n' }),
      /latchkey ssh-config failed \(exit 5\): cannot reach the server/,
    ],
  ];
  for (const [what, { deps, opened }, message] of failures) {
    it(`says what to do when ${what}, and opens nothing`, async () => {
      await assert.rejects(openInRemoteSsh(deps, 'web-1'), message);
      assert.deepEqual(opened, []);
    });
  }
});
