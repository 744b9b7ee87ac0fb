/**
 * The HTML of the console's admin pages (issue 15's second slice): agents, join tokens. Pure functions
 * from what to show to a complete page, in the style of render-console-pages.ts: every value
 * HTML-escaped here, no inline script or style. A refused change shows the API's own message at the
 * field it is about (`aria-invalid` and `aria-describedby` on the control), or above the form when it is
 * about no one field.
 */
import { escapeHtml } from '../device-pages/render-device-pages.js';
import { formField, formProblem, withProblem } from './render-console-forms.js';
import type { FieldProblem } from './render-console-forms.js';
import { csrfField, notice, page, pager, tableOf } from './render-console-pages.js';
import type { Paging, Viewer } from './render-console-pages.js';

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
  model: {
    agents: AgentRow[];
    canRemove: boolean;
    ok?: string;
    error?: string;
    /** A replacement's join token just made: its install line (with the secret), shown once. */
    made?: { name: string; hostname: string; installLine: string; notes: string[] };
  },
): string {
  const title = { title: 'Agents', current: '/console/agents', viewer, copy: model.made !== undefined };
  const made =
    model.made === undefined
      ? ''
      : `<section class="ok" aria-labelledby="made-heading"><h2 id="made-heading">Join token “${escapeHtml(model.made.name)}” made</h2>
<p>Run this line as root on the host that takes over from the agent of ${escapeHtml(model.made.hostname)} (a reinstalled or rebuilt host): it enrols once, as that agent, keeping its target; the old credential is revoked at that moment (audit events agent.replace, then agent.replaced). The secret in it is shown only now.</p>
<pre class="line" id="install-line">${escapeHtml(model.made.installLine)}</pre>
<p><button type="button" data-copy="install-line" data-copy-status="copy-status" hidden>Copy the install line</button> <span id="copy-status" role="status" aria-live="polite"></span></p>
${model.made.notes.map((note) => `<p>${escapeHtml(note)}</p>`).join('\n')}</section>`;
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
<button class="danger" type="submit">Remove<span class="visually-hidden"> the agent of ${escapeHtml(agent.hostname)}</span></button></form>
<form class="inline" method="post" action="/console/agents/${encodeURIComponent(agent.id)}/replace">${csrfField(viewer.csrfToken)}<button type="submit">Replace<span class="visually-hidden"> the agent of ${escapeHtml(agent.hostname)}</span></button></form>`
      : '';
    return `<tr><td>${escapeHtml(agent.hostname)}<br><small class="mono">${escapeHtml(agent.id)}</small></td><td>${escapeHtml(agent.version ?? '')}${agent.distro === undefined ? '' : `<br><small>${escapeHtml(agent.distro)}</small>`}</td><td class="mono">${escapeHtml(agent.lastSeen ?? 'never')}</td><td>${health}</td><td>${escapeHtml(front)}</td><td>${escapeHtml(recording)}</td><td>${agent.sessionCount ?? 0}</td><td>${remove}</td></tr>`;
  });
  return page(
    title,
    `${notice(model)}${made}<p>An agent is online when heard from in the last 3 minutes. Removing one revokes its credential at once (its next request is refused) and deletes its target unless you keep it. Replacing one makes a one-use join token for a rebuilt host to enrol as that agent, keeping its target.</p>
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
${formField({ name: 'name', label: 'Name', value: model.form.name ?? '', ...withProblem(model.problem), extra: ' required', hint: 'What the token is for, e.g. "web servers, December".' })}
${formField({ name: 'expires_in_hours', label: 'Expires in (hours)', value: model.form.expires_in_hours ?? '24', ...withProblem(model.problem), type: 'number', extra: ' inputmode="numeric"', hint: 'At most 8784 (366 days).' })}
${formField({ name: 'max_uses', label: 'Hosts it may enrol', value: model.form.max_uses ?? '1', ...withProblem(model.problem), type: 'number' })}
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

// --- the SSH CA -----------------------------------------------------------------------------------------

export interface CaView {
  /** Undefined: the account has no CA yet. */
  current?: { id: string; publicKey: string; fingerprint: string };
  phase?: 'standby' | 'init' | 'update_clients';
  next?: { id: string; publicKey: string; fingerprint: string };
  startedAt?: string;
  switchedAt?: string;
  completableAt?: string;
}

/** What each phase of a rotation is, and what to do next. */
const PHASES: Record<NonNullable<CaView['phase']>, { name: string; next: string }> = {
  standby: {
    name: 'no rotation (standby)',
    next: 'To replace the CA without downtime, start a rotation: the server makes the next CA, which agents trust beside the current one from their next cycle.',
  },
  init: {
    name: 'next CA made (init)',
    next: 'Next: switch, once every agent trusts the next CA (their next cycle, a few minutes): new certificates are then signed by it. Or cancel, which drops it.',
  },
  update_clients: {
    name: 'next CA signing (update_clients)',
    next: 'Next: complete, once no certificate the old CA signed can still be valid: the old CA is then dropped.',
  },
};

export function renderCaPage(
  viewer: Viewer,
  model: { ca: CaView; canEdit: boolean; problem?: FieldProblem; ok?: string; confirmDelete?: boolean },
): string {
  const title = { title: 'SSH CA', current: '/console/ssh-ca', viewer, copy: model.ca.current !== undefined };
  if (model.confirmDelete === true && model.ca.current !== undefined) {
    const confirmProblem = model.problem?.field === 'confirm' ? model.problem.message : undefined;
    return page(
      { ...title, title: 'Delete the SSH CA', copy: false },
      `${confirmProblem === undefined && model.problem !== undefined ? notice({ error: model.problem.message }) : ''}<h2 id="delete-heading">Delete the SSH CA</h2>
<p class="mono">${escapeHtml(model.ca.current.fingerprint)}</p>
<p>Deleting the CA cannot be undone. No new certificate can be issued until a new CA is created, and the certificates it signed stop working on each target once its agent drops the key (the agent's next cycle, a few minutes); an agentless target trusts it until its <code>TrustedUserCAKeys</code> is changed. To replace the CA without downtime, rotate it instead.</p>
<form class="stack" method="post" action="/console/ssh-ca/delete" aria-labelledby="delete-heading">${csrfField(viewer.csrfToken)}
<div><input id="f-confirm" name="confirm" type="checkbox" value="true" required${confirmProblem === undefined ? '' : ' aria-invalid="true" aria-describedby="f-confirm-error"'}><label for="f-confirm">I understand: people's certificates from this CA stop working</label>${confirmProblem === undefined ? '' : `<p class="field-error" id="f-confirm-error">${escapeHtml(confirmProblem)}</p>`}</div>
<button class="danger" type="submit">Delete the SSH CA</button> <a href="/console/ssh-ca">Keep it</a></form>`,
    );
  }
  const alert = model.problem === undefined ? '' : notice({ error: model.problem.message });
  const form = (action: string, label: string, extra = '', danger = false) =>
    `<form class="inline" method="post" action="/console/ssh-ca/${action}">${csrfField(viewer.csrfToken)}${extra}<button class="${danger ? 'danger' : 'primary'}" type="submit">${escapeHtml(label)}</button></form>`;
  const current = model.ca.current;
  if (current === undefined) {
    const create = model.canEdit
      ? `<form class="stack" method="post" action="/console/ssh-ca/create">${csrfField(viewer.csrfToken)}
<div><label for="f-key_type">Key type</label><select id="f-key_type" name="key_type"><option value="ed25519">Ed25519</option><option value="ecdsa-p256">ECDSA P-256 (like Cloudflare's)</option></select></div>
<button class="primary" type="submit">Create the SSH CA</button></form>`
      : '<p>An admin with the permission "Access: SSH Auditing: Edit" can create it.</p>';
    return page(
      title,
      `${notice(model)}${alert}<div class="empty"><p>This account has no SSH CA yet. The CA signs the short-lived certificates people connect with; targets trust its public key (agents install it themselves). Create it here (or <code>latchkey admin ca create</code>); its private key never leaves the server.</p></div>${create}`,
    );
  }
  const phase = model.ca.phase ?? 'standby';
  const fields: [string, string | undefined][] = [
    ['Phase', PHASES[phase].name],
    ['Started', model.ca.startedAt],
    ['Switched', model.ca.switchedAt],
    ['May complete from', model.ca.completableAt],
  ];
  const actions = !model.canEdit
    ? ''
    : phase === 'standby'
      ? form('rotation', 'Start a rotation', '<input type="hidden" name="action" value="start">')
      : phase === 'init'
        ? `${form(
            'rotation',
            'Switch to the next CA',
            `<input type="hidden" name="action" value="switch"><div><input id="f-force" name="force" type="checkbox" value="true"><label for="f-force">even if agents do not trust it yet (their targets refuse new certificates until they catch up)</label></div>`,
          )} ${form('rotation', 'Cancel the rotation', '<input type="hidden" name="action" value="cancel">', true)}`
        : form('rotation', 'Complete the rotation', '<input type="hidden" name="action" value="complete">');
  const next =
    model.ca.next === undefined
      ? ''
      : `<h2>The next CA</h2><pre class="line" id="next-ca-key">${escapeHtml(model.ca.next.publicKey)}</pre><p class="mono">${escapeHtml(model.ca.next.fingerprint)}</p>`;
  return page(
    title,
    `${notice(model)}<h2>The account's CA</h2>
<p>Targets trust this public key for people's certificates (an agentless target: put it in sshd's <code>TrustedUserCAKeys</code>).</p>
<pre class="line" id="ca-key">${escapeHtml(current.publicKey)}</pre>
<p><button type="button" data-copy="ca-key" data-copy-status="ca-copy-status" hidden>Copy the public key</button> <span id="ca-copy-status" role="status" aria-live="polite"></span></p>
<p class="mono">${escapeHtml(current.fingerprint)}</p>
${next}
<section aria-labelledby="rotation-heading"><h2 id="rotation-heading">Rotation</h2>
<dl class="fields">${fields
      .filter((entry) => entry[1] !== undefined)
      .map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value!)}</dd>`)
      .join('')}</dl>
<p>${escapeHtml(PHASES[phase].next)}</p>
${alert}${actions}</section>${
      model.canEdit
        ? `<section aria-labelledby="delete-ca-heading"><h2 id="delete-ca-heading">Delete the CA</h2><p>Certificates it signed stop working once agents drop it; no certificate can be issued until a new CA is made.</p><p><a class="danger" href="/console/ssh-ca/delete">Delete the SSH CA…</a></p></section>`
        : ''
    }`,
  );
}

// --- the session-log encryption key ---------------------------------------------------------------------

export function renderLogKeyPage(
  viewer: Viewer,
  model: {
    publicKey: string;
    seedId?: string;
    updatedAt?: string;
    canEdit: boolean;
    form?: { public_key?: string };
    problem?: FieldProblem;
    ok?: string;
  },
): string {
  const title = { title: 'Session-log key', current: '/console/log-key', viewer };
  const state =
    model.publicKey === ''
      ? `<div class="empty"><p>No key is set: session logging is <strong>off</strong>. Agents record no session until the auditors' public key is set. Make a key pair where the auditors keep it (<code>latchkey logs keygen</code>), then paste the public key (the <code>.pub</code> file) below. The server never has the private key, so it never can read a log.</p></div>`
      : `<p>Session logging is <strong>on</strong>: agents seal every recorded session to this key (HPKE, X25519); only the holder of its private key can read the logs.</p>
<dl class="fields"><dt>Public key</dt><dd class="mono">${escapeHtml(model.publicKey)}</dd>${model.updatedAt === undefined ? '' : `<dt>Set</dt><dd class="mono">${escapeHtml(model.updatedAt)}</dd>`}${model.seedId === undefined ? '' : `<dt>Seed id</dt><dd class="mono">${escapeHtml(model.seedId)}</dd>`}</dl>`;
  if (!model.canEdit) return page(title, `${notice(model)}${state}`);
  const set = `<h2 id="set-heading">${model.publicKey === '' ? 'Set the key' : 'Replace the key'}</h2>
${formProblem(model.problem, ['public_key'])}
<form class="stack" method="post" action="/console/log-key" aria-labelledby="set-heading">${csrfField(viewer.csrfToken)}
${formField({ name: 'public_key', label: "Auditors' public key", value: model.form?.public_key ?? '', ...withProblem(model.problem), extra: ' required autocomplete="off" spellcheck="false"', hint: 'The contents of the .pub file latchkey logs keygen wrote: base64 of a 32-byte X25519 key.' })}
<button class="primary" type="submit">Set the key</button></form>`;
  const remove =
    model.publicKey === ''
      ? ''
      : `<h2>Remove the key</h2><p>Removing it turns logging off for new connections. Logs already made stay readable with the private key.</p>
<form method="post" action="/console/log-key/remove">${csrfField(viewer.csrfToken)}<button class="danger" type="submit">Remove the key</button></form>`;
  return page(title, `${notice(model)}${state}${set}${remove}`);
}

// --- API tokens -----------------------------------------------------------------------------------------

export interface ApiTokenRow {
  id: string;
  name: string;
  permissions: string[];
  status: string;
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
}

export function renderApiTokensPage(
  viewer: Viewer,
  model: {
    tokens: ApiTokenRow[];
    canEdit: boolean;
    /** The permissions the person may give a token: those they hold. */
    grantable: readonly string[];
    form?: { name?: string; expires?: string; permissions?: readonly string[] };
    problem?: FieldProblem;
    made?: { name: string; secret: string };
    ok?: string;
  },
): string {
  const made =
    model.made === undefined
      ? ''
      : `<section class="ok" aria-labelledby="made-heading"><h2 id="made-heading">API token “${escapeHtml(model.made.name)}” made</h2>
<p>Its secret is shown only now: copy it where it is needed (<code>Authorization: Bearer …</code>). Only its SHA-256 is kept.</p>
<pre class="line" id="token-secret">${escapeHtml(model.made.secret)}</pre>
<p><button type="button" data-copy="token-secret" data-copy-status="copy-status" hidden>Copy the secret</button> <span id="copy-status" role="status" aria-live="polite"></span></p></section>`;
  const rows = model.tokens.map((token) => {
    const revoke =
      model.canEdit && token.status !== 'revoked'
        ? `<form class="inline" method="post" action="/console/api-tokens/${encodeURIComponent(token.id)}/revoke">${csrfField(viewer.csrfToken)}<button class="danger" type="submit">Revoke<span class="visually-hidden"> API token ${escapeHtml(token.name)}</span></button></form>`
        : '';
    return `<tr><td>${escapeHtml(token.name)}<br><small class="mono">${escapeHtml(token.id)}</small></td><td>${token.permissions.map(escapeHtml).join('<br>')}</td><td>${escapeHtml(token.status)}</td><td class="mono">${escapeHtml(token.createdAt)}</td><td class="mono">${escapeHtml(token.expiresAt ?? 'never')}</td><td class="mono">${escapeHtml(token.lastUsedAt ?? 'never')}</td><td>${revoke}</td></tr>`;
  });
  const list =
    model.tokens.length === 0
      ? '<div class="empty"><p>No API tokens. Make one below for a script or a CI job, with only the permissions it needs.</p></div>'
      : tableOf(
          'API tokens, oldest first',
          ['Name', 'Permissions', 'Status', 'Made', 'Expires', 'Last used', ''],
          rows,
        );
  const chosen = new Set(model.form?.permissions ?? []);
  const permissionProblem = model.problem?.field === 'permissions' ? model.problem.message : undefined;
  const form = !model.canEdit
    ? ''
    : `<h2 id="create-heading">Make an API token</h2>
${formProblem(model.problem, ['name', 'expires', 'permissions'])}
<form class="stack" method="post" action="/console/api-tokens" aria-labelledby="create-heading">${csrfField(viewer.csrfToken)}
${formField({ name: 'name', label: 'Name', value: model.form?.name ?? '', ...withProblem(model.problem), extra: ' required' })}
${formField({ name: 'expires', label: 'Expires', value: model.form?.expires ?? '', ...withProblem(model.problem), hint: 'A duration such as 30d, 12h, 2w, or a date such as 2030-01-31T00:00:00Z; empty: never.' })}
<fieldset${permissionProblem === undefined ? '' : ' aria-describedby="f-permissions-error"'}><legend>Permissions</legend>
${model.grantable
  .map(
    (permission, index) =>
      `<div><input id="f-permission-${index}" name="permission" type="checkbox" value="${escapeHtml(permission)}"${chosen.has(permission) ? ' checked' : ''}><label for="f-permission-${index}">${escapeHtml(permission)}</label></div>`,
  )
  .join('\n')}
${permissionProblem === undefined ? '' : `<p class="field-error" id="f-permissions-error">${escapeHtml(permissionProblem)}</p>`}</fieldset>
<button class="primary" type="submit">Make the API token</button></form>`;
  return page(
    { title: 'API tokens', current: '/console/api-tokens', viewer, copy: model.made !== undefined },
    `${notice(model)}${made}${list}\n${form}`,
  );
}

// --- virtual networks and tunnel routes -----------------------------------------------------------------

export interface NetworkRow {
  id: string;
  name: string;
  comment: string;
  isDefault: boolean;
  createdAt: string;
}

export interface RouteRow {
  id: string;
  network: string;
  agentId: string;
  agentName: string;
  networkName: string;
  comment: string;
  createdAt: string;
}

export interface NetworkForms {
  vn_name?: string;
  vn_comment?: string;
  vn_default?: string;
  network?: string;
  tunnel_id?: string;
  virtual_network_id?: string;
  rt_comment?: string;
}

export function renderNetworksPage(
  viewer: Viewer,
  model: {
    networks: NetworkRow[];
    routes: RouteRow[];
    routesPaging: Paging;
    agents: { id: string; hostname: string }[];
    canEdit: boolean;
    form?: NetworkForms;
    /** Which form the problem is about. */
    problemIn?: 'network' | 'route' | 'list';
    problem?: FieldProblem;
    ok?: string;
  },
): string {
  const form = model.form ?? {};
  const problemFor = (where: 'network' | 'route' | 'list') =>
    model.problemIn === where && model.problem !== undefined ? { problem: model.problem } : {};
  const deleteButton = (path: string, label: string) =>
    model.canEdit
      ? `<form class="inline" method="post" action="${path}">${csrfField(viewer.csrfToken)}<button class="danger" type="submit">Delete<span class="visually-hidden"> ${escapeHtml(label)}</span></button></form>`
      : '';
  const editLink = (path: string, label: string) =>
    model.canEdit
      ? `<a href="${path}">Edit<span class="visually-hidden"> ${escapeHtml(label)}</span></a> `
      : '';
  const networkRows = model.networks.map(
    (network) =>
      `<tr><td>${escapeHtml(network.name)}<br><small class="mono">${escapeHtml(network.id)}</small></td><td>${escapeHtml(network.comment)}</td><td>${network.isDefault ? 'default' : ''}</td><td class="mono">${escapeHtml(network.createdAt)}</td><td>${editLink(`/console/networks/${encodeURIComponent(network.id)}`, `virtual network ${network.name}`)}${network.isDefault ? '' : deleteButton(`/console/networks/${encodeURIComponent(network.id)}/delete`, `virtual network ${network.name}`)}</td></tr>`,
  );
  const networkForm = !model.canEdit
    ? ''
    : `<h3 id="vn-heading">Make a virtual network</h3>
${model.problemIn === 'network' ? formProblem(model.problem, ['vn_name', 'vn_comment']) : ''}
<form class="stack" method="post" action="/console/networks" aria-labelledby="vn-heading">${csrfField(viewer.csrfToken)}
${formField({ name: 'vn_name', label: 'Name', value: form.vn_name ?? '', ...problemFor('network'), extra: ' required' })}
${formField({ name: 'vn_comment', label: 'Comment', value: form.vn_comment ?? '', ...problemFor('network') })}
<div><input id="f-vn_default" name="vn_default" type="checkbox" value="true"${form.vn_default === 'true' ? ' checked' : ''}><label for="f-vn_default">make it the default (the previous default stops being one)</label></div>
<button class="primary" type="submit">Make the virtual network</button></form>`;
  const routeRows = model.routes.map(
    (route) =>
      `<tr><td class="mono">${escapeHtml(route.network)}</td><td>${escapeHtml(route.agentName)}<br><small class="mono">${escapeHtml(route.agentId)}</small></td><td>${escapeHtml(route.networkName)}</td><td>${escapeHtml(route.comment)}</td><td class="mono">${escapeHtml(route.createdAt)}</td><td>${editLink(`/console/networks/routes/${encodeURIComponent(route.id)}`, `the route of ${route.network}`)}${deleteButton(`/console/networks/routes/${encodeURIComponent(route.id)}/delete`, `the route of ${route.network}`)}</td></tr>`,
  );
  const select = (
    name: string,
    label: string,
    options: { value: string; label: string }[],
    chosen: string | undefined,
  ) => {
    const problem =
      model.problemIn === 'route' && model.problem?.field === name ? model.problem.message : undefined;
    return `<div><label for="f-${name}">${escapeHtml(label)}</label><select id="f-${name}" name="${name}"${problem === undefined ? '' : ` aria-invalid="true" aria-describedby="f-${name}-error"`}>${options
      .map(
        (option) =>
          `<option value="${escapeHtml(option.value)}"${option.value === chosen ? ' selected' : ''}>${escapeHtml(option.label)}</option>`,
      )
      .join(
        '',
      )}</select>${problem === undefined ? '' : `<p class="field-error" id="f-${name}-error">${escapeHtml(problem)}</p>`}</div>`;
  };
  const routeForm = !model.canEdit
    ? ''
    : model.agents.length === 0
      ? '<p>A route needs an agent to reach its network through (a connector): enrol one on the <a href="/console/join-tokens">Join tokens</a> page first.</p>'
      : `<h3 id="route-heading">Route a private network</h3>
${model.problemIn === 'route' ? formProblem(model.problem, ['network', 'tunnel_id', 'virtual_network_id', 'rt_comment']) : ''}
<form class="stack" method="post" action="/console/networks/routes" aria-labelledby="route-heading">${csrfField(viewer.csrfToken)}
${formField({ name: 'network', label: 'Network (CIDR)', value: form.network ?? '', ...problemFor('route'), extra: ' required spellcheck="false"', hint: 'e.g. 10.77.0.0/24 or fd00::/64; a bare address is a /32 or /128.' })}
${select(
  'tunnel_id',
  'Through the agent',
  model.agents.map((agent) => ({ value: agent.id, label: agent.hostname })),
  form.tunnel_id,
)}
${select(
  'virtual_network_id',
  'In the virtual network',
  model.networks.map((network) => ({
    value: network.id,
    label: `${network.name}${network.isDefault ? ' (default)' : ''}`,
  })),
  form.virtual_network_id ?? model.networks.find((network) => network.isDefault)?.id,
)}
${formField({ name: 'rt_comment', label: 'Comment', value: form.rt_comment ?? '', ...problemFor('route') })}
<button class="primary" type="submit">Add the route</button></form>`;
  const routes =
    model.routes.length === 0
      ? '<div class="empty"><p>No tunnel routes. A route sends people\'s connections to a private network (a CIDR of a virtual network) through an agent that dials its addresses: for hosts without an agent of their own.</p></div>'
      : `${tableOf('Tunnel routes, oldest first', ['Network', 'Agent', 'Virtual network', 'Comment', 'Made', ''], routeRows)}
${pager('/console/networks', {}, model.routesPaging.page, model.routesPaging.totalPages, model.routesPaging.total)}`;
  return page(
    { title: 'Networks and routes', current: '/console/networks', viewer },
    `${notice(model)}${model.problemIn === 'list' && model.problem !== undefined ? notice({ error: model.problem.message }) : ''}
<section aria-labelledby="vn-list-heading"><h2 id="vn-list-heading">Virtual networks</h2>
<p>Targets' addresses belong to a virtual network, so the same private range can exist twice. The default network is the one used when none is named.</p>
${tableOf('Virtual networks', ['Name', 'Comment', 'Default', 'Made', ''], networkRows)}
${networkForm}</section>
<section aria-labelledby="routes-heading"><h2 id="routes-heading">Tunnel routes</h2>
${routes}
${routeForm}</section>`,
  );
}
