import assert from 'node:assert/strict';
import { defaultUsername } from '../../../extension/src/domain/choose-username.js';
import {
  changedHostKeyMessage,
  checkHostKey,
  pinKey,
  withPin,
  withoutPin,
} from '../../../extension/src/domain/host-key-pins.js';
import { normalizeServerUrl } from '../../../extension/src/domain/server-url.js';
import {
  needsRefresh,
  parseStoredSession,
  rotatedSession,
} from '../../../extension/src/domain/stored-session.js';
import { storedSession, target } from '../app/fakes.js';

describe('extension/domain: host key pins, usernames, server URL, stored sessions', () => {
  it('pins host keys per host and port; a different key is "changed"', () => {
    assert.equal(pinKey('10.0.0.1', 22), '10.0.0.1:22');
    assert.equal(pinKey('fd00::1', 2222), '[fd00::1]:2222');
    const pins = withPin({}, '10.0.0.1', 22, 'SHA256:a');
    assert.deepEqual(checkHostKey(pins, '10.0.0.1', 22, 'SHA256:a'), { kind: 'known' });
    assert.deepEqual(checkHostKey(pins, '10.0.0.1', 2222, 'SHA256:a'), { kind: 'new' });
    assert.deepEqual(checkHostKey(pins, '10.0.0.1', 22, 'SHA256:b'), { kind: 'changed', pinned: 'SHA256:a' });
    assert.deepEqual(withoutPin(pins, '10.0.0.1', 22), {});
    assert.match(changedHostKeyMessage('h', 22, 'SHA256:a', 'SHA256:b'), /CHANGED.*Not connecting/);
  });

  it('connects without asking only when one username is allowed or the default is allowed', () => {
    assert.equal(defaultUsername(target('a', ['dev']), undefined), 'dev');
    assert.equal(defaultUsername(target('a', ['dev', 'ops']), 'ops'), 'ops');
    assert.equal(defaultUsername(target('a', ['dev', 'ops']), 'root'), undefined);
    assert.equal(defaultUsername(target('a', ['dev', 'ops']), undefined), undefined);
    assert.throws(() => defaultUsername(target('a', []), 'dev'), /ask your admin/);
  });

  it('normalizes the server URL setting and says where to set it', () => {
    assert.equal(normalizeServerUrl(' https://access.example.com/ '), 'https://access.example.com');
    assert.equal(normalizeServerUrl('http://127.0.0.1:8080/base//'), 'http://127.0.0.1:8080/base');
    assert.throws(() => normalizeServerUrl(''), /set "latchkey\.serverUrl"/);
    assert.throws(() => normalizeServerUrl('ftp://x'), /must be an http\(s\) URL/);
    assert.throws(() => normalizeServerUrl('not a url'), /is not a URL/);
  });

  it('refreshes 30 s before expiry; rotation replaces both tokens; malformed storage is no session', () => {
    const session = storedSession({ accessTokenExpiresAt: 100_000 });
    assert.equal(needsRefresh(session, 69_999), false);
    assert.equal(needsRefresh(session, 70_000), true);
    const next = rotatedSession(
      session,
      { access_token: 'a9', refresh_token: 'r9', token_type: 'Bearer', expires_in: 60 },
      5,
    );
    assert.deepEqual([next.accessToken, next.refreshToken, next.accessTokenExpiresAt], ['a9', 'r9', 60_005]);
    assert.deepEqual(parseStoredSession(JSON.stringify(session)), session);
    assert.equal(parseStoredSession(undefined), undefined);
    assert.equal(parseStoredSession('{'), undefined);
    assert.equal(parseStoredSession(JSON.stringify({ ...session, accessToken: 1 })), undefined);
  });
});
