import assert from 'node:assert/strict';
import { isLatchkeyError } from '@latchkey/shared';
import { chooseUsername } from '../../../cli/src/domain/choose-username.js';

describe('chooseUsername', () => {
  const target = (usernames: string[]) => ({ hostname: 'web-1', usernames });
  const cases: [string, string[], string | undefined, string | undefined, string][] = [
    ['the one asked for, even if not listed (the server decides)', ['ubuntu'], 'root', 'me', 'root'],
    ['the only allowed one', ['ubuntu'], undefined, 'me', 'ubuntu'],
    ['the local user when allowed among several', ['ubuntu', 'me'], undefined, 'me', 'me'],
  ];
  for (const [name, usernames, requested, local, expected] of cases) {
    it(name, () => assert.equal(chooseUsername(target(usernames), requested, local), expected));
  }

  it('lists the allowed usernames when it cannot choose', () => {
    assert.throws(
      () => chooseUsername(target(['ubuntu', 'deploy']), undefined, 'me'),
      (e) =>
        isLatchkeyError(e, 'invalid_argument') &&
        /ubuntu, deploy/.test(e.message) &&
        /USER@web-1/.test(e.message),
    );
    assert.throws(
      () => chooseUsername(target(['ubuntu', 'deploy']), undefined, undefined),
      (e) => isLatchkeyError(e, 'invalid_argument'),
    );
  });

  it('is a denial when no username is allowed at all', () => {
    assert.throws(
      () => chooseUsername(target([]), undefined, 'me'),
      (e) => isLatchkeyError(e, 'permission_denied') && /web-1/.test(e.message),
    );
  });
});
