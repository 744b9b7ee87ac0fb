// In-memory ports for the extension's use-case tests.
import { LatchkeyError } from '@latchkey/shared';
import type { AccessServer, CertificateRequest } from '../../../extension/src/app/ports/access-server.js';
import type { Clock } from '../../../extension/src/app/ports/environment.js';
import type { SessionStore } from '../../../extension/src/app/ports/session-store.js';
import type {
  DeviceAuthorization,
  DeviceTokenPoll,
  IssuedCertificateResult,
  Me,
  MyTarget,
  TokenSet,
} from '../../../extension/src/domain/access-api.js';
import type { StoredSession } from '../../../extension/src/domain/stored-session.js';

export class FakeClock implements Clock {
  slept: number[] = [];
  constructor(public time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new Error('aborted');
    this.slept.push(ms);
    this.time += ms;
  }
}

export class MemoryStore implements SessionStore {
  constructor(public session: StoredSession | undefined = undefined) {}
  writes = 0;
  async get(): Promise<StoredSession | undefined> {
    return this.session;
  }
  async put(session: StoredSession): Promise<void> {
    this.writes++;
    this.session = session;
  }
  async delete(): Promise<void> {
    this.session = undefined;
  }
}

export const ME: Me = {
  email: 'dev@example.com',
  groups: [],
  login_method: 'builtin',
  auth_methods: ['pwd'],
  account_id: '00000000-0000-4000-8000-000000000001',
  session_id: '00000000-0000-4000-8000-000000000002',
  expires_at: '2030-01-01T00:00:00Z',
};

export function target(
  hostname: string,
  usernames: string[],
  network = 'default',
  ip = '10.0.0.1',
): MyTarget {
  return {
    id: `id-${hostname}`,
    hostname,
    ip: { ipv4: { ip_addr: ip, virtual_network_id: `vn-${network}` } },
    virtual_network: { id: `vn-${network}`, name: network },
    port: 22,
    usernames,
  };
}

/** A scripted access server: poll answers in order, refresh tokens single-use like the real one. */
export class FakeServer implements AccessServer {
  readonly url = 'https://access.example.com';
  polls: DeviceTokenPoll['kind'][] = [];
  refreshCalls: string[] = [];
  revoked: string[] = [];
  certificateRequests: CertificateRequest[] = [];
  validRefreshTokens = new Set<string>(['r0']);
  validAccessTokens = new Set<string>(['a0']);
  targets: MyTarget[] = [];
  denial: string | undefined;
  /** The host key certificate answers name (a fronted target's), none when undefined. */
  hostKey: string | undefined;
  /** The host CA certificate answers name (a front with a host certificate), none when undefined. */
  hostCa: string | undefined;
  listCalls = 0;
  private counter = 0;

  async startDeviceAuthorization(clientId: string): Promise<DeviceAuthorization> {
    if (clientId !== 'latchkey-vscode') throw new Error(`unexpected client ${clientId}`);
    return {
      device_code: 'dc',
      user_code: 'ABCD-EFGH',
      verification_uri: `${this.url}/device`,
      verification_uri_complete: `${this.url}/device?user_code=ABCD-EFGH`,
      expires_in: 600,
      interval: 2,
    };
  }

  async pollDeviceToken(): Promise<DeviceTokenPoll> {
    const kind = this.polls.shift() ?? 'authorization_pending';
    return kind === 'issued' ? { kind, tokens: this.issue() } : { kind };
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    this.refreshCalls.push(refreshToken);
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.validRefreshTokens.delete(refreshToken)) {
      throw new LatchkeyError('unauthenticated', 'the refresh token was already used');
    }
    return this.issue();
  }

  async revoke(token: string): Promise<void> {
    this.revoked.push(token);
  }

  async me(accessToken: string): Promise<Me> {
    this.check(accessToken);
    return ME;
  }

  async myTargets(accessToken: string): Promise<MyTarget[]> {
    this.check(accessToken);
    this.listCalls++;
    return this.targets;
  }

  async issueCertificate(accessToken: string, request: CertificateRequest): Promise<IssuedCertificateResult> {
    this.check(accessToken);
    this.certificateRequests.push(request);
    if (this.denial !== undefined) throw new LatchkeyError('permission_denied', this.denial);
    return {
      certificate: 'ssh-ed25519-cert-v01@openssh.com AAAA',
      serial: '1',
      key_id: 'k',
      session_id: ME.session_id,
      principals: [request.username],
      valid_after: '2030-01-01T00:00:00Z',
      valid_before: '2030-01-01T00:05:00Z',
      target: {
        id: request.target_id,
        hostname: 'box',
        address: '10.0.0.1',
        port: 2222,
        ...(this.hostKey === undefined ? {} : { host_key: this.hostKey }),
        ...(this.hostCa === undefined ? {} : { host_ca: this.hostCa }),
      },
    };
  }

  private issue(): TokenSet {
    this.counter++;
    const pair = { access_token: `a${this.counter}`, refresh_token: `r${this.counter}` };
    this.validAccessTokens.add(pair.access_token);
    this.validRefreshTokens.add(pair.refresh_token);
    return { ...pair, token_type: 'Bearer', expires_in: 600 };
  }

  private check(accessToken: string): void {
    if (!this.validAccessTokens.has(accessToken)) throw new LatchkeyError('unauthenticated', 'token expired');
  }
}

export function storedSession(overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    serverUrl: 'https://access.example.com',
    accessToken: 'a0',
    refreshToken: 'r0',
    accessTokenExpiresAt: 1_000_000 + 600_000,
    email: ME.email,
    sessionId: ME.session_id,
    ...overrides,
  };
}
