/**
 * What the use-cases run on: the store, time, randomness, the CA key protector, and the sign-in
 * machinery (password hashing, access tokens, upstream identity providers, lifetimes, limits on
 * abuse), and the feed that wakes agents waiting for session terminations.
 */
import type { TrustedProxies } from '../domain/client-address.js';
import type { SignInLimits } from '../domain/sign-in-limits.js';
import type { SignInSettings } from '../domain/sign-in-settings.js';
import type { CaKeyProtector } from './ca-key-protector.js';
import type { Clock, RandomBytes } from './environment.js';
import type { AccessTokenCodec } from './ports/access-token-codec.js';
import type { PasswordHasher } from './ports/password-hasher.js';
import type { Store } from './ports/store.js';
import type { UpstreamIdentityProvider } from './ports/upstream-identity-provider.js';
import type { RateLimiter } from './sign-in/sign-in-throttle.js';
import type { TerminationFeed } from './ssh-sessions/termination-feed.js';

export interface Services {
  store: Store;
  clock: Clock;
  randomBytes: RandomBytes;
  caKeys: CaKeyProtector;
  passwords: PasswordHasher;
  accessTokens: AccessTokenCodec;
  /** By id (the `login_method` selector's value). */
  identityProviders: ReadonlyMap<string, UpstreamIdentityProvider>;
  /** Frozen by the composition root (server/src/compose.ts) once start has resolved the public URL. */
  readonly signIn: Readonly<SignInSettings>;
  /** Rate limits and the lockout of sign-ins (domain/sign-in-limits.ts). */
  readonly signInLimits: Readonly<SignInLimits>;
  /** This process's token buckets for those rate limits. */
  rateLimiter: RateLimiter;
  /** The proxies whose X-Forwarded-For is believed (--trusted-proxy); none by default. */
  trustedProxies: TrustedProxies;
  /** Wakes agents' session-control polls when a session termination is stored. */
  sessionTerminationFeed: TerminationFeed;
}
