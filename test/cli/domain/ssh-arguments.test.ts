import assert from 'node:assert/strict';
import { NO_PASS_THROUGH, sshArguments } from '../../../cli/src/domain/ssh-arguments.js';

describe('sshArguments', () => {
  const base = {
    agentSocket: '/tmp/x/agent.sock',
    knownHostsFile: '/home/a/.config/latchkey/known_hosts',
    hostKeyAlias: 'Web-1',
    hostKeyCheck: 'first-use' as const,
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

  it("a tunnelled target: the tunnel's ProxyCommand, unless the person gives a ProxyCommand or ProxyJump of their own", () => {
    const tunnelled = { ...base, proxyCommand: 'latchkey proxy t-1 %p' };
    assert.deepEqual(
      sshArguments(tunnelled).filter((arg) => arg.startsWith('ProxyCommand=')),
      ['ProxyCommand=latchkey proxy t-1 %p'],
    );
    for (const own of ['ProxyCommand=nc relay 22', 'proxyjump bastion', ' ProxyJump=bastion']) {
      const args = sshArguments({ ...tunnelled, passThrough: { ...NO_PASS_THROUGH, options: [own] } });
      assert.ok(!args.includes('ProxyCommand=latchkey proxy t-1 %p'), own);
      assert.ok(args.includes(own), own);
    }
    // An option that merely mentions a proxy is not one.
    const other = sshArguments({
      ...tunnelled,
      passThrough: { ...NO_PASS_THROUGH, options: ['SetEnv=ProxyCommand=x'] },
    });
    assert.ok(other.includes('ProxyCommand=latchkey proxy t-1 %p'));
  });

  it("a fronted target: strict checking against the key Latchkey pinned, no global known_hosts, before the person's options", () => {
    const args = sshArguments({
      ...base,
      hostKeyCheck: 'server',
      passThrough: {
        ...NO_PASS_THROUGH,
        options: ['StrictHostKeyChecking=no', 'GlobalKnownHostsFile=/etc/x'],
      },
    });
    assert.deepEqual(args.slice(6, 16), [
      '-o',
      'UserKnownHostsFile=/home/a/.config/latchkey/known_hosts',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'HostKeyAlias=web-1',
      '-p',
      '2222',
    ]);
    assert.ok(!args.includes('StrictHostKeyChecking=accept-new'));
    assert.ok(
      args.indexOf('StrictHostKeyChecking=yes') < args.indexOf('StrictHostKeyChecking=no'),
      'ssh keeps the first value it sees',
    );
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
        forwardAgentSocket: '/run/user/1000/agent.sock',
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
      '-o',
      'ForwardAgent=/run/user/1000/agent.sock',
      '-v',
      '-v',
      '--',
      'ubuntu@10.0.0.5',
      'ls',
      '-la',
    ]);
  });

  it("-A forwards the person's own agent by its path, never latchkey's (ssh's IdentityAgent); without one, nothing", () => {
    const pass = { ...NO_PASS_THROUGH, forwardAgent: true };
    const without = sshArguments({ ...base, passThrough: pass });
    assert.ok(!without.includes('-A') && !without.some((a) => a.startsWith('ForwardAgent=')));
    const withAgent = sshArguments({ ...base, passThrough: { ...pass, forwardAgentSocket: '/tmp/a.sock' } });
    assert.deepEqual(withAgent.slice(withAgent.indexOf('ForwardAgent=/tmp/a.sock') - 1).slice(0, 2), [
      '-o',
      'ForwardAgent=/tmp/a.sock',
    ]);
  });
});
