/**
 * Session logs for the server's tests: real sealed files made with shared's SessionLogWriter for an
 * auditor key pair, the upload headers an agent sends with them, an enrolled agent's credential with its
 * target, and sessions issued the real way (a person signed in asks for a certificate), since an upload
 * is indexed from what the server issued (issue 13).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  SessionLogWriter,
  encodeAuditorKey,
  generateHpkeKeyPair,
  generateSshKeyPair,
} from '@latchkey/shared';
import type { HpkeKeyPair, SshLogUploadMetadata } from '@latchkey/shared';
import { firstTokens, startSession } from '../../../server/src/app/sign-in/sign-in-sessions.js';
import type { Json, TestServer } from '../support/test-server.js';

export interface Auditor extends HpkeKeyPair {
  /** Base64 of the public key, as audit_ssh_settings holds it. */
  publicKeyText: string;
}

export function makeAuditor(): Auditor {
  const pair = generateHpkeKeyPair();
  return { ...pair, publicKeyText: encodeAuditorKey(pair.publicKey) };
}

/** A complete PTY session log: the terminal says `text`. */
export function makeSessionLog(auditor: Auditor, text: string, sessionId = 'sess-1'): Buffer {
  const writer = new SessionLogWriter({
    auditorPublicKey: auditor.publicKey,
    identity: {
      session_id: sessionId,
      target_id: 'target-1',
      user_email: 'alice@example.com',
      principal: 'alice',
      program_type: 'shell',
    },
    pty: { term: 'xterm-256color', width: 80, height: 24, modes: [] },
    startedAt: new Date('2026-11-24T10:00:00.000Z'),
  });
  writer.data(1, 1000, Buffer.from(text));
  writer.flush();
  const early = writer.takeSealed();
  const end = writer.finish({
    exitData: { timestamp: 1_795_000_000, status: 0, signal: null, core_dumped: false, error_msg: null },
    elapsedMicros: 2000,
  });
  return Buffer.concat([end.header, early, end.sealed]);
}

export function metadataFor(overrides: Partial<SshLogUploadMetadata> = {}): SshLogUploadMetadata {
  return {
    session_id: 'sess-1',
    user_email: 'Alice@Example.com',
    username: 'alice',
    target_id: 'target-1',
    target_hostname: 'web-1',
    client_address: '127.0.0.1:50000',
    server_address: '127.0.0.1:22',
    pty: true,
    program_type: 'shell',
    session_start_datetime: '2026-11-24T10:00:00.000Z',
    session_finish_datetime: '2026-11-24T10:05:00.000Z',
    status: 'complete',
    ...overrides,
  };
}

export function sha256Base64(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The headers of an upload of `file` with `metadata`. */
export function uploadHeaders(file: Uint8Array, metadata: unknown): Record<string, string> {
  return {
    'content-type': 'application/octet-stream',
    'content-digest': `sha-256=:${sha256Base64(file)}:`,
    'latchkey-log-metadata': Buffer.from(JSON.stringify(metadata)).toString('base64url'),
  };
}

export interface EnrolledAgent {
  token: string;
  agentId: string;
  /** The target the agent registered (named like the agent). */
  targetId: string;
  hostname: string;
}

let addressCounter = 0;

/**
 * Enrols an agent through the HTTP API (join token, then enrol) and registers its target with the
 * agent's own credential, as the agent service does on its first start.
 */
export async function enrollAgent(server: TestServer, hostname: string): Promise<EnrolledAgent> {
  const joinToken = await server.call('POST', `${server.base}/latchkey/join_tokens`, {
    body: { name: hostname },
  });
  assert.equal(joinToken.status, 200, JSON.stringify(joinToken.body));
  const enrolled = await server.call('POST', '/v1/agents/enroll', {
    token: null,
    body: {
      join_token: joinToken.body.result.token,
      hostname,
      agent: { version: '0.1.0', distro: 'debian 12' },
    },
  });
  assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
  const credential: Json = enrolled.body.result;
  const n = ++addressCounter;
  const target = await server.call(
    'POST',
    `/v1/agents/client/v4/accounts/${server.accountId}/infrastructure/targets`,
    {
      token: credential.api_token,
      body: { hostname, ip: { ipv4: { ip_addr: `10.99.${Math.floor(n / 250)}.${(n % 250) + 1}` } } },
    },
  );
  assert.equal(target.status, 200, JSON.stringify(target.body));
  return {
    token: credential.api_token,
    agentId: credential.agent_id,
    targetId: target.body.result.id,
    hostname,
  };
}

let appCounter = 0;

/**
 * A session the server issues for real: an app covers the agent's target for `person.email` as
 * `person.username`, the person signs in (a built-in account's sign-in when one has that email) and asks
 * for a certificate. Returns the certificate's session id.
 */
export async function issueSession(
  server: TestServer,
  agent: Pick<EnrolledAgent, 'targetId' | 'hostname'>,
  person: { email: string; username: string },
): Promise<string> {
  return (await issueCertificate(server, agent, person)).session_id as string;
}

/** As issueSession, but the whole answer of `POST /v1/me/certificates` (the certificate among it). */
export async function issueCertificate(
  server: TestServer,
  agent: Pick<EnrolledAgent, 'targetId' | 'hostname'>,
  person: { email: string; username: string },
): Promise<Json> {
  const ca = await server.call('POST', `${server.base}/access/gateway_ca`);
  assert.ok(ca.status === 200 || ca.status === 409, JSON.stringify(ca.body));
  const app = await server.call('POST', `${server.base}/access/apps`, {
    body: {
      name: `session logs ${++appCounter}`,
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: [agent.hostname] }, port: 22, protocol: 'SSH' }],
      policies: [
        {
          name: `${person.email} as ${person.username}`,
          decision: 'allow',
          include: [{ email: { email: person.email } }],
          connection_rules: { ssh: { usernames: [person.username] } },
        },
      ],
    },
  });
  assert.equal(app.status, 200, JSON.stringify(app.body));
  const user = await server.store.users.getByEmail(server.accountId, person.email);
  const signIn = await startSession(
    server.services,
    server.accountId,
    {
      email: person.email,
      groups: user?.groups ?? [],
      loginMethod: user === undefined ? 'corp' : 'builtin',
      authMethods: ['pwd'],
      claims: {},
      ...(user === undefined ? {} : { userId: user.id }),
    },
    'latchkey-cli',
  );
  const { accessToken } = await firstTokens(server.services, signIn);
  const issued = await server.call('POST', '/v1/me/certificates', {
    token: accessToken,
    body: {
      target_id: agent.targetId,
      username: person.username,
      public_key: generateSshKeyPair('ed25519').publicKey.toAuthorizedKey(),
    },
  });
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  return issued.body.result;
}
