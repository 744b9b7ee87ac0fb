/**
 * An upstream OpenID Connect provider through openid-client: authorization code flow with PKCE (S256),
 * state and nonce, the client authenticated with client_secret_basic.
 *
 * Discovery is lazy and retried: a provider that is down when the server starts does not stop the server;
 * the sign-ins that need it fail with `upstream_unavailable` until discovery succeeds, and each one tries
 * again. Once discovered, the provider's metadata is kept for the life of the process.
 *
 * Plain http is allowed only for loopback issuers (tests), through openid-client's `allowInsecureRequests`.
 */
import {
  AuthorizationResponseError,
  ClientError,
  ClientSecretBasic,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  discovery,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from 'openid-client';
import type { Configuration, DiscoveryRequestOptions } from 'openid-client';
import { LatchkeyError } from '@latchkey/shared';
import type { JsonValue } from '../../domain/records.js';
import type { IdentityProviderConfig } from '../../domain/identity-providers-config.js';
import { upstreamEmail } from '../../domain/email-address.js';
import { isLoopbackHost } from '../../domain/server-config.js';
import type {
  PendingUpstreamLogin,
  UpstreamIdentity,
  UpstreamIdentityProvider,
} from '../../app/ports/upstream-identity-provider.js';

/** A provider's settings with its client secret read (from the file itself or from client_secret_file). */
export interface OidcProviderSettings extends Omit<IdentityProviderConfig, 'clientSecret'> {
  clientSecret: string;
}

export interface OidcProviderOptions {
  /** Seconds each request to the provider may take (discovery, token exchange). Default 10. */
  timeoutSeconds?: number;
}

const DEFAULT_TIMEOUT_SECONDS = 10;

export class OpenIdClientProvider implements UpstreamIdentityProvider {
  readonly id: string;
  readonly name: string;
  private configuration: Configuration | undefined;
  private discovering: Promise<Configuration> | undefined;

  constructor(
    private readonly settings: OidcProviderSettings,
    private readonly options: OidcProviderOptions = {},
  ) {
    this.id = settings.id;
    this.name = settings.name;
  }

  /** True once discovery has succeeded. */
  get discovered(): boolean {
    return this.configuration !== undefined;
  }

  /**
   * Fetches the provider's metadata unless already known. Concurrent callers share one attempt; a failed
   * attempt is forgotten so the next call tries again. Throws `upstream_unavailable`.
   */
  async discover(): Promise<Configuration> {
    if (this.configuration !== undefined) return this.configuration;
    this.discovering ??= this.discoverOnce().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  async beginLogin(
    redirectUri: string,
  ): Promise<{ authorizationUrl: string; pending: PendingUpstreamLogin }> {
    const configuration = await this.discover();
    const codeVerifier = randomPKCECodeVerifier();
    const pending: PendingUpstreamLogin = {
      providerId: this.id,
      state: randomState(),
      nonce: randomNonce(),
      codeVerifier,
      redirectUri,
    };
    const url = buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes.join(' '),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { authorizationUrl: url.href, pending };
  }

  async completeLogin(callbackUrl: URL, pending: PendingUpstreamLogin): Promise<UpstreamIdentity> {
    if (pending.providerId !== this.id) {
      throw new LatchkeyError(
        'internal',
        `a sign-in begun with provider ${pending.providerId} was completed with provider ${this.id}`,
      );
    }
    const params = callbackUrl.searchParams;
    if (params.get('state') !== pending.state) {
      throw new LatchkeyError(
        'unauthenticated',
        `the sign-in with ${this.name} came back with a state that does not match this sign-in ` +
          '(a stale or foreign link); start the sign-in again',
      );
    }
    const error = params.get('error');
    if (error !== null) throw this.refused(error, params.get('error_description'));

    const configuration = await this.discover();
    // The redirect URI sent at the start, with the callback's parameters: the token request must repeat
    // it exactly, whatever the URL looked like behind a proxy.
    const responseUrl = new URL(pending.redirectUri);
    responseUrl.search = callbackUrl.search;
    let claims: Record<string, JsonValue> | undefined;
    try {
      const tokens = await authorizationCodeGrant(configuration, responseUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims() as Record<string, JsonValue> | undefined;
    } catch (cause) {
      throw this.exchangeFailure(cause);
    }
    if (claims === undefined) {
      throw new LatchkeyError(
        'unauthenticated',
        `${this.name} returned no ID token; start the sign-in again`,
      );
    }
    return this.identityFrom(claims);
  }

  private async discoverOnce(): Promise<Configuration> {
    const issuer = new URL(this.settings.issuer);
    const options: DiscoveryRequestOptions = {
      timeout: this.options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    };
    if (issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname.replace(/^\[(.*)\]$/, '$1'))) {
      options.execute = [allowInsecureRequests];
    }
    try {
      this.configuration = await discovery(
        issuer,
        this.settings.clientId,
        undefined,
        ClientSecretBasic(this.settings.clientSecret),
        options,
      );
      return this.configuration;
    } catch (cause) {
      throw new LatchkeyError(
        'upstream_unavailable',
        `${this.name} (${this.settings.issuer}) cannot be used for sign-in now: its OpenID Connect discovery ` +
          `failed (${describe(cause)}). Try again later; if it persists, check the provider's issuer URL`,
        { cause },
      );
    }
  }

  private refused(error: string, description: string | null): LatchkeyError {
    const why = description === null || description === '' ? error : `${error}: ${description}`;
    return new LatchkeyError('unauthenticated', `${this.name} did not sign you in (${why})`);
  }

  /** Maps what the token exchange threw to the person's failure or the provider's. */
  private exchangeFailure(cause: unknown): LatchkeyError {
    if (cause instanceof AuthorizationResponseError) {
      return this.refused(cause.error, cause.error_description ?? null);
    }
    const rejected = providerError(cause);
    if (rejected !== undefined) {
      if (rejected.error === 'invalid_client' || rejected.error === 'unauthorized_client') {
        return new LatchkeyError(
          'upstream_unavailable',
          `${this.name} rejected Latchkey's client credentials (${rejected.error}); check client_id and ` +
            'client_secret in the identity providers file against the client registered at the provider',
          { cause },
        );
      }
      if (rejected.status >= 500) {
        return new LatchkeyError(
          'upstream_unavailable',
          `${this.name} failed (${describe(cause)}); try again later`,
          {
            cause,
          },
        );
      }
      return new LatchkeyError(
        'unauthenticated',
        `${this.name} refused to complete the sign-in (${describe(cause)}); start the sign-in again`,
        { cause },
      );
    }
    if (cause instanceof ClientError) {
      return new LatchkeyError(
        'unauthenticated',
        `${this.name}'s answer failed validation (${describe(cause)}); start the sign-in again`,
        { cause },
      );
    }
    return new LatchkeyError(
      'upstream_unavailable',
      `${this.name} could not be reached to complete the sign-in (${describe(cause)}); try again later`,
      { cause },
    );
  }

  /**
   * Who signed in: the person is the provider's (issuer, subject); the email is used only when it is
   * exactly one address (domain/email-address.ts) and the provider says it is verified
   * (`email_verified: true`), unless the provider is trusted with unverified emails.
   */
  private identityFrom(claims: Record<string, JsonValue>): UpstreamIdentity {
    const read = upstreamEmail(claims, {
      emailClaim: this.settings.claims.email,
      trustUnverifiedEmail: this.settings.allowUnverifiedEmail,
      provider: this.name,
    });
    if (!read.ok) throw new LatchkeyError('unauthenticated', read.problem);
    const email = read.email;
    const subject = claims.sub;
    if (typeof subject !== 'string' || subject === '') {
      throw new LatchkeyError(
        'unauthenticated',
        `${this.name}'s ID token has no subject; start the sign-in again`,
      );
    }
    // openid-client has checked that the ID token's iss is the discovered issuer.
    const issuer = typeof claims.iss === 'string' && claims.iss !== '' ? claims.iss : this.settings.issuer;
    return {
      providerId: this.id,
      issuer,
      subject,
      email,
      groups: strings(claims[this.settings.claims.groups]),
      authMethods: strings(claims.amr, ['pwd']),
      claims,
    };
  }
}

export interface DiscoverUpstreamProvidersOptions extends OidcProviderOptions {
  /** Told about each provider whose first discovery failed (it is retried at its next sign-in). */
  onDiscoveryFailure?: (provider: OpenIdClientProvider, error: LatchkeyError) => void;
}

/**
 * Makes the providers and tries discovering each once, in parallel. Never throws for an unreachable
 * provider: it is returned all the same and discovers itself at its first sign-in.
 */
export async function discoverUpstreamProviders(
  settings: readonly OidcProviderSettings[],
  options: DiscoverUpstreamProvidersOptions = {},
): Promise<OpenIdClientProvider[]> {
  const providers = settings.map((each) => new OpenIdClientProvider(each, options));
  await Promise.all(
    providers.map(async (provider) => {
      try {
        await provider.discover();
      } catch (error) {
        if (error instanceof LatchkeyError) options.onDiscoveryFailure?.(provider, error);
        else throw error;
      }
    }),
  );
  return providers;
}

/** A claim as a list of strings: an array keeps its strings, a string is one, anything else is `fallback`. */
function strings(value: JsonValue | undefined, fallback: string[] = []): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return fallback;
}

/**
 * The OAuth error the provider answered, from the body (ResponseBodyError) or, for a 401, from the
 * WWW-Authenticate challenge (that is how a provider answers a wrong client secret sent with Basic auth).
 */
function providerError(error: unknown): { status: number; error: string; description?: string } | undefined {
  if (error instanceof ResponseBodyError) {
    return { status: error.status, error: error.error, description: error.error_description };
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    return {
      status: error.status,
      error: parameters?.error ?? 'unknown',
      description: parameters?.error_description,
    };
  }
  return undefined;
}

/** A short reason for a message: the provider's error code and description, or the network cause. */
function describe(error: unknown): string {
  const rejected = providerError(error);
  if (rejected !== undefined) {
    return `HTTP ${rejected.status} ${rejected.error}${rejected.description ? `: ${rejected.description}` : ''}`;
  }
  if (error instanceof Error) {
    const cause =
      error.cause instanceof Error
        ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}`
        : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
