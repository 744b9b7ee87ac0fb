/**
 * In-memory stand-ins for the CLI's ports, for use-case tests: an access server that follows
 * docs/sign-in.md (device flow, rotating single-use refresh tokens, 401 for unknown access tokens, real
 * certificates signed by a test CA), a credential store, and a clock whose sleep advances time.
 */
import { LatchkeyError, generateSshKeyPair, issueCertificate, parseSshPublicKey } from '@latchkey/shared';
import type { AccessServer } from '../../../cli/src/app/ports/access-server.js';
import type { CredentialStore } from '../../../cli/src/app/ports/credential-store.js';
import type { Clock } from '../../../cli/src/app/ports/environment.js';
import type { TextFiles } from '../../../cli/src/app/ports/files.js';
import type {
  CertificateRequest,
  DeviceTokenPoll,
  IssuedCertificate,
  Me,
  MeTarget,
  TokenSet,
} from '../../../cli/src/domain/access-api.js';
import { targetAddress } from '../../../cli/src/domain/access-api.js';
import type { Credentials } from '../../../cli/src/domain/credentials.js';

export class FakeClock implements Clock {
  slept: number[] = [];
  constructor(public time = new Date('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.time.getTime();
  }
  async sleep(milliseconds: number): Promise<void> {
    this.slept.push(milliseconds);
    this.advance(milliseconds);
  }
  advance(milliseconds: number): void {
    this.time = new Date(this.time.getTime() + milliseconds);
  }
}

export class FakeCredentialStore implements CredentialStore {
  readonly location = '/fake/credentials.json';
  entries = new Map<string, Credentials>();
  async get(server: string) {
    return this.entries.get(server);
  }
  async servers() {
    return [...this.entries.keys()];
  }
  async put(credentials: Credentials) {
    this.entries.set(credentials.server, credentials);
  }
  async remove(server: string) {
    return this.entries.delete(server);
  }
  async exclusive<T>(action: () => Promise<T>) {
    return action();
  }
}

/** Text files in memory; `events` says what was written, in order (shared with other fakes when given). */
export class MemoryTextFiles implements TextFiles {
  readonly files = new Map<string, string>();
  constructor(readonly events: string[] = []) {}
  async read(path: string) {
    return this.files.get(path);
  }
  async write(path: string, text: string) {
    this.events.push(`write ${path}`);
    this.files.set(path, text);
  }
}

export class FakeAccessServer implements AccessServer {
  readonly url = 'https://latchkey.test';
  readonly ca = generateSshKeyPair('ed25519');
  /** What the next polls answer before 'issued' (consumed in order). */
  pollScript: Exclude<DeviceTokenPoll['kind'], 'issued'>[] = [];
  interval: number | undefined = 2;
  calls: string[] = [];
  validAccessTokens = new Set<string>();
  validRefreshTokens = new Set<string>();
  revoked: string[] = [];
  reachable = true;
  targets: MeTarget[] = [];
  certificatesIssued: CertificateRequest[] = [];
  /** `(target, username) => reason` for a denial. */
  deny?: (target: MeTarget, username: string) => string | undefined;
  /** Certificate answers leave out a fronted target's host_key (a server short of the contract). */
  omitHostKey = false;
  private counter = 0;

  constructor(private readonly clock: FakeClock) {}

  private check() {
    if (!this.reachable)
      throw new LatchkeyError('unavailable', `cannot reach the access server at ${this.url} (ECONNREFUSED)`);
  }

  issueTokens(): TokenSet {
    this.counter++;
    const tokens = {
      access_token: `at-${this.counter}`,
      refresh_token: `rt-${this.counter}`,
      token_type: 'Bearer',
      expires_in: 600,
    };
    this.validAccessTokens.add(tokens.access_token);
    this.validRefreshTokens.add(tokens.refresh_token);
    return tokens;
  }

  async startDeviceAuthorization(clientId: string) {
    this.check();
    this.calls.push(`device_authorization ${clientId}`);
    return {
      device_code: 'device-code-1',
      user_code: 'ABCD-EFGH',
      verification_uri: `${this.url}/device`,
      verification_uri_complete: `${this.url}/device?user_code=ABCD-EFGH`,
      expires_in: 600,
      ...(this.interval === undefined ? {} : { interval: this.interval }),
    };
  }

  async pollDeviceToken(deviceCode: string, clientId: string): Promise<DeviceTokenPoll> {
    this.check();
    this.calls.push(`poll ${deviceCode} ${clientId} at ${new Date(this.clock.now()).toISOString()}`);
    const next = this.pollScript.shift();
    if (next !== undefined) return { kind: next };
    return { kind: 'issued', tokens: this.issueTokens() };
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    this.check();
    this.calls.push(`refresh ${refreshToken}`);
    if (!this.validRefreshTokens.delete(refreshToken)) {
      throw new LatchkeyError('unauthenticated', 'the refresh token was revoked, used or expired');
    }
    return this.issueTokens();
  }

  async revoke(token: string): Promise<void> {
    this.check();
    this.revoked.push(token);
    this.validRefreshTokens.clear();
    this.validAccessTokens.clear();
  }

  private authorise(accessToken: string) {
    this.check();
    if (!this.validAccessTokens.has(accessToken))
      throw new LatchkeyError('unauthenticated', 'invalid access token');
  }

  async me(accessToken: string): Promise<Me> {
    this.authorise(accessToken);
    this.calls.push(`me ${accessToken}`);
    return {
      email: 'alice@example.com',
      groups: ['ops'],
      login_method: 'builtin',
      auth_methods: ['pwd'],
      account_id: 'acc',
      session_id: 'sid',
      expires_at: '2026-02-01T00:00:00Z',
    };
  }

  async myTargets(accessToken: string): Promise<MeTarget[]> {
    this.authorise(accessToken);
    this.calls.push(`targets ${accessToken}`);
    return this.targets;
  }

  async issueCertificate(accessToken: string, request: CertificateRequest): Promise<IssuedCertificate> {
    this.authorise(accessToken);
    this.calls.push(`certificate ${request.target_id} ${request.username}`);
    const target = this.targets.find((t) => t.id === request.target_id);
    if (target === undefined)
      throw new LatchkeyError('permission_denied', 'no infrastructure app covers target x on SSH');
    const denial = this.deny?.(target, request.username);
    if (denial !== undefined) throw new LatchkeyError('permission_denied', denial);
    this.certificatesIssued.push(request);
    const certificate = issueCertificate(
      this.ca,
      {
        subjectKey: parseSshPublicKey(request.public_key),
        keyId: 'alice@example.com session=s',
        principals: [request.username],
      },
      { now: () => new Date(this.clock.now()) },
    );
    return {
      certificate: certificate.toAuthorizedKey(),
      serial: String(certificate.serial),
      key_id: certificate.keyId,
      session_id: 's',
      principals: [request.username],
      valid_after: certificate.validAfter.toISOString(),
      valid_before: certificate.validBefore.toISOString(),
      target: {
        id: target.id,
        hostname: target.hostname,
        address: targetAddress(target),
        port: target.port,
        ...(target.front === undefined || this.omitHostKey ? {} : { host_key: target.front.host_key }),
      },
    };
  }
}
