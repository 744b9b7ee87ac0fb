/**
 * The HTML of the console's admin pages (issue 15's second slice): agents, join tokens. Pure functions
 * from what to show to a complete page, in the style of render-console-pages.ts: every value
 * HTML-escaped here, no inline script or style. A refused change shows the API's own message at the
 * field it is about (`aria-invalid` and `aria-describedby` on the control), or above the form when it is
 * about no one field.
 */
import { escapeHtml } from '../device-pages/render-device-pages.js';
import { csrfField, notice, page, tableOf } from './render-console-pages.js';
import type { Viewer } from './render-console-pages.js';

/** A refused change: the API's message and the form field it points at (undefined: the whole form). */
export interface FieldProblem {
  field?: string;
  message: string;
}

/** A labelled input, with the problem's message under it when the problem is about it. */
export function formField(options: {
  name: string;
  label: string;
  value?: string;
  problem?: FieldProblem;
  type?: string;
  extra?: string;
  hint?: string;
}): string {
  const id = `f-${options.name}`;
  const problem = options.problem?.field === options.name ? options.problem.message : undefined;
  const described = [
    ...(options.hint === undefined ? [] : [`${id}-hint`]),
    ...(problem === undefined ? [] : [`${id}-error`]),
  ];
  return `<div><label for="${id}">${escapeHtml(options.label)}</label>${
    options.hint === undefined ? '' : `<small id="${id}-hint">${escapeHtml(options.hint)}</small>`
  }<input id="${id}" name="${options.name}" type="${options.type ?? 'text'}" value="${escapeHtml(options.value ?? '')}"${
    described.length === 0 ? '' : ` aria-describedby="${described.join(' ')}"`
  }${problem === undefined ? '' : ' aria-invalid="true"'}${options.extra ?? ''}>${
    problem === undefined ? '' : `<p class="field-error" id="${id}-error">${escapeHtml(problem)}</p>`
  }</div>`;
}

/** The problem above the form when it points at no field of it. */
export function formProblem(problem: FieldProblem | undefined, fields: readonly string[]): string {
  if (problem === undefined || (problem.field !== undefined && fields.includes(problem.field))) return '';
  return notice({ error: problem.message });
}

// --- agents ---------------------------------------------------------------------------------------------

export interface AgentRow {
  id: string;
  hostname: string;
  targetId?: string;
  version?: string;
  distro?: string;
  lastSeen?: string;
  online: boolean;
  sshd?: string;
  frontPort?: number;
  recordingMode?: string;
  breakGlassUntil?: string;
  sessionCount?: number;
}

export function renderAgentsPage(
  viewer: Viewer,
  model: { agents: AgentRow[]; canRemove: boolean; ok?: string; error?: string },
): string {
  const title = { title: 'Agents', current: '/console/agents', viewer };
  if (model.agents.length === 0) {
    return page(
      title,
      `${notice(model)}<div class="empty"><p>No agents yet. An agent is a host that enrolled with a join token: make one on the <a href="/console/join-tokens">Join tokens</a> page (or <code>latchkey admin join-token create</code>) and run its install line on the host as root. The agent registers its host as a target and appears here with its first heartbeat.</p></div>`,
    );
  }
  const rows = model.agents.map((agent) => {
    const health = agent.online
      ? `<span class="health-online">online</span>${agent.sshd === undefined ? '' : ` <small>sshd ${escapeHtml(agent.sshd)}</small>`}`
      : `<span class="health-offline">offline</span>`;
    const front = agent.frontPort === undefined ? 'none (sshd directly)' : `port ${agent.frontPort}`;
    const recording =
      agent.recordingMode === undefined
        ? 'not reported'
        : `${agent.recordingMode}${agent.breakGlassUntil === undefined ? '' : ` (break-glass until ${agent.breakGlassUntil})`}`;
    const remove = model.canRemove
      ? `<form class="inline" method="post" action="/console/agents/${encodeURIComponent(agent.id)}/remove">${csrfField(viewer.csrfToken)}
<div><input id="keep-${escapeHtml(agent.id)}" name="keep_target" type="checkbox" value="true"><label for="keep-${escapeHtml(agent.id)}">keep its target</label></div>
<button class="danger" type="submit">Remove<span class="visually-hidden"> the agent of ${escapeHtml(agent.hostname)}</span></button></form>`
      : '';
    return `<tr><td>${escapeHtml(agent.hostname)}<br><small class="mono">${escapeHtml(agent.id)}</small></td><td>${escapeHtml(agent.version ?? '')}${agent.distro === undefined ? '' : `<br><small>${escapeHtml(agent.distro)}</small>`}</td><td class="mono">${escapeHtml(agent.lastSeen ?? 'never')}</td><td>${health}</td><td>${escapeHtml(front)}</td><td>${escapeHtml(recording)}</td><td>${agent.sessionCount ?? 0}</td><td>${remove}</td></tr>`;
  });
  return page(
    title,
    `${notice(model)}<p>An agent is online when heard from in the last 3 minutes. Removing one revokes its credential at once (its next request is refused) and deletes its target unless you keep it.</p>
${tableOf('Agents', ['Hostname', 'Version', 'Last heartbeat', 'Health', 'SSH front', 'Recording mode', 'Live sessions', ''], rows)}`,
  );
}

// --- join tokens ----------------------------------------------------------------------------------------

export interface JoinTokenRow {
  id: string;
  name: string;
  uses: number;
  maxUses: number;
  expiresAt: string;
  createdAt: string;
  revokedAt?: string;
  replacesAgentId?: string;
  expired: boolean;
}

export interface JoinTokenForm {
  name?: string;
  expires_in_hours?: string;
  max_uses?: string;
}

export function renderJoinTokensPage(
  viewer: Viewer,
  model: {
    tokens: JoinTokenRow[];
    form: JoinTokenForm;
    problem?: FieldProblem;
    /** The token just made: its secret, shown once, and the line a host runs. */
    made?: { name: string; secret: string; installLine: string; notes: string[] };
    ok?: string;
  },
): string {
  const made =
    model.made === undefined
      ? ''
      : `<section class="ok" aria-labelledby="made-heading"><h2 id="made-heading">Join token “${escapeHtml(model.made.name)}” made</h2>
<p>Run this line on the host, as root. The secret in it is shown only now: it is not stored anywhere you can read it again.</p>
<pre class="line" id="install-line">${escapeHtml(model.made.installLine)}</pre>
<p><button type="button" data-copy="install-line" data-copy-status="copy-status" hidden>Copy the install line</button> <span id="copy-status" role="status" aria-live="polite"></span></p>
${model.made.notes.map((note) => `<p>${escapeHtml(note)}</p>`).join('\n')}</section>`;
  const fields = ['name', 'expires_in_hours', 'max_uses'];
  const form = `<h2 id="create-heading">Make a join token</h2>
${formProblem(model.problem, fields)}
<form class="stack" method="post" action="/console/join-tokens" aria-labelledby="create-heading">${csrfField(viewer.csrfToken)}
${formField({ name: 'name', label: 'Name', value: model.form.name ?? '', ...problemOf(model.problem), extra: ' required', hint: 'What the token is for, e.g. "web servers, December".' })}
${formField({ name: 'expires_in_hours', label: 'Expires in (hours)', value: model.form.expires_in_hours ?? '24', ...problemOf(model.problem), type: 'number', extra: ' inputmode="numeric"', hint: 'At most 8784 (366 days).' })}
${formField({ name: 'max_uses', label: 'Hosts it may enrol', value: model.form.max_uses ?? '1', ...problemOf(model.problem), type: 'number' })}
<button class="primary" type="submit">Make the join token</button></form>`;
  const rows = model.tokens.map((token) => {
    const state =
      token.revokedAt !== undefined
        ? `revoked ${token.revokedAt}`
        : token.expired
          ? 'expired'
          : token.uses >= token.maxUses
            ? 'used up'
            : 'usable';
    const revoke =
      token.revokedAt === undefined
        ? `<form class="inline" method="post" action="/console/join-tokens/${encodeURIComponent(token.id)}/revoke">${csrfField(viewer.csrfToken)}<button class="danger" type="submit">Revoke<span class="visually-hidden"> join token ${escapeHtml(token.name)}</span></button></form>`
        : '';
    return `<tr><td>${escapeHtml(token.name)}<br><small class="mono">${escapeHtml(token.id)}</small>${token.replacesAgentId === undefined ? '' : `<br><small>replaces agent ${escapeHtml(token.replacesAgentId)}</small>`}</td><td>${token.uses} of ${token.maxUses}</td><td class="mono">${escapeHtml(token.expiresAt)}</td><td class="mono">${escapeHtml(token.createdAt)}</td><td>${escapeHtml(state)}</td><td>${revoke}</td></tr>`;
  });
  const list =
    model.tokens.length === 0
      ? '<div class="empty"><p>No join tokens yet. Make one below, then run its install line on each host you want to enrol; each host becomes an agent and a target.</p></div>'
      : tableOf('Join tokens', ['Name', 'Uses', 'Expires', 'Made', 'State', ''], rows);
  return page(
    { title: 'Join tokens', current: '/console/join-tokens', viewer, copy: model.made !== undefined },
    `${notice(model)}${made}${list}\n${form}`,
  );
}

function problemOf(problem: FieldProblem | undefined): { problem?: FieldProblem } {
  return problem === undefined ? {} : { problem };
}
