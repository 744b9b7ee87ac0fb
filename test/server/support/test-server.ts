/**
 * An access server app over a real SQLite store in a temp dir (or a given database URL), bootstrapped
 * like a first start, with helpers to call it through fastify.inject and to make tokens.
 */
import { randomBytes } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { issueApiToken } from '../../../server/src/app/api-tokens.js';
import { bootstrap } from '../../../server/src/app/bootstrap.js';
import type { Store } from '../../../server/src/app/ports/store.js';
import { AesGcmKeyProtector } from '../../../server/src/adapters/crypto/key-file-protector.js';
import { openStore } from '../../../server/src/adapters/db/open-store.js';
import { buildApp } from '../../../server/src/adapters/http/build-app.js';
import type { LatchkeyApp } from '../../../server/src/adapters/http/build-app.js';
import { ALL_PERMISSIONS } from '../../../server/src/domain/permissions.js';
import type { Permission } from '../../../server/src/domain/permissions.js';
import { createTempDir } from '../../harness/temp-dir.js';
import type { TempDir } from '../../harness/temp-dir.js';

/** Response JSON as tests read it: any shape, checked by assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface TestServer extends LatchkeyApp {
  store: Store;
  accountId: string;
  adminToken: string;
  /** `/client/v4/accounts/<accountId>` */
  base: string;
  /** An injected request as the admin (or `token`); the parsed JSON body. */
  call(
    method: InjectOptions['method'],
    url: string,
    options?: { body?: unknown; token?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Json; headers: Record<string, unknown> }>;
  token(permissions: Permission[], options?: { expiresAt?: Date }): Promise<string>;
  defaultNetworkId(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(options: { databaseUrl?: string } = {}): Promise<TestServer> {
  let dir: TempDir | undefined;
  let store: Store;
  if (options.databaseUrl === undefined) {
    dir = await createTempDir('server');
    store = await openStore({ sqlitePath: dir.file('latchkey.db') });
  } else {
    store = await openStore({ databaseUrl: options.databaseUrl });
  }
  const built = await buildApp({ store, caKeys: new AesGcmKeyProtector(randomBytes(32)) });
  const { account, adminToken } = await bootstrap(built.services);
  let admin = adminToken?.secret;
  if (admin === undefined) {
    const issued = await store.transaction((tx) =>
      issueApiToken(built.services, tx, account.id, {
        name: 'test admin',
        permissions: [...ALL_PERMISSIONS],
      }),
    );
    admin = issued.secret;
  }
  const server: TestServer = {
    ...built,
    store,
    accountId: account.id,
    adminToken: admin,
    base: `/client/v4/accounts/${account.id}`,
    async call(method, url, callOptions = {}) {
      const token = callOptions.token === undefined ? admin : callOptions.token;
      const headers: Record<string, string> = { ...(callOptions.headers ?? {}) };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const request: InjectOptions = { method, url, headers };
      if (callOptions.body !== undefined) request.payload = callOptions.body as InjectOptions['payload'];
      const response = await built.app.inject(request);
      let body: unknown;
      try {
        body = response.body === '' ? undefined : JSON.parse(response.body);
      } catch {
        body = response.body;
      }
      return { status: response.statusCode, body, headers: response.headers };
    },
    async token(permissions, tokenOptions = {}) {
      const issued = await store.transaction((tx) =>
        issueApiToken(built.services, tx, account.id, {
          name: `test ${permissions.join(',')}`,
          permissions,
          ...(tokenOptions.expiresAt === undefined ? {} : { expiresAt: tokenOptions.expiresAt }),
        }),
      );
      return issued.secret;
    },
    async defaultNetworkId() {
      return (await store.virtualNetworks.getDefault(account.id)).id;
    },
    async close() {
      await built.app.close();
      await store.close();
      await dir?.remove();
    },
  };
  return server;
}
