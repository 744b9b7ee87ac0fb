import assert from 'node:assert/strict';
import { NO_PASS_THROUGH, sshArguments } from '../../../cli/src/domain/ssh-arguments.js';

describe('sshArguments', () => {
  const base = {
    agentSocket: '/tmp/x/agent.sock',
    knownHostsFile: '/home/a/.config/latchkey/known_hosts',
    hostKeyAlias: 'Web-1',
    address: '10.0.0.5',
    port: 2222,
    username: 'ubuntu',
    passThrough: NO_PASS_THROUGH,
    command: [],
  };

  it("pins the host key under the target's hostname, offers only latchkey's agent and no key file", () => {
    assert.deepEqual(sshArguments(base), [
      '-o',
      'IdentityAgent=/tmp/x/agent.sock',
      '-o',
      'IdentityFile=none',
      '-o',
      'IdentitiesOnly=no',
      '-o',
      'UserKnownHostsFile=/home/a/.config/latchkey/known_hosts',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      'HostKeyAlias=web-1',
      '-p',
      '2222',
      '--',
      'ubuntu@10.0.0.5',
    ]);
  });

  it('passes the person’s options after Latchkey’s (ssh keeps the first value) and the command after --', () => {
    const args = sshArguments({
      ...base,
      passThrough: {
        localForwards: ['8080:localhost:80'],
        remoteForwards: ['9000:localhost:9000'],
        dynamicForwards: ['1080'],
        options: ['ServerAliveInterval=30'],
        tty: 'force',
        noCommand: false,
        forwardAgent: true,
        verbosity: 2,
      },
      command: ['ls', '-la'],
    });
    const tail = args.slice(args.indexOf('2222') + 1);
    assert.deepEqual(tail, [
      '-L',
      '8080:localhost:80',
      '-R',
      '9000:localhost:9000',
      '-D',
      '1080',
      '-o',
      'ServerAliveInterval=30',
      '-t',
      '-A',
      '-v',
      '-v',
      '--',
      'ubuntu@10.0.0.5',
      'ls',
      '-la',
    ]);
  });
});
