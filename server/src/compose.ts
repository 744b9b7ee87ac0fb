/**
 * The access server's composition root: builds the store-backed services and their settings once, hands
 * them to the HTTP adapter, resolves what depends on the bound port, then freezes the settings (a later
 * assignment throws). main.ts's `start` and its offline commands both compose here.
 */
import type { AddressInfo } from 'node:net';
import { LatchkeyError, pooledRandomBytes } from '@latchkey/shared';
import type { CaKeyProtector } from './app/ca-key-protector.js';
import type { Clock, RandomBytes } from './app/environment.js';
import type { PasswordHasher } from './app/ports/password-hasher.js';
import type { Store } from './app/ports/store.js';
import type { UpstreamIdentityProvider } from './app/ports/upstream-identity-provider.js';
import type { Services } from './app/services.js';
import { RateLimiter } from './app/sign-in/sign-in-throttle.js';
import { TerminationFeed } from './app/ssh-sessions/termination-feed.js';
import { loadAccessTokenCodec } from './adapters/crypto/jose-access-tokens.js';
import { scryptPasswordHasher } from './adapters/crypto/scrypt-password-hasher.js';
import { buildApp } from './adapters/http/build-app.js';
import type { HttpAppOptions, LatchkeyApp } from './adapters/http/build-app.js';
import { NO_TRUSTED_PROXIES } from './domain/client-address.js';
import type { TrustedProxies } from './domain/client-address.js';
import type { ServerConfig } from './domain/server-config.js';
import { DEFAULT_SIGN_IN_LIMITS } from './domain/sign-in-limits.js';
import type { SignInLimits } from './domain/sign-in-limits.js';
import { DEFAULT_SIGN_IN_SETTINGS } from './domain/sign-in-settings.js';
import type { SignInSettings } from './domain/sign-in-settings.js';

export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8443';

export interface ServicesOptions {
  store: Store;
  caKeys: CaKeyProtector;
  clock?: Clock;
  randomBytes?: RandomBytes;
  /** Default: scrypt with OWASP's parameters. */
  passwords?: PasswordHasher;
  /** Upstream OIDC providers, by id. Default: none. */
  identityProviders?: ReadonlyMap<string, UpstreamIdentityProvider>;
  /** The public URL and lifetimes; defaults from DEFAULT_SIGN_IN_SETTINGS, public URL DEFAULT_PUBLIC_URL. */
  signIn?: Partial<SignInSettings>;
  /** The proxies whose X-Forwarded-For names the client (--trusted-proxy); default none. */
  trustedProxies?: TrustedProxies;
  /** Rate limits and lockout of sign-ins; defaults DEFAULT_SIGN_IN_LIMITS (each part replaces its default). */
  signInLimits?: Partial<SignInLimits>;
  /**
   * How often a process with agents waiting for session terminations reads the newest one from the
   * database (terminations stored by other processes); default 500 ms.
   */
  sessionControlPollMs?: number;
}

/**
 * The services of the use cases, their settings not frozen yet (`composeAndListen` still fills in the
 * public URL from the bound port). Call `freezeSettings` once nothing is left to resolve.
 */
export async function createServices(options: ServicesOptions): Promise<Services> {
  return (await buildServices(options)).services;
}

/** The services and their sign-in settings as the one object the root may still write (the public URL). */
async function buildServices(
  options: ServicesOptions,
): Promise<{ services: Services; signIn: SignInSettings }> {
  const clock = options.clock ?? (() => new Date());
  const signIn: SignInSettings = {
    ...DEFAULT_SIGN_IN_SETTINGS,
    publicUrl: DEFAULT_PUBLIC_URL,
    ...options.signIn,
  };
  signIn.publicUrl = signIn.publicUrl.replace(/\/+$/, '');
  const services: Services = {
    store: options.store,
    caKeys: options.caKeys,
    clock,
    // CSPRNG bytes drawn in 4 KiB batches (a session id, a token: one getrandom per many requests).
    randomBytes: options.randomBytes ?? pooledRandomBytes,
    passwords: options.passwords ?? scryptPasswordHasher(),
    accessTokens: await loadAccessTokenCodec({
      keys: options.store.tokenSigningKeys,
      protector: options.caKeys,
      issuer: () => signIn.publicUrl,
      clock,
    }),
    identityProviders: options.identityProviders ?? new Map(),
    signIn,
    signInLimits: { ...DEFAULT_SIGN_IN_LIMITS, ...options.signInLimits },
    rateLimiter: new RateLimiter(clock),
    trustedProxies: options.trustedProxies ?? NO_TRUSTED_PROXIES,
    sessionTerminationFeed: new TerminationFeed({
      latestId: () => options.store.sessionTerminations.latestId(),
      ...(options.sessionControlPollMs === undefined ? {} : { pollIntervalMs: options.sessionControlPollMs }),
    }),
  };
  return { services, signIn };
}

/** Freezes a plain settings value and everything it holds (typed arrays cannot be frozen and are left). */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) {
    return value;
  }
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return value;
}

/** Freezes the settings objects of `services` deeply: sign-in settings, sign-in limits, trusted proxies. */
export function freezeSettings(services: Services): Services {
  deepFreeze(services.signIn);
  deepFreeze(services.signInLimits);
  deepFreeze(services.trustedProxies);
  return services;
}

/** Services for an offline admin command (no HTTP, no listen): settings frozen at once. */
export async function composeOfflineServices(options: ServicesOptions): Promise<Services> {
  return freezeSettings(await createServices(options));
}

export type ComposedServerOptions = ServicesOptions & HttpAppOptions;

export interface ComposedServer extends LatchkeyApp {
  /**
   * Listens on the configured address, sets the public URL from the bound port unless it was configured
   * (`--listen …:0`: the port is known only now), then freezes the settings; resolves to the URL listened
   * on. A failed listen closes the app and is invalid_config naming --listen.
   */
  listen(): Promise<string>;
}

/**
 * `start`'s order: the services and the HTTP app are built once here; the caller bootstraps the store
 * through `services`, then calls `listen`, after which the settings are frozen. The caller owns the store.
 */
export async function composeServer(
  config: Pick<ServerConfig, 'listen' | 'publicUrl'>,
  options: ComposedServerOptions,
): Promise<ComposedServer> {
  const scheme = options.https === undefined ? 'http' : 'https';
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const { services, signIn } = await buildServices({
    ...options,
    signIn: { ...options.signIn, publicUrl: config.publicUrl ?? `${scheme}://${host}:${config.listen.port}` },
  });
  const built = await buildApp(services, options);
  const listen = async (): Promise<string> => {
    try {
      await built.app.listen({ host: config.listen.host, port: config.listen.port });
    } catch (error) {
      await built.app.close().catch(() => {});
      throw new LatchkeyError(
        'invalid_config',
        `--listen: cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`,
        { pointer: '--listen', cause: error },
      );
    }
    const port = (built.app.server.address() as AddressInfo | null)?.port ?? config.listen.port;
    const url = `${scheme}://${host}:${port}`;
    if (config.publicUrl === undefined) signIn.publicUrl = url;
    freezeSettings(services);
    return url;
  };
  return { ...built, listen };
}
