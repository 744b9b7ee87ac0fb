/**
 * The tables `latchkey admin targets | agents | audit | sessions` print (`--json` prints the API's result
 * instead). Pure: names of virtual networks and targets are looked up in maps the caller fills. Every field
 * comes from the server, and much of it from agents (hostnames, versions, recorder commands, break-glass
 * reasons, sessions) or from what people and agents sent it (audit events), so each is escaped for the
 * terminal (escapeForTerminal) before it is measured and printed.
 */
import type {
  Agent,
  ApiToken,
  AuditEvent,
  CaRotation,
  SshSession,
  SshSessionEnd,
  Target,
} from '@latchkey/shared';
import { escapeForTerminal } from '../terminal-text.js';
import { renderTextTable } from '../text-table.js';

const NONE = '-';

/** Any field as escaped text (a compromised server or agent may send a non-string too). */
const safe = (value: unknown) => escapeForTerminal(String(value));

export function renderAdminTargetsTable(
  targets: readonly Target[],
  networkNames: ReadonlyMap<string, string>,
): string {
  if (targets.length === 0) return 'No targets.\n';
  const network = (target: Target) => {
    const ids = [
      ...new Set(
        [target.ip.ipv4?.virtual_network_id, target.ip.ipv6?.virtual_network_id].filter(
          (id): id is string => id !== undefined,
        ),
      ),
    ];
    return ids.map((id) => safe(networkNames.get(id) ?? id)).join(', ') || NONE;
  };
  return renderTextTable(
    ['ID', 'HOSTNAME', 'IPV4', 'IPV6', 'VIRTUAL NETWORK'],
    targets.map((target) => [
      safe(target.id),
      safe(target.hostname),
      safe(target.ip.ipv4?.ip_addr ?? NONE),
      safe(target.ip.ipv6?.ip_addr ?? NONE),
      network(target),
    ]),
  );
}

/** "3m ago", "2h ago", "5d ago" (or the time itself when in the future or unreadable). */
export function ago(at: string | undefined, now: Date): string {
  if (at === undefined) return 'never';
  const then = Date.parse(at);
  if (Number.isNaN(then)) return at;
  const seconds = Math.round((now.getTime() - then) / 1000);
  if (seconds < 0) return at;
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

export function renderAgentsTable(
  agents: readonly Agent[],
  targetHostnames: ReadonlyMap<string, string>,
  now: Date,
): string {
  if (agents.length === 0) {
    return 'No agents enrolled. Make a join token with `latchkey admin join-token create`.\n';
  }
  const rows = agents.map((agent) => {
    const state = agent.sshd_config?.state;
    const breakGlass = agent.recording?.break_glass;
    const activeBreakGlass =
      breakGlass !== undefined && Date.parse(breakGlass.until) > now.getTime() ? breakGlass : undefined;
    return [
      safe(agent.hostname),
      agent.target_id === undefined ? NONE : safe(targetHostnames.get(agent.target_id) ?? agent.target_id),
      safe(agent.version ?? NONE),
      typeof state === 'string' ? safe(state) : NONE,
      agent.recording === undefined
        ? NONE
        : `${safe(agent.recording.mode)} (${safe(agent.recording.recorder_command)})`,
      safe(ago(agent.last_seen_at, now)),
      activeBreakGlass === undefined
        ? NONE
        : `until ${safe(activeBreakGlass.until)}: ${oneLine(activeBreakGlass.reason, 60)}`,
    ];
  });
  return renderTextTable(
    ['HOSTNAME', 'TARGET', 'VERSION', 'SSHD CONFIG', 'RECORDING', 'LAST SEEN', 'BREAK-GLASS'],
    rows,
  );
}

/** The account's API tokens, oldest first as the server lists them; never a secret (it has none to give). */
export function renderApiTokensTable(tokens: readonly ApiToken[], now: Date): string {
  if (tokens.length === 0) return 'No API tokens.\n';
  return renderTextTable(
    ['ID', 'NAME', 'PERMISSIONS', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED'],
    tokens.map((token) => [
      safe(token.id),
      oneLine(token.name, 40),
      listOf(token.permissions),
      safe(token.status),
      safe(token.created_at),
      safe(token.expires_at ?? NONE),
      safe(ago(token.last_used_at, now)),
    ]),
  );
}

/** What the rotation of the SSH CA is at, and what comes next: a field a line, then a hint. */
export function describeCaRotation(rotation: CaRotation): string {
  const lines: [string, string][] = [
    ['phase', safe(rotation.phase)],
    ['current CA', `${safe(rotation.current?.id)} ${safe(rotation.current?.public_key)}`],
    ...(rotation.next === undefined
      ? []
      : [['next CA', `${safe(rotation.next.id)} ${safe(rotation.next.public_key)}`] as [string, string]]),
    ...(rotation.started_at === undefined
      ? []
      : [['started', safe(rotation.started_at)] as [string, string]]),
    ...(rotation.switched_at === undefined
      ? []
      : [['switched', safe(rotation.switched_at)] as [string, string]]),
    ...(rotation.completable_at === undefined
      ? []
      : [['completable', `from ${safe(rotation.completable_at)}`] as [string, string]]),
  ];
  const next =
    rotation.phase === 'standby'
      ? 'No rotation under way; `latchkey admin ca-rotation start` begins one.'
      : rotation.phase === 'init'
        ? 'Agents trust both CAs from their next cycle; then `switch` (or `cancel`). Targets without an agent: add the next CA to their TrustedUserCAKeys now.'
        : 'The next CA signs; `complete` once certificates of the old one have expired (see completable).';
  return `${lines.map(([key, value]) => `${`${key}:`.padEnd(13)}${value}\n`).join('')}${next}\n`;
}

/** `admin tokens show`: one token, a field a line. */
export function describeApiToken(token: ApiToken, now: Date): string {
  const lines: [string, string][] = [
    ['id', safe(token.id)],
    ['name', safe(token.name)],
    ['permissions', listOf(token.permissions)],
    ['status', safe(token.status)],
    ['created', safe(token.created_at)],
    ['expires', safe(token.expires_at ?? 'never')],
    ['last used', safe(ago(token.last_used_at, now))],
    ...(token.revoked_at === undefined ? [] : [['revoked', safe(token.revoked_at)] as [string, string]]),
  ];
  return lines.map(([key, value]) => `${`${key}:`.padEnd(13)}${value}\n`).join('');
}

/**
 * The live sessions at agents' SSH fronts. Every field comes from an agent's report, so each is escaped
 * for the terminal (escapeForTerminal) before it is measured and printed; long commands are cut.
 */
export function renderSshSessionsTable(sessions: readonly SshSession[], now: Date): string {
  if (sessions.length === 0) return "No live SSH sessions at agents' SSH fronts.\n";
  return renderTextTable(
    ['SESSION', 'PERSON', 'UNIX USER', 'TARGET', 'PROGRAM', 'STARTED', 'CLIENT'],
    sessions.map((session) => [
      safe(session.session_id),
      safe(session.person),
      safe(session.unix_user),
      safe(session.hostname),
      session.command === undefined
        ? safe(session.program)
        : cut(`${safe(session.program)}: ${safe(session.command)}`, 60),
      safe(ago(session.started_at, now)),
      session.client_address === undefined ? NONE : safe(session.client_address),
    ]),
  );
}

/** What `admin sessions end` says when the server took the order (fields escaped, as in the table). */
export function describeEndedSession(ended: SshSessionEnd): string {
  const { session } = ended;
  return (
    `Ending session ${escapeForTerminal(session.session_id)} of ${escapeForTerminal(session.person)} ` +
    `as ${escapeForTerminal(session.unix_user)} on ${escapeForTerminal(session.hostname)}: ` +
    'its agent closes it within seconds.\n'
  );
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function renderAuditTable(events: readonly AuditEvent[]): string {
  if (events.length === 0) return 'No audit events.\n';
  return renderTextTable(
    ['TIME', 'ACTOR', 'ACTION', 'RESOURCE', 'SUMMARY'],
    events.map((event) => [
      safe(event.created_at),
      safe(event.actor),
      safe(event.action),
      event.resource_id === undefined
        ? safe(event.resource_type)
        : `${safe(event.resource_type)} ${safe(event.resource_id)}`,
      summariseAuditEvent(event),
    ]),
  );
}

/**
 * A short line about what changed: the name or hostname of what was made or removed, else the fields that
 * differ between before and after, else the keys of what was recorded; escaped for the terminal.
 */
export function summariseAuditEvent(event: AuditEvent): string {
  const after = asRecord(event.after);
  const before = asRecord(event.before);
  const state = after ?? before;
  const label = state === undefined ? undefined : nameOf(state);
  if (after !== undefined && before !== undefined) {
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (key) => key !== 'modified_at' && JSON.stringify(before[key]) !== JSON.stringify(after[key]),
    );
    const what = changed.length === 0 ? 'no field changed' : `changed ${changed.join(', ')}`;
    return oneLine(label === undefined ? what : `${label}: ${what}`, 80);
  }
  if (label !== undefined) return oneLine(label, 80);
  if (state !== undefined) return oneLine(Object.keys(state).join(', '), 80);
  const scalar = event.after ?? event.before;
  return scalar === undefined ? '' : oneLine(JSON.stringify(scalar), 80);
}

function nameOf(state: Record<string, unknown>): string | undefined {
  for (const key of ['hostname', 'name', 'email', 'username']) {
    const value = state[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A list from the server as escaped text; anything else (a compromised server's) escaped as it is. */
function listOf(value: unknown): string {
  return Array.isArray(value) ? value.map((item) => safe(item)).join(', ') : safe(value);
}

/** Escaped for the terminal (a line break too); longer than `max` ends in "…". */
function oneLine(text: unknown, max: number): string {
  const flat = safe(text);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
