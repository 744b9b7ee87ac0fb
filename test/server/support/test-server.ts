/**
 * An access server app over a real SQLite store (in memory; in a temp dir when it listens) or a given
 * database URL, bootstrapped like a first start, with helpers to call it through fastify.inject and to make tokens.
 */
import { randomBytes } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { issueApiToken } from '../../../server/src/app/api-tokens.js';
import { bootstrap } from '../../../server/src/app/bootstrap.js';
import type { Store } from '../../../server/src/app/ports/store.js';
import { AesGcmKeyProtector } from '../../../server/src/adapters/crypto/key-file-protector.js';
import { openStore } from '../../../server/src/adapters/db/open-store.js';
import { buildApp } from '../../../server/src/adapters/http/build-app.js';
import { createServices } from '../../../server/src/compose.js';
import type { LatchkeyApp } from '../../../server/src/adapters/http/build-app.js';
import { ALL_PERMISSIONS } from '../../../server/src/domain/permissions.js';
import type { Permission } from '../../../server/src/domain/permissions.js';
import { scryptPasswordHasher } from '../../../server/src/adapters/crypto/scrypt-password-hasher.js';
import type { UpstreamIdentityProvider } from '../../../server/src/app/ports/upstream-identity-provider.js';
import { addUser } from '../../../server/src/app/sign-in/built-in-users.js';
import type { SignInSettings } from '../../../server/src/domain/sign-in-settings.js';
import type { SignInLimits } from '../../../server/src/domain/sign-in-limits.js';
import { parseTrustedProxies } from '../../../server/src/domain/client-address.js';
import type { UserRecord } from '../../../server/src/domain/records.js';
import { registerCleanup } from '../../harness/cleanup.js';
import { findFreePort } from '../../harness/network.js';
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
  /** Adds a built-in account (scrypt with light test parameters). */
  addUser(email: string, password: string, groups?: string[]): Promise<UserRecord>;
  /** With `listen: true`: the base URL it listens on (also its public URL), e.g. http://127.0.0.1:40123. */
  url: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  databaseUrl?: string;
  /** Listen on 127.0.0.1 (a free port) for real HTTP clients (the CLI, browsers-as-fetch, benchmarks). */
  listen?: boolean;
  identityProviders?: ReadonlyMap<string, UpstreamIdentityProvider>;
  signIn?: Partial<SignInSettings>;
  clock?: () => Date;
  /** The server's --max-log-size, in bytes (default 4 GiB). */
  maxLogSizeBytes?: number;
  /** Sign-in rate limits and lockout (default: the server's). */
  signInLimits?: Partial<SignInLimits>;
  /** --trusted-proxy (default none). */
  trustedProxies?: string[];
}

/** Test-strength scrypt: the hash format and code path of production, at 1/128 of the work. */
export const TEST_PASSWORD_HASHER = scryptPasswordHasher({ log2N: 10, r: 8, p: 1 });

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  let dir: TempDir | undefined;
  let store: Store;
  if (options.databaseUrl === undefined && options.listen !== true) {
    // Injected requests only (the unit tier): the same SQLite store code in memory, without a file's fsyncs.
    store = await openStore({ sqlitePath: ':memory:' });
  } else if (options.databaseUrl === undefined) {
    dir = await createTempDir('server');
    store = await openStore({ sqlitePath: dir.file('latchkey.db') });
  } else {
    store = await openStore({ databaseUrl: options.databaseUrl });
  }
  const port = options.listen === true ? await findFreePort('127.0.0.1') : undefined;
  const url = port === undefined ? 'http://127.0.0.1:8443' : `http://127.0.0.1:${port}`;
  // Composed like start, but the settings are left unfrozen: a test may change one (ca-rotation.test.ts).
  const services = await createServices({
    store,
    caKeys: new AesGcmKeyProtector(randomBytes(32)),
    passwords: TEST_PASSWORD_HASHER,
    ...(options.identityProviders === undefined ? {} : { identityProviders: options.identityProviders }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.signInLimits === undefined ? {} : { signInLimits: options.signInLimits }),
    ...(options.trustedProxies === undefined
      ? {}
      : { trustedProxies: parseTrustedProxies(options.trustedProxies) }),
    signIn: { publicUrl: url, ...options.signIn },
  });
  const built = await buildApp(
    services,
    options.maxLogSizeBytes === undefined ? {} : { maxLogSizeBytes: options.maxLogSizeBytes },
  );
  if (port !== undefined) await built.app.listen({ host: '127.0.0.1', port });
  const cleanup = registerCleanup(`test server ${url}`, () => server.close());
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
    addUser: (email, password, groups = []) =>
      addUser(built.services, account.id, { email, password, groups }, 'test'),
    url,
    async close() {
      cleanup.release();
      await built.app.close();
      await store.close();
      await dir?.remove();
    },
  };
  return server;
}
