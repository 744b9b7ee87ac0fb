import assert from 'node:assert/strict';
import { sshdLoopbackEndpoint } from '../../../../agent/src/domain/front/sshd-loopback-endpoint.js';

describe('agent/domain/front: sshdLoopbackEndpoint (from sshd -T)', () => {
  it('reaches a wildcard listener on IPv4 loopback, with the host key files', () => {
    const endpoint = sshdLoopbackEndpoint(
      'port 22\nlistenaddress [::]:22\nlistenaddress 0.0.0.0:22\nhostkey /etc/ssh/ssh_host_ed25519_key\n',
    );
    assert.deepEqual(endpoint, {
      host: '127.0.0.1',
      port: 22,
      hostKeyFiles: ['/etc/ssh/ssh_host_ed25519_key'],
    });
  });

  it('takes a loopback listener as it is', () => {
    assert.equal(sshdLoopbackEndpoint('listenaddress 127.0.0.5:2222\n').host, '127.0.0.5');
    assert.equal(sshdLoopbackEndpoint('listenaddress [::1]:2222\n').host, '::1');
  });

  it('says what to fix when sshd listens only on other addresses', () => {
    const endpoint = sshdLoopbackEndpoint('port 22\nlistenaddress 192.0.2.4:22\n');
    assert.match(endpoint.problem ?? '', /ListenAddress 127\.0\.0\.1/);
  });
});
