import assert from 'node:assert/strict';
import { LatchkeyError } from '@latchkey/shared';
import { parseAgentConfig, parseServerUrl } from '../../../../agent/src/domain/agent/agent-config.js';

describe('agent/domain: parseAgentConfig', () => {
  it('defaults: /var/lib/latchkey-agent, 60 s, Latchkey mode, the front on 0.0.0.0:3022', () => {
    assert.deepEqual(parseAgentConfig({}), {
      stateDir: '/var/lib/latchkey-agent',
      front: { host: '0.0.0.0', port: 3022 },
      sshd: { stateDir: '/var/lib/latchkey-agent' },
      intervalMs: 60_000,
      recording: {
        spoolDir: '/var/lib/latchkey-agent/spool',
        mode: 'best-effort',
      },
      legacy: { recordSocket: '/run/latchkey-agent/record.sock', ignoredFlags: [] },
    });
  });

  it('--front-listen: PORT, HOST:PORT or [IPV6]:PORT; anything else refused naming the flag', () => {
    const front = (value: string) => parseAgentConfig({ frontListen: value }).front;
    assert.deepEqual(front('2022'), { host: '0.0.0.0', port: 2022 });
    assert.deepEqual(front('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(front('[::1]:3022'), { host: '::1', port: 3022 });
    for (const bad of ['', 'x', '70000', 'host:', ':22', '1.2.3.4:99999']) {
      assert.throws(() => front(bad), /--front-listen must be PORT, HOST:PORT or \[IPV6\]:PORT/);
    }
    assert.equal(
      parseAgentConfig({ cloudflareAccountId: 'a', apiToken: 't' }).front,
      undefined,
      'Cloudflare mode has no front: its gateway records',
    );
  });

  it("an agent before the front's flags (a unit written for it): accepted, the front on, and named", () => {
    const config = parseAgentConfig({
      frontListen: 'off',
      recordSocket: '/run/x/record.sock',
      recorderCommand: 'latchkey-agent record',
    });
    assert.deepEqual(config.front, { host: '0.0.0.0', port: 3022 });
    assert.deepEqual(config.legacy, {
      recordSocket: '/run/x/record.sock',
      ignoredFlags: ['--front-listen off', '--record-socket', '--recorder-command'],
    });
    assert.throws(
      () => parseAgentConfig({ recordSocket: 'x.sock' }),
      /--record-socket must be an absolute path/,
    );
  });

  it('takes the recording flags; a local auditor key only in Cloudflare mode, and checked', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = parseAgentConfig({
      stateDir: '/srv/agent',
      recordingMode: 'strict',
      cloudflareAccountId: 'abc',
      apiToken: 'secret',
      auditorPublicKey: key,
    });
    assert.deepEqual(config.recording, {
      spoolDir: '/srv/agent/spool',
      mode: 'strict',
      localAuditorKey: key,
    });
    assert.throws(
      () => parseAgentConfig({ recordingMode: 'always' }),
      /--recording-mode must be best-effort or strict/,
    );
    assert.throws(
      () => parseAgentConfig({ auditorPublicKey: key }),
      /--auditor-public-key is for Cloudflare mode/,
    );
    assert.throws(
      () => parseAgentConfig({ cloudflareAccountId: 'a', apiToken: 't', auditorPublicKey: 'nope' }),
      /--auditor-public-key/,
    );
    assert.throws(() => parseAgentConfig({ spoolDir: 'spool' }), /--spool-dir must be an absolute path/);
  });

  it('takes the sshd paths, interfaces, vnet and Cloudflare mode', () => {
    const config = parseAgentConfig({
      stateDir: '/srv/agent/',
      sshdConfig: '/etc/ssh/sshd_config',
      caPath: '/etc/ssh/ca.pub',
      sshdPidFile: '/run/sshd.pid',
      interval: '2.5',
      interface: ['eth0', ' ', 'eth1'],
      vnet: 'prod',
      cloudflareAccountId: 'abc',
      apiToken: 'secret',
    });
    assert.equal(config.stateDir, '/srv/agent');
    assert.deepEqual(config.sshd, {
      stateDir: '/srv/agent',
      mainPath: '/etc/ssh/sshd_config',
      caPath: '/etc/ssh/ca.pub',
      pidFile: '/run/sshd.pid',
    });
    assert.equal(config.intervalMs, 2500);
    assert.deepEqual(config.interfaces, ['eth0', 'eth1']);
    assert.equal(config.virtualNetwork, 'prod');
    assert.deepEqual(config.cloudflare, {
      accountId: 'abc',
      apiToken: 'secret',
      apiBase: 'https://api.cloudflare.com/client/v4',
    });
  });

  const mistakes: [string, Parameters<typeof parseAgentConfig>[0], string, RegExp][] = [
    ['a relative state dir', { stateDir: 'state' }, '--state-dir', /absolute path/],
    ['a zero interval', { interval: '0' }, '--interval', /between 1 and 86400/],
    ['a word for an interval', { interval: 'often' }, '--interval', /between 1 and 86400/],
    ['an account without a token', { cloudflareAccountId: 'abc' }, '--api-token', /needs both/],
    ['a token without an account', { apiToken: 't' }, '--cloudflare-account-id', /needs both/],
    ['an API base outside Cloudflare mode', { apiBase: 'https://x' }, '--api-base', /Cloudflare mode/],
    [
      'an API base that is no URL',
      { cloudflareAccountId: 'a', apiToken: 't', apiBase: 'nope' },
      '--api-base',
      /http\(s\) URL/,
    ],
    ['a relative sshd config', { sshdConfig: 'sshd_config' }, '--sshd-config', /absolute path/],
  ];
  for (const [name, raw, pointer, message] of mistakes) {
    it(`refuses ${name}, naming ${pointer}`, () => {
      assert.throws(
        () => parseAgentConfig(raw),
        (error: unknown) =>
          error instanceof LatchkeyError &&
          error.code === 'invalid_config' &&
          error.pointer === pointer &&
          message.test(error.message),
      );
    });
  }

  it('server URLs: http(s) only, trailing slashes dropped', () => {
    assert.equal(parseServerUrl('https://access.example.com/'), 'https://access.example.com');
    assert.throws(() => parseServerUrl('access.example.com'), /--server must be an http\(s\) URL/);
    assert.throws(() => parseServerUrl('ftp://x'), /--server must be an http\(s\) URL/);
  });
});
