// The composition root (server/src/compose.ts): the settings it composes are frozen, so a later
// assignment throws (test files run in strict mode).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AesGcmKeyProtector } from '../../server/src/adapters/crypto/key-file-protector.js';
import { openStore } from '../../server/src/adapters/db/open-store.js';
import type { Store } from '../../server/src/app/ports/store.js';
import { composeOfflineServices } from '../../server/src/compose.js';
import { parseTrustedProxies } from '../../server/src/domain/client-address.js';
import type { SignInSettings } from '../../server/src/domain/sign-in-settings.js';
import { TEST_PASSWORD_HASHER } from './support/test-server.js';

describe('server compose: one composition root', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ sqlitePath: ':memory:' });
  });
  afterEach(async () => store.close());

  it('freezes the composed settings deeply: a mutation throws', async () => {
    const services = await composeOfflineServices({
      store,
      caKeys: new AesGcmKeyProtector(randomBytes(32)),
      passwords: TEST_PASSWORD_HASHER,
      signIn: { publicUrl: 'https://latchkey.example/' },
      trustedProxies: parseTrustedProxies(['10.0.0.0/8']),
    });
    assert.equal(services.signIn.publicUrl, 'https://latchkey.example');
    assert.throws(() => {
      (services.signIn as SignInSettings).publicUrl = 'https://elsewhere.example';
    }, TypeError);
    assert.throws(() => {
      (services.signIn as SignInSettings).certificateTtlSeconds = 1;
    }, TypeError);
    const limits = services.signInLimits as unknown as Record<string, Record<string, number>>;
    const nested = Object.keys(limits).find((key) => typeof limits[key] === 'object');
    assert.ok(nested !== undefined, 'the sign-in limits hold a nested setting');
    assert.throws(() => {
      (limits[nested] as Record<string, number>).x = 1;
    }, TypeError);
    assert.throws(() => {
      (services.trustedProxies.text as string[]).push('192.168.0.0/16');
    }, TypeError);
    assert.equal(services.signIn.publicUrl, 'https://latchkey.example');
  });
});
