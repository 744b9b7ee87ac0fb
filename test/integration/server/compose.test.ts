// The composition root's start order (server/src/compose.ts): it listens, takes the public URL from the
// bound port when --listen asks for port 0, and only then freezes the settings.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AesGcmKeyProtector } from '../../../server/src/adapters/crypto/key-file-protector.js';
import { openStore } from '../../../server/src/adapters/db/open-store.js';
import { composeServer } from '../../../server/src/compose.js';
import { parseServerConfig } from '../../../server/src/domain/server-config.js';
import type { SignInSettings } from '../../../server/src/domain/sign-in-settings.js';
import { TEST_PASSWORD_HASHER } from '../../server/support/test-server.js';

describe('server compose: start order', () => {
  it('with --listen 127.0.0.1:0 the public URL is the bound port’s, and the settings are frozen', async () => {
    const config = parseServerConfig(
      { listen: '127.0.0.1:0', dataDir: '/nonexistent/latchkey-compose-test' },
      { env: {}, homeDir: '/nonexistent', isRoot: false, cwd: '/' },
    );
    const store = await openStore({ sqlitePath: ':memory:' });
    try {
      const { app, services, listen } = await composeServer(config, {
        store,
        caKeys: new AesGcmKeyProtector(randomBytes(32)),
        passwords: TEST_PASSWORD_HASHER,
      });
      try {
        const url = await listen();
        const port = (app.server.address() as AddressInfo).port;
        assert.notEqual(port, 0);
        assert.equal(url, `http://127.0.0.1:${port}`);
        assert.equal(services.signIn.publicUrl, `http://127.0.0.1:${port}`);
        assert.throws(() => {
          (services.signIn as SignInSettings).publicUrl = 'http://127.0.0.1:1';
        }, TypeError);
      } finally {
        await app.close();
      }
    } finally {
      await store.close();
    }
  });
});
