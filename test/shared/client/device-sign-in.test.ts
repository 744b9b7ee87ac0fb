import assert from 'node:assert/strict';
import { isLatchkeyError, type DeviceAuthorization, type DeviceTokenPoll } from '@latchkey/shared';
import { deviceSignIn, type DeviceSignInServer } from '../../../shared/src/client/device-sign-in.js';
import type { Clock } from '../../../shared/src/time/clock.js';

class StepClock implements Clock {
  time = 1_000_000;
  slept: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) throw new Error('aborted');
    this.slept.push(milliseconds);
    this.time += milliseconds;
  }
}

function server(
  polls: Exclude<DeviceTokenPoll['kind'], 'issued'>[],
  authorization: Partial<DeviceAuthorization> = {},
) {
  const calls: string[] = [];
  const port: DeviceSignInServer = {
    async startDeviceAuthorization(clientId) {
      calls.push(`start ${clientId}`);
      return {
        device_code: 'dc',
        user_code: 'ABCD-EFGH',
        verification_uri: 'https://x/device',
        expires_in: 600,
        ...authorization,
      };
    },
    async pollDeviceToken(deviceCode, clientId) {
      calls.push(`poll ${deviceCode} ${clientId}`);
      const next = polls.shift();
      if (next !== undefined) return { kind: next };
      return {
        kind: 'issued',
        tokens: { access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 60 },
      };
    },
  };
  return { port, calls };
}

describe('shared/client/device-sign-in: the device flow of every client', () => {
  it('shows the code, polls at the interval (5 s more after slow_down) and answers the tokens', async () => {
    const clock = new StepClock();
    const { port, calls } = server(['authorization_pending', 'slow_down', 'authorization_pending'], {
      interval: 2,
    });
    const shown: string[] = [];
    const { tokens, issuedAt } = await deviceSignIn(port, {
      clientId: 'latchkey-test',
      clock,
      retry: 'run it',
      show: (authorization) => shown.push(authorization.user_code),
    });
    assert.deepEqual(shown, ['ABCD-EFGH']);
    assert.equal(tokens.access_token, 'a');
    assert.deepEqual(clock.slept, [2000, 2000, 7000, 7000]);
    assert.equal(issuedAt, 1_000_000 + 18_000);
    assert.deepEqual(calls, ['start latchkey-test', ...Array(4).fill('poll dc latchkey-test')]);
  });

  it('polls every 5 s when the server names no interval', async () => {
    const clock = new StepClock();
    await deviceSignIn(server([]).port, { clientId: 'c', clock, retry: 'r', show: () => {} });
    assert.deepEqual(clock.slept, [5000]);
  });

  it('a denial is permission_denied, an expiry unauthenticated; both say how to try again', async () => {
    const options = { clientId: 'c', clock: new StepClock(), retry: 'run `latchkey login`', show: () => {} };
    await assert.rejects(
      deviceSignIn(server(['access_denied']).port, options),
      (e) =>
        isLatchkeyError(e, 'permission_denied') &&
        /ABCD-EFGH was denied; run `latchkey login` to try again/.test(e.message),
    );
    await assert.rejects(
      deviceSignIn(server(['expired_token']).port, options),
      (e) =>
        isLatchkeyError(e, 'unauthenticated') &&
        /ABCD-EFGH expired .*; run `latchkey login` again$/.test(e.message),
    );
  });

  it('stops at the code’s expiry even while the server says pending', async () => {
    const clock = new StepClock();
    const pending = Array<'authorization_pending'>(100).fill('authorization_pending');
    const { port, calls } = server(pending, { expires_in: 12, interval: 5 });
    await assert.rejects(
      deviceSignIn(port, { clientId: 'c', clock, retry: 'r', show: () => {} }),
      (e) => isLatchkeyError(e, 'unauthenticated') && /expired/.test(e.message),
    );
    assert.equal(calls.length, 1 + 3);
  });

  it('a cancelled sign-in ends unauthenticated, before or during a wait', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      deviceSignIn(server([]).port, {
        clientId: 'c',
        clock: new StepClock(),
        retry: 'r',
        show: () => {},
        signal: controller.signal,
      }),
      (e) => isLatchkeyError(e, 'unauthenticated') && e.message === 'the sign-in was cancelled',
    );
    const later = new AbortController();
    const clock = new StepClock();
    clock.sleep = async (_ms, signal) => {
      later.abort();
      if (signal?.aborted === true) throw new Error('aborted');
    };
    await assert.rejects(
      deviceSignIn(server([]).port, {
        clientId: 'c',
        clock,
        retry: 'r',
        show: () => {},
        signal: later.signal,
      }),
      /the sign-in was cancelled/,
    );
  });
});
