/**
 * Session logs for the server's tests: real sealed files made with shared's SessionLogWriter for an
 * auditor key pair, the upload headers an agent sends with them, and an enrolled agent's credential.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SessionLogWriter, encodeAuditorKey, generateHpkeKeyPair } from '@latchkey/shared';
import type { HpkeKeyPair, SshLogUploadMetadata } from '@latchkey/shared';
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

/** Enrols an agent through the HTTP API (join token, then enrol) and returns its credential. */
export async function enrollAgent(
  server: TestServer,
  hostname: string,
): Promise<{ token: string; agentId: string }> {
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
  return { token: credential.api_token, agentId: credential.agent_id };
}
