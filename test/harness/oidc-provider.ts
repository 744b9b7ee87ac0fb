/**
 * A real OpenID Connect provider for tests: node-oidc-provider (the certified implementation) in-process on
 * 127.0.0.1, plain http, with its development interaction pages (a login form that accepts any password
 * for a known login, then a consent page). `signIn` drives those pages like a browser would (a cookie jar,
 * redirects followed by hand) and resolves with the URL the provider sends the browser back to: the
 * client's redirect_uri with `code` and `state` (or `error`).
 *
 * Accounts' `email`, `email_verified`, `groups` and extra claims are in the ID token itself
 * (`conformIdTokenClaims: false`), `amr` too (set at login, as a real provider does). PKCE is required.
 * The server is registered for cleanup; `stop()` closes it and every open connection, so the port is free
 * when it resolves. Give `port` to start a provider where an earlier one was (or where a client expects one).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { registerCleanup } from './cleanup.js';
import type { CleanupHandle } from './cleanup.js';
import { findFreePort } from './network.js';

export interface OidcTestAccount {
  subject: string;
  email: string;
  /** Default true. */
  email_verified?: boolean;
  groups?: string | string[];
  /** The `amr` claim; absent from the ID token when not given. */
  amr?: string[];
  /** More claims, in the ID token as given. */
  extraClaims?: Record<string, unknown>;
}

export interface OidcTestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface StartOidcProviderOptions {
  accounts: OidcTestAccount[];
  clients: OidcTestClient[];
  /** Default: a free port on 127.0.0.1. */
  port?: number;
}

export interface RunningOidcProvider {
  /** `http://127.0.0.1:PORT`. */
  readonly issuer: string;
  readonly port: number;
  /**
   * Opens `authorizationUrl` in a fresh browser session, signs in as `subject` and consents; resolves with
   * the callback URL (redirect_uri with code and state, or with error). Rejects if a page is not what a
   * browser would expect.
   */
  signIn(authorizationUrl: string, subject: string): Promise<URL>;
  /** The next signIn aborts at the login page instead: the callback carries error=access_denied. */
  denyNext(): void;
  /** Closes the server and its connections; the port is free when this resolves. Idempotent. */
  stop(): Promise<void>;
}

/** The parts of oidc-provider's API used here (the package has no type declarations). */
interface OidcProviderInstance {
  callback(): (request: IncomingMessage, response: ServerResponse) => void;
  interactionFinished: (...args: unknown[]) => Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): void;
}
type OidcProviderConstructor = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => OidcProviderInstance;

const MAX_BROWSER_STEPS = 20;

let cachedSigningKey: JsonWebKey | undefined;

/** One RS256 key for every provider of the test run (RS256 is what clients expect by default). */
function signingKey(): JsonWebKey {
  cachedSigningKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'jwk',
  });
  return cachedSigningKey;
}

export async function startOidcProvider(options: StartOidcProviderOptions): Promise<RunningOidcProvider> {
  const host = '127.0.0.1';
  const port = options.port ?? (await findFreePort(host));
  const issuer = `http://${host}:${port}`;
  const accounts = new Map(options.accounts.map((account) => [account.subject, account]));

  // A non-literal specifier: oidc-provider ships no types, and this keeps TypeScript from asking for them.
  const moduleName = 'oidc-provider';
  const { default: Provider } = (await import(moduleName)) as { default: OidcProviderConstructor };
  const provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({
      ...client,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    async findAccount(_context: unknown, subject: string) {
      const account = accounts.get(subject);
      if (account === undefined) return undefined;
      return {
        accountId: subject,
        async claims() {
          return {
            ...account.extraClaims,
            sub: subject,
            email: account.email,
            email_verified: account.email_verified ?? true,
            ...(account.groups === undefined ? {} : { groups: account.groups }),
          };
        },
      };
    },
    // The claims each scope releases. `amr` goes with `openid`: a claim listed alone is released only when
    // the client asks for it by name (the claims parameter), which Latchkey does not.
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub', 'amr'],
      email: ['email', 'email_verified'],
      profile: [
        'name',
        ...new Set(options.accounts.flatMap((account) => Object.keys(account.extraClaims ?? {}))),
      ],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
    },
    jwks: { keys: [signingKey()] },
  });
  // devInteractions logs in with no authentication methods; a real provider says how the person signed in.
  const interactionFinished = provider.interactionFinished.bind(provider);
  provider.interactionFinished = (request, response, result, ...rest) => {
    const login = (result as { login?: { accountId?: string; amr?: string[] } }).login;
    const amr = login?.accountId === undefined ? undefined : accounts.get(login.accountId)?.amr;
    if (login !== undefined && amr !== undefined) login.amr = amr;
    return interactionFinished(request, response, result, ...rest);
  };
  // oidc-provider reports handled errors (a wrong client secret, …) as events; they are the test's subject.
  provider.on('server_error', (_context, error) => {
    console.error('oidc-provider server_error:', error);
  });

  const server = createServer(provider.callback());
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, host, port);

  let denyNext = false;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    cleanup.release();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  const cleanup: CleanupHandle = registerCleanup(`oidc-provider ${issuer}`, stop);

  return {
    issuer,
    port,
    denyNext() {
      denyNext = true;
    },
    async signIn(authorizationUrl, subject) {
      const deny = denyNext;
      denyNext = false;
      const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri');
      if (redirectUri === null)
        throw new Error(`the authorization URL has no redirect_uri: ${authorizationUrl}`);
      return browse(authorizationUrl, redirectUri, subject, deny);
    },
    stop,
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A browser, reduced to what the provider's pages need: GET the URL, follow redirects, answer the login
 * form (or its abort link) and the consent form, until the provider redirects to `redirectUri`.
 */
async function browse(start: string, redirectUri: string, subject: string, deny: boolean): Promise<URL> {
  const jar = new CookieJar();
  let request: { url: URL; form?: URLSearchParams } = { url: new URL(start) };
  const pages: string[] = [];
  for (let step = 0; step < MAX_BROWSER_STEPS; step += 1) {
    const response = await fetch(request.url, {
      method: request.form === undefined ? 'GET' : 'POST',
      redirect: 'manual',
      headers: {
        cookie: jar.header(request.url),
        ...(request.form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: request.form?.toString(),
    });
    jar.store(request.url, response.headers.getSetCookie());
    pages.push(
      `${request.form === undefined ? 'GET' : 'POST'} ${request.url.pathname} -> ${response.status}`,
    );

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      const next = new URL(location, request.url);
      if (
        next.href.startsWith(redirectUri) &&
        `${next.origin}${next.pathname}` === redirectUri.split('?')[0]
      ) {
        return next;
      }
      request = { url: next };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) {
      throw new Error(
        `the provider answered ${response.status} (${pages.join(', ')}): ${html.slice(0, 500)}`,
      );
    }
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (action === undefined || prompt === undefined) {
      throw new Error(`unexpected page from the provider (${pages.join(', ')}): ${html.slice(0, 500)}`);
    }
    const actionUrl = new URL(decodeHtml(action), request.url);
    if (prompt === 'login') {
      if (deny) {
        const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
        if (abort === undefined) throw new Error('the login page has no abort link');
        request = { url: new URL(decodeHtml(abort), request.url) };
      } else {
        request = { url: actionUrl, form: new URLSearchParams({ prompt, login: subject, password: 'any' }) };
      }
    } else if (prompt === 'consent') {
      request = { url: actionUrl, form: new URLSearchParams({ prompt }) };
    } else {
      throw new Error(`unexpected prompt ${prompt} from the provider`);
    }
  }
  throw new Error(`no redirect to ${redirectUri} after ${MAX_BROWSER_STEPS} pages: ${pages.join(', ')}`);
}

function decodeHtml(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/g, '/')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
}

/** Cookies by name and path, sent to URLs under their path (one host only: the provider's). */
class CookieJar {
  private readonly cookies = new Map<string, { name: string; value: string; path: string }>();

  store(url: URL, setCookieHeaders: string[]): void {
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const separator = pair.indexOf('=');
      if (separator <= 0) continue;
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', attributeValue = ''] = attribute.split('=');
        const lower = key.toLowerCase();
        if (lower === 'path') path = attributeValue;
        if (lower === 'max-age' && Number(attributeValue) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }

  header(url: URL): string {
    return [...this.cookies.values()]
      .filter(
        ({ path }) =>
          url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`),
      )
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
  }
}
