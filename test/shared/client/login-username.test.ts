import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { chooseLoginUsername, usernameWithoutAsking } from '../../../shared/src/client/login-username.js';

describe('shared/client/login-username: which user a client logs in as', () => {
  const target = (usernames: string[]) => ({ hostname: 'web-1', usernames });

  it('without asking: the only one, else the preferred one when allowed, else undefined', () => {
    assert.equal(usernameWithoutAsking(target(['dev']), 'ops'), 'dev');
    assert.equal(usernameWithoutAsking(target(['dev', 'ops']), ' ops '), 'ops');
    assert.equal(usernameWithoutAsking(target(['dev', 'ops']), 'root'), undefined);
    assert.equal(usernameWithoutAsking(target(['dev', 'ops']), undefined), undefined);
  });

  it('no username at all is a denial naming the target', () => {
    assert.throws(
      () => usernameWithoutAsking(target([]), 'dev'),
      (e) =>
        isLatchkeyError(e, 'permission_denied') &&
        /web-1/.test(e.message) &&
        /ask your admin/.test(e.message),
    );
  });

  it('a username asked for is sent as it is; else the choice; else the allowed ones are listed', () => {
    assert.equal(chooseLoginUsername(target([]), 'root', undefined), 'root');
    assert.equal(chooseLoginUsername(target(['a', 'me']), undefined, 'me'), 'me');
    assert.throws(
      () => chooseLoginUsername(target(['a', 'b']), '', 'me'),
      (e) =>
        isLatchkeyError(e, 'invalid_argument') && /USER@web-1/.test(e.message) && /a, b$/.test(e.message),
    );
  });
});
