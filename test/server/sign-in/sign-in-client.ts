/**
 * A minimal OAuth device-flow client for the server tests: speaks to a listening test server over real
 * HTTP (form-encoded, as RFC 8628 says), so the tests see what the CLI and the extension see.
 */
import assert from 'node:assert/strict';
import { approveDeviceCode } from '../../support/device-approval.js';

export interface DeviceStart {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function postForm(
  baseUrl: string,
  path: string,
  fields: Record<string, string>,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(new URL(path, baseUrl), { method: 'POST', body: new URLSearchParams(fields) });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : JSON.parse(text),
    headers: response.headers,
  };
}

export async function startDevice(baseUrl: string, clientId = 'latchkey-cli'): Promise<DeviceStart> {
  const started = await postForm(baseUrl, '/oauth/device_authorization', { client_id: clientId });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  return started.body as DeviceStart;
}

export function pollDevice(baseUrl: string, deviceCode: string, clientId = 'latchkey-cli') {
  return postForm(baseUrl, '/oauth/token', {
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    device_code: deviceCode,
    client_id: clientId,
  });
}

/** The whole device flow as a built-in user: start, approve on the page, poll for the tokens. */
export async function signInBuiltIn(baseUrl: string, email: string, password: string): Promise<Tokens> {
  const started = await startDevice(baseUrl);
  await approveDeviceCode(started.verification_uri_complete, { email, password });
  const polled = await pollDevice(baseUrl, started.device_code);
  assert.equal(polled.status, 200, JSON.stringify(polled.body));
  return polled.body as Tokens;
}

export async function getJson(baseUrl: string, path: string, accessToken: string | undefined) {
  const response = await fetch(new URL(path, baseUrl), {
    headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
  });
  return { status: response.status, body: (await response.json()) as Json };
}

export async function postJson(baseUrl: string, path: string, accessToken: string, body: unknown) {
  const response = await fetch(new URL(path, baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}
