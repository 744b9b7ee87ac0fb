/**
 * The local target's agent enrolment, kept only while it is this server's. A start finds one of:
 *
 * - none (a first start, or after `git clean -fdx`): enrol with a fresh join token;
 * - one for this server: keep it (the agent renews its credential itself);
 * - a foreign or stale one: made with another server URL, in another account (the server's data was made
 *   again while the agent's state survived), or a credential the server no longer accepts (revoked,
 *   expired: "invalid API token"). Then the agent's enrolment, registration and recording settings are
 *   removed (its front keys are kept), and it enrols again.
 *
 * Before enrolling, targets already named like the local target are deleted through the admin API: they
 * belong to an agent whose enrolment is gone, and would otherwise block the new agent's registration.
 */
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AdminApi } from './admin-api.js';

/** The fields of the agent's enrolment.json this reads (agent/src/app/ports/agent-state.ts). */
export interface EnrolmentFile {
  readonly server: string;
  readonly accountId: string;
  readonly agentId: string;
  readonly apiToken: string;
}

export type EnrolmentVerdict =
  | { readonly kind: 'missing' }
  | { readonly kind: 'stale'; readonly why: string }
  /** Made for this server and account: kept if the server still accepts its credential. */
  | { readonly kind: 'check-credential'; readonly enrolment: EnrolmentFile };

/** Pure: what enrolment.json (its text, undefined when absent) says against the running server. */
export function judgeEnrolment(
  text: string | undefined,
  server: { readonly url: string; readonly accountId: string },
): EnrolmentVerdict {
  if (text === undefined) return { kind: 'missing' };
  let enrolment: Partial<EnrolmentFile>;
  try {
    enrolment = JSON.parse(text) as Partial<EnrolmentFile>;
  } catch {
    return { kind: 'stale', why: 'its enrolment.json is not valid JSON' };
  }
  const { server: url, accountId, agentId, apiToken } = enrolment;
  if (
    typeof url !== 'string' ||
    typeof accountId !== 'string' ||
    typeof agentId !== 'string' ||
    typeof apiToken !== 'string'
  ) {
    return { kind: 'stale', why: 'its enrolment.json lacks the server, account, agent or credential' };
  }
  if (url.replace(/\/+$/, '') !== server.url) {
    return { kind: 'stale', why: `it was enrolled with another server (${url})` };
  }
  if (accountId !== server.accountId) {
    return {
      kind: 'stale',
      why: `it was enrolled in account ${accountId}, which this server's data does not have (made again since?)`,
    };
  }
  return { kind: 'check-credential', enrolment: { server: url, accountId, agentId, apiToken } };
}

/** The files of the agent's state that belong to one enrolment; the front's keys stay. */
const ENROLMENT_FILES = [
  'enrolment.json',
  'registration.json',
  'ca-keys.json',
  'status.json',
  'recording.json',
  'break-glass.json',
];

export interface EnrolmentOutcome {
  readonly agentId: string;
  /** What was done, for the step line: kept, enrolled, or enrolled again (and why). */
  readonly said: string;
}

/**
 * Keeps the agent's enrolment if it is this server's and still accepted, else enrols it (again) with
 * `enroll(joinToken)`, which runs `latchkey-agent enroll`.
 */
export async function ensureAgentEnrolment(options: {
  readonly api: AdminApi;
  readonly stateDir: string;
  readonly targetHostname: string;
  readonly enroll: (joinToken: string) => Promise<void>;
}): Promise<EnrolmentOutcome> {
  const { api, stateDir } = options;
  const path = resolve(stateDir, 'enrolment.json');
  const verdict = judgeEnrolment(await readIfThere(path), {
    url: api.url,
    accountId: await api.account(),
  });
  let why: string | undefined;
  if (verdict.kind === 'check-credential') {
    if (await credentialAccepted(api.url, verdict.enrolment)) {
      return { agentId: verdict.enrolment.agentId, said: 'enrolled already' };
    }
    why = 'the server does not accept its credential (invalid API token: revoked or expired)';
  } else if (verdict.kind === 'stale') {
    why = verdict.why;
  }
  if (why !== undefined) {
    for (const name of ENROLMENT_FILES) await rm(resolve(stateDir, name), { force: true });
  }
  await deleteTargetsNamed(api, options.targetHostname);
  await options.enroll(await joinToken(api));
  const made = judgeEnrolment(await readIfThere(path), {
    url: api.url,
    accountId: await api.account(),
  });
  if (made.kind !== 'check-credential') {
    throw new Error(`latchkey-agent enroll left no usable ${path}`);
  }
  return {
    agentId: made.enrolment.agentId,
    said: why === undefined ? 'enrolled' : `enrolled again: ${why}`,
  };
}

/** Whether the server takes the agent's credential, asked on a read-only route of the agent's API. */
async function credentialAccepted(url: string, enrolment: EnrolmentFile): Promise<boolean> {
  const response = await fetch(
    `${url}/v1/agents/client/v4/accounts/${enrolment.accountId}/access/gateway_ca`,
    { headers: { authorization: `Bearer ${enrolment.apiToken}` } },
  );
  await response.body?.cancel();
  if (response.ok) return true;
  if (response.status === 401 || response.status === 403) return false;
  throw new Error(`the access server answered HTTP ${response.status} to the agent's credential check`);
}

async function deleteTargetsNamed(api: AdminApi, hostname: string): Promise<void> {
  const targets = await api.call<{ id: string; hostname: string }[]>(
    'GET',
    `/infrastructure/targets?hostname=${encodeURIComponent(hostname)}`,
  );
  for (const target of targets) {
    if (target.hostname.toLowerCase() === hostname.toLowerCase()) {
      await api.call('DELETE', `/infrastructure/targets/${target.id}`);
    }
  }
}

/** A join token for the local agent's enrolment (one use, one hour). */
async function joinToken(api: AdminApi): Promise<string> {
  const created = await api.call<{ token: string }>('POST', '/latchkey/join_tokens', {
    name: 'local target (scripts/up.sh)',
    expires_in_seconds: 3600,
  });
  return created.token;
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
