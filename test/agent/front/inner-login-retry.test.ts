// Which failures of the front's login to the local sshd are tried again (agent/src/front/inner-login-retry.ts).
// The errors are shaped as ssh2 1.17 makes them (an Error with a `level`); the end-to-end test
// test/e2e/front/front-sshd-away.test.ts shows the retry against a real sshd that goes away and comes back.
import assert from 'node:assert/strict';
import {
  INNER_LOGIN_RETRY_DELAYS_MS,
  isRetriableInnerFailure,
} from '../../../agent/src/front/inner-login-retry.js';

function ssh2Error(message: string, level?: string): Error {
  const error = new Error(message);
  if (level !== undefined) Object.assign(error, { level });
  return error;
}

describe('agent/front/inner-login-retry', () => {
  it('retries a connection sshd refused, reset or dropped before its banner', () => {
    assert.equal(
      isRetriableInnerFailure(ssh2Error('connect ECONNREFUSED 127.0.0.1:22', 'client-socket')),
      true,
    );
    assert.equal(isRetriableInnerFailure(ssh2Error('read ECONNRESET', 'client-socket')), true);
    assert.equal(isRetriableInnerFailure(ssh2Error('Connection lost before handshake', 'protocol')), true);
    assert.equal(isRetriableInnerFailure(ssh2Error('sshd closed the connection before login')), true);
    assert.equal(isRetriableInnerFailure(ssh2Error('Host denied (verification failed)', 'handshake')), true);
  });

  it("never retries sshd's refusal of the login, nor the ready timeout", () => {
    const refused = ssh2Error('All configured authentication methods failed', 'client-authentication');
    assert.equal(isRetriableInnerFailure(refused), false);
    assert.equal(
      isRetriableInnerFailure(ssh2Error('Timed out while waiting for handshake', 'client-timeout')),
      false,
    );
    assert.equal(isRetriableInnerFailure('not an error'), false);
  });

  it('gives up after a few seconds in all', () => {
    const total = INNER_LOGIN_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
    assert.ok(total >= 2000 && total <= 5000, `${String(total)} ms`);
  });
});
