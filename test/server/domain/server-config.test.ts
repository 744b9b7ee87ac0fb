import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { isLoopbackHost, parseServerConfig } from '../../../server/src/domain/server-config.js';
import type { ConfigFacts, ServerOptions } from '../../../server/src/domain/server-config.js';

const user: ConfigFacts = { env: {}, homeDir: '/home/ann', isRoot: false, cwd: '/work' };
const root: ConfigFacts = { env: {}, homeDir: '/root', isRoot: true, cwd: '/' };

describe('parseServerConfig', () => {
  it('has a zero-configuration default: SQLite in the data dir, 127.0.0.1:8443, key files in the data dir', () => {
    assert.deepEqual(parseServerConfig({}, user), {
      dataDir: '/home/ann/.local/share/latchkey-server',
      listen: { host: '127.0.0.1', port: 8443 },
      listenIsDefault: true,
      database: { kind: 'sqlite', path: '/home/ann/.local/share/latchkey-server/latchkey.db' },
      allowInsecureHttp: false,
      caKeyFile: '/home/ann/.local/share/latchkey-server/ca-encryption.key',
      adminTokenFile: '/home/ann/.local/share/latchkey-server/admin.token',
      certificateTtlSeconds: 300,
      maxCertificateTtlSeconds: 3600,
      maxLogSizeBytes: 4 * 1024 ** 3,
      trustedProxies: { ranges: [], text: [] },
    });
    assert.equal(parseServerConfig({}, root).dataDir, '/var/lib/latchkey-server');
    assert.equal(
      parseServerConfig({}, { ...user, env: { XDG_DATA_HOME: '/data' } }).dataDir,
      '/data/latchkey-server',
    );
  });

  it('--max-log-size takes bytes or KiB / MiB / GiB, from 1 MiB to 64 GiB, and names itself when wrong', () => {
    assert.equal(parseServerConfig({ maxLogSize: '512MiB' }, user).maxLogSizeBytes, 512 * 1024 * 1024);
    assert.equal(parseServerConfig({ maxLogSize: '1g' }, user).maxLogSizeBytes, 1024 ** 3);
    assert.equal(parseServerConfig({ maxLogSize: '64GiB' }, user).maxLogSizeBytes, 64 * 1024 ** 3);
    assert.equal(parseServerConfig({ maxLogSize: '2097152' }, user).maxLogSizeBytes, 2 * 1024 * 1024);
    assert.equal(
      parseServerConfig({}, { ...user, env: { LATCHKEY_MAX_LOG_SIZE: '64M' } }).maxLogSizeBytes,
      64 * 1024 * 1024,
    );
    for (const [value, message] of [
      ['lots', /--max-log-size \(LATCHKEY_MAX_LOG_SIZE\) "lots" is not a size such as 256MiB/],
      ['512KiB', /--max-log-size .* is out of range: from 1MiB to 64GiB/],
      ['65GiB', /is out of range/],
    ] as const) {
      assert.throws(
        () => parseServerConfig({ maxLogSize: value }, user),
        (error: unknown) => isLatchkeyError(error, 'invalid_config') && message.test(error.message),
      );
    }
  });

  it('takes options over environment, resolves relative paths and ~', () => {
    const config = parseServerConfig(
      { dataDir: 'state', listen: '[::1]:9000', caKeyFile: '~/ca.key' },
      {
        ...user,
        env: { LATCHKEY_DATA_DIR: '/ignored', LATCHKEY_DATABASE_URL: 'postgres://u:p@db:5432/latchkey' },
      },
    );
    assert.equal(config.dataDir, '/work/state');
    assert.deepEqual(config.listen, { host: '::1', port: 9000 });
    assert.equal(config.listenIsDefault, false);
    assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://u:p@db:5432/latchkey' });
    assert.equal(config.caKeyFile, '/home/ann/ca.key');
  });

  it('HTTPS with both files allows any address; --allow-insecure-http allows plain HTTP anywhere', () => {
    const tls = parseServerConfig({ listen: '0.0.0.0:443', tlsCert: 'c.pem', tlsKey: '/k.pem' }, user);
    assert.deepEqual(tls.tls, { certFile: '/work/c.pem', keyFile: '/k.pem' });
    assert.equal(
      parseServerConfig({ listen: '0.0.0.0:80', allowInsecureHttp: true }, user).allowInsecureHttp,
      true,
    );
    assert.equal(
      parseServerConfig({ listen: '10.0.0.1:80' }, { ...user, env: { LATCHKEY_ALLOW_INSECURE_HTTP: 'true' } })
        .allowInsecureHttp,
      true,
    );
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) {
      assert.doesNotThrow(() => parseServerConfig({ listen: `${host}:8080` }, user), host);
    }
  });

  // Every bad setting: the error names the setting.
  const bad: [string, ServerOptions, Partial<ConfigFacts>, string, RegExp][] = [
    ['plain HTTP on 0.0.0.0', { listen: '0.0.0.0:8443' }, {}, '--listen', /not a loopback address.*--tls-cert.*--allow-insecure-http/],
    ['plain HTTP on a LAN address (env)', {}, { env: { LATCHKEY_LISTEN: '192.168.1.5:8443' } }, '--listen', /LATCHKEY_LISTEN/],
    ['plain HTTP on a host name', { listen: 'server.example:8443' }, {}, '--listen', /not a loopback/],
    ['listen without a port', { listen: '127.0.0.1' }, {}, '--listen', /HOST:PORT/],
    ['listen with a port out of range', { listen: '127.0.0.1:70000' }, {}, '--listen', /out of range/],
    ['listen with unbracketed IPv6', { listen: '::1:8443' }, {}, '--listen', /HOST:PORT/],
    ['listen with a bad host', { listen: 'bad host:80' }, {}, '--listen', /HOST:PORT|not an IP/],
    ['an empty data dir', { dataDir: '' }, {}, '--data-dir', /empty/],
    ['a non-postgres database URL', { databaseUrl: 'mysql://x/y' }, {}, '--database-url', /postgres/],
    ['a database URL that is not a URL', { databaseUrl: 'latchkey' }, {}, '--database-url', /not a URL/],
    ['a database URL without a database', { databaseUrl: 'postgres://db:5432' }, {}, '--database-url', /names no database/],
    ['a certificate without its key', { tlsCert: 'c.pem' }, {}, '--tls-key', /required when --tls-cert/],
    ['a key without its certificate', { tlsKey: 'k.pem' }, {}, '--tls-cert', /required when --tls-key/],
    ['a bad boolean in the environment', {}, { env: { LATCHKEY_ALLOW_INSECURE_HTTP: 'maybe' } }, '--allow-insecure-http', /true or false/],
    ['a recorder command of two lines', { recorderCommand: 'latchkey-agent record\nrm -rf /' }, {}, '--recorder-command', /one line/],
  ]; // prettier-ignore
  for (const [what, options, facts, setting, message] of bad) {
    it(`refuses ${what}, naming ${setting}`, () => {
      assert.throws(
        () => parseServerConfig(options, { ...user, ...facts }),
        (error: unknown) => {
          assert.ok(isLatchkeyError(error, 'invalid_config'), String(error));
          assert.equal(error.pointer, setting);
          assert.ok(error.message.startsWith(setting), error.message);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('--trusted-proxy takes CIDR ranges and addresses (repeated, or comma-separated in the environment)', () => {
    assert.deepEqual(
      parseServerConfig({ trustedProxy: ['10.0.0.0/8', '2001:db8::1'] }, user).trustedProxies.text,
      ['10.0.0.0/8', '2001:db8::1'],
    );
    assert.deepEqual(
      parseServerConfig({}, { ...user, env: { LATCHKEY_TRUSTED_PROXIES: '127.0.0.1, 192.168.0.0/16' } })
        .trustedProxies.text,
      ['127.0.0.1', '192.168.0.0/16'],
    );
    assert.throws(
      () => parseServerConfig({ trustedProxy: ['10.0.0.0/33'] }, user),
      /--trusted-proxy \(LATCHKEY_TRUSTED_PROXIES\): "10.0.0.0\/33" is not an IP address or CIDR range/,
    );
  });

  it('takes the recorder command for certificates from --recorder-command or the environment', () => {
    assert.equal(parseServerConfig({}, user).recorderCommand, undefined);
    assert.equal(
      parseServerConfig(
        {},
        { ...user, env: { LATCHKEY_RECORDER_COMMAND: ' /opt/lk/bin/latchkey-agent record ' } },
      ).recorderCommand,
      '/opt/lk/bin/latchkey-agent record',
    );
  });

  it('--peer-url and --tunnel-url (several servers) are http(s) URLs, from the option or the environment', () => {
    const config = parseServerConfig(
      { peerUrl: 'https://10.0.0.7:8443/' },
      { ...user, env: { LATCHKEY_TUNNEL_URL: 'https://a.access.example.com' } },
    );
    assert.equal(config.peerUrl, 'https://10.0.0.7:8443');
    assert.equal(config.tunnelUrl, 'https://a.access.example.com');
    assert.equal(parseServerConfig({}, user).peerUrl, undefined);
    for (const [options, message] of [
      [{ peerUrl: 'not a url' }, /--peer-url \(LATCHKEY_PEER_URL\) "not a url" is not a URL/],
      [
        { tunnelUrl: 'ftp://a.example' },
        /--tunnel-url \(LATCHKEY_TUNNEL_URL\) must be an http:\/\/ or https:\/\/ URL/,
      ],
      [{ peerUrl: 'https://u:p@a.example' }, /--peer-url .* must not have a query, fragment or credentials/],
    ] as const) {
      assert.throws(
        () => parseServerConfig(options, user),
        (error: unknown) => isLatchkeyError(error, 'invalid_config') && message.test(error.message),
      );
    }
  });

  it('never echoes a database password', () => {
    assert.throws(
      () => parseServerConfig({ databaseUrl: 'mysql://u:hunter2@db/x' }, user),
      (error: Error) => !error.message.includes('hunter2'),
    );
  });

  it('knows loopback addresses', () => {
    assert.ok(isLoopbackHost('127.0.0.1'));
    assert.ok(isLoopbackHost('::1'));
    assert.ok(isLoopbackHost('0:0:0:0:0:0:0:1'));
    assert.ok(!isLoopbackHost('::'));
    assert.ok(!isLoopbackHost('0.0.0.0'));
    assert.ok(!isLoopbackHost('128.0.0.1'));
  });

  it('--peer-url over plain http to a non-loopback address is refused unless --allow-insecure-peers', () => {
    assert.throws(
      () => parseServerConfig({ peerUrl: 'http://10.0.0.5:8443' }, user),
      /--peer-url.*--allow-insecure-peers/s,
    );
    assert.equal(
      parseServerConfig({ peerUrl: 'http://10.0.0.5:8443', allowInsecurePeers: true }, user).peerUrl,
      'http://10.0.0.5:8443',
    );
    assert.equal(
      parseServerConfig(
        { peerUrl: 'http://10.0.0.5:8443' },
        { ...user, env: { LATCHKEY_ALLOW_INSECURE_PEERS: '1' } },
      ).allowInsecurePeers,
      true,
    );
    for (const url of [
      'https://a.example:8443',
      'http://127.0.0.1:8443',
      'http://[::1]:8443',
      'http://localhost:1',
    ]) {
      assert.equal(parseServerConfig({ peerUrl: url }, user).peerUrl, url);
    }
  });
});
