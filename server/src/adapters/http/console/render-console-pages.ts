/**
 * The HTML of the web console: pure functions from what to show to a complete page, in the style of the
 * device pages (device-pages/render-device-pages.ts): server-rendered, every value HTML-escaped here and
 * nowhere else. No inline script, no inline style (the CSP refuses both): the stylesheet is
 * /console/assets/console.css; only a session log's page has scripts (/console/assets/console.js, which
 * decrypts, and /console/assets/player.js), every other page works without any.
 */
import type { SshLog, SshSession, Target, AuditEvent } from '@latchkey/shared';
import { escapeHtml } from '../device-pages/render-device-pages.js';
import type { ConsolePage } from '../../../domain/console/console-roles.js';
import { CONSOLE_AUDITOR_GROUP, CONSOLE_ADMIN_GROUP } from '../../../domain/console/console-roles.js';

export const CONSOLE_CSS = `
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2125;background:#fafbfc}
a{color:#0b57d0}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:9}
header{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.6rem 1.2rem;background:#1d2125;color:#fff}
header a{color:#fff}header .brand{font-weight:700;margin-right:1rem}
header nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
header nav a[aria-current=page]{text-decoration:underline 3px}
header .who{margin-left:auto;display:flex;gap:.6rem;align-items:center}
main{padding:1rem 1.2rem;max-width:90rem}
h1{font-size:1.4rem;margin:.4rem 0 1rem}h2{font-size:1.15rem}
form.filters{display:flex;flex-wrap:wrap;gap:.8rem;align-items:flex-end;margin-bottom:1rem}
form.filters label,form.stack label{display:block;font-size:.85rem;font-weight:600}
input,select,button,textarea{font:inherit;padding:.35rem .5rem}
button{cursor:pointer;border:1px solid #888;border-radius:4px;background:#fff}
button.primary{background:#0b57d0;color:#fff;border-color:#0b57d0}
a.button{display:inline-block;padding:.45rem .8rem;border:1px solid #0b57d0;border-radius:4px;background:#0b57d0;color:#fff;text-decoration:none}ul.providers{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.6rem}button.danger{border-color:#b3261e;color:#b3261e}
form.stack{max-width:24rem}form.stack.wide{max-width:44rem}form.stack input,form.stack textarea{width:100%;margin-bottom:.8rem}form.stack textarea{font-family:ui-monospace,monospace;font-size:.9rem}form.stack small{display:block;color:#555}
form.stack input[type=checkbox]{width:auto;margin:0 .4rem .6rem 0}input[type=checkbox]+label{display:inline;font-weight:400;font-size:inherit}fieldset{margin:0 0 .8rem;border:1px solid #ccd}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:1rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e3e6e8;vertical-align:top}
th{background:#f0f2f4;font-size:.85rem}
td.mono,.mono{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}
.pager{display:flex;gap:1rem;align-items:center}
.empty{background:#fff;border:1px dashed #aab;padding:1rem;border-radius:4px}
.error{background:#fdecea;border:1px solid #f5c2c0;padding:.6rem;border-radius:4px}
.field-error{color:#b3261e;font-size:.85rem;margin:.1rem 0 .6rem}input[aria-invalid=true],textarea[aria-invalid=true]{border:2px solid #b3261e}
pre.line{background:#111;color:#eee;padding:.6rem;white-space:pre-wrap;word-break:break-all}
form.inline{display:inline}
.ok{background:#e8f5e9;border:1px solid #b7dfb9;padding:.6rem;border-radius:4px}
.health-online{color:#1e7e34;font-weight:600}.health-offline{color:#b3261e;font-weight:600}.health-none{color:#666}
dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;background:#fff;padding:.8rem;border:1px solid #e3e6e8}
dl.fields dt{font-weight:600}dl.fields dd{margin:0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.verdict{padding:.6rem 1rem;border-radius:4px;border:1px solid}
.verdict-verified{background:#e8f5e9;border-color:#b7dfb9}.verdict-incomplete,.verdict-unverified{background:#fff8e1;border-color:#f0d48a}
.verdict-tampered{background:#fdecea;border-color:#f5c2c0}
.player{background:#fff;border:1px solid #e3e6e8;padding:.8rem}
.controls{display:flex;flex-wrap:wrap;gap:.8rem;align-items:center;margin-bottom:.6rem}.controls input[type=range]{flex:1;min-width:12rem}
#screen{background:#111;color:#ddd;font:13px/1.25 ui-monospace,monospace;padding:.5rem;overflow:auto;white-space:pre;margin:0}
#screen .row{min-height:1.25em}
.bold{font-weight:700}
.f0,.b16{color:#000}.f1{color:#cd3131}.f2{color:#0dbc79}.f3{color:#e5e510}.f4{color:#2472c8}.f5{color:#bc3fbc}.f6{color:#11a8cd}.f7,.f17{color:#e5e5e5}
.f8{color:#666}.f9{color:#f14c4c}.f10{color:#23d18b}.f11{color:#f5f543}.f12{color:#3b8eea}.f13{color:#d670d6}.f14{color:#29b8db}.f15{color:#fff}.f16{color:#111}
.b0,.b16{background:#000}.b1{background:#cd3131}.b2{background:#0dbc79}.b3{background:#e5e510}.b4{background:#2472c8}.b5{background:#bc3fbc}.b6{background:#11a8cd}.b7,.b17{background:#e5e5e5}
.b8{background:#666}.b9{background:#f14c4c}.b10{background:#23d18b}.b11{background:#f5f543}.b12{background:#3b8eea}.b13{background:#d670d6}.b14{background:#29b8db}.b15{background:#fff}
`;

/** Who is signed in, for the page's header. */
export interface Viewer {
  email: string;
  csrfToken: string;
  pages: readonly ConsolePage[];
}

interface PageOptions {
  title: string;
  /** The navigation entry to mark current. */
  current?: string;
  viewer?: Viewer;
  /** The scripts (console.js and the player): a session log's page only; the others have none. */
  player?: boolean;
  /** The copy buttons' script (copy.js): a page with a line to copy. */
  copy?: boolean;
  /** A page the browser leaves at once for this path (a meta refresh: no script). */
  refreshTo?: string;
}

export function page(options: PageOptions, body: string): string {
  const viewer = options.viewer;
  const nav =
    viewer === undefined
      ? ''
      : `<nav aria-label="Console"><ul>${viewer.pages
          .map(
            (entry) =>
              `<li><a href="${entry.path}"${entry.path === options.current ? ' aria-current="page"' : ''}>${escapeHtml(entry.title)}</a></li>`,
          )
          .join('')}</ul></nav>
<div class="who"><span>Signed in as <strong>${escapeHtml(viewer.email)}</strong></span>
<form method="post" action="/console/sign-out">${csrfField(viewer.csrfToken)}<button type="submit">Sign out</button></form></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
${options.refreshTo === undefined ? '' : `<meta http-equiv="refresh" content="0;url=${escapeHtml(options.refreshTo)}">\n`}<title>${escapeHtml(options.title)} · Latchkey console</title>
<link rel="stylesheet" href="/console/assets/console.css">
${options.player === true ? '<script src="/console/assets/player.js" defer></script>\n<script src="/console/assets/console.js" defer></script>\n' : ''}${options.copy === true ? '<script src="/console/assets/copy.js" defer></script>\n' : ''}</head>
<body><a class="skip" href="#main">Skip to content</a>
<header><a class="brand" href="/console">Latchkey console</a>${nav}</header>
<main id="main" tabindex="-1"><h1>${escapeHtml(options.title)}</h1>
${body}
</main></body></html>
`;
}

export function csrfField(token: string): string {
  return `<input type="hidden" name="csrf" value="${escapeHtml(token)}">`;
}

export function notice(message: { error?: string; ok?: string }): string {
  if (message.error !== undefined) return `<p class="error" role="alert">${escapeHtml(message.error)}</p>`;
  if (message.ok !== undefined) return `<p class="ok" role="status">${escapeHtml(message.ok)}</p>`;
  return '';
}

export function renderSignInPage(model: {
  csrfToken: string;
  email?: string;
  error?: string;
  /** The upstream OIDC providers the server signs people in with. */
  providers?: readonly { id: string; name: string }[];
}): string {
  const providers = model.providers ?? [];
  const upstream =
    providers.length === 0
      ? ''
      : `<ul class="providers">${providers
          .map(
            (provider) =>
              `<li><a class="button" href="/console/oidc/${encodeURIComponent(provider.id)}">Sign in with ${escapeHtml(provider.name)}</a></li>`,
          )
          .join('')}</ul>
<p>Or with a built-in account:</p>`;
  return page(
    { title: 'Sign in' },
    `${notice(model)}
<p>Sign in with your Latchkey account (the one you use with <code>latchkey login</code>).</p>
${upstream}
<form class="stack" method="post" action="/console/sign-in">${csrfField(model.csrfToken)}
<label for="email">Email</label><input id="email" name="email" type="email" value="${escapeHtml(model.email ?? '')}" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button class="primary" type="submit">Sign in</button>
</form>`,
  );
}

/** After an upstream sign-in: the browser refreshes to the console (see the callback route for why). */
export function renderSignedInPage(email: string): string {
  return page(
    { title: 'Signed in', refreshTo: '/console' },
    `<p role="status">Signed in as <strong>${escapeHtml(email)}</strong>. <a href="/console">Continue to the console</a>.</p>`,
  );
}

export function renderNoRolePage(viewer: Viewer): string {
  return page(
    { title: 'No console role', viewer },
    `<div class="empty"><p>Your account has no role in the console yet. An admin can give you one by adding a group to your account:
<code>${CONSOLE_AUDITOR_GROUP}</code> (session logs and the audit log, read-only) or <code>${CONSOLE_ADMIN_GROUP}</code> (everything),
given when the account is made (<code>latchkey-server user add ${escapeHtml(viewer.email)} --group ${CONSOLE_AUDITOR_GROUP}</code>). Then sign out and in again.</p></div>`,
  );
}

export function renderProblemPage(title: string, message: string, viewer?: Viewer): string {
  return page(
    { title, ...(viewer === undefined ? {} : { viewer }) },
    `<p class="error" role="alert">${escapeHtml(message)}</p><p><a href="/console">Back to the console</a></p>`,
  );
}

/** Paging links that keep the filters: `query` without `page`. */
export function pager(
  path: string,
  query: Record<string, string>,
  pageNumber: number,
  totalPages: number,
  total: number,
): string {
  if (total === 0) return '';
  const link = (target: number, label: string, rel: string) => {
    const params = new URLSearchParams({ ...query, page: String(target) });
    return `<a href="${path}?${escapeHtml(params.toString())}" rel="${rel}">${label}</a>`;
  };
  return `<nav class="pager" aria-label="Pages">${pageNumber > 1 ? link(pageNumber - 1, '← Previous', 'prev') : ''}
<span>Page ${pageNumber} of ${Math.max(1, totalPages)} (${total} in all)</span>
${pageNumber < totalPages ? link(pageNumber + 1, 'Next →', 'next') : ''}</nav>`;
}

function textInput(name: string, label: string, value: string | undefined, extra = ''): string {
  return `<div><label for="f-${name}">${escapeHtml(label)}</label><input id="f-${name}" name="${name}" value="${escapeHtml(value ?? '')}"${extra}></div>`;
}

export function tableOf(caption: string, headings: string[], rows: string[]): string {
  return `<table><caption class="visually-hidden">${escapeHtml(caption)}</caption><thead><tr>${headings
    .map((heading) => `<th scope="col">${escapeHtml(heading)}</th>`)
    .join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export interface Paging {
  page: number;
  totalPages: number;
  total: number;
}

export interface TargetRow {
  target: Target;
  /** The agent's state, when the target has one. */
  agent?: { hostname: string; online: boolean; lastSeen?: string; frontPort?: number; sshd?: string };
}

export function renderTargetsPage(
  viewer: Viewer,
  model: {
    rows: TargetRow[];
    filter: { hostname?: string };
    paging: Paging;
    /** Zero Trust: Edit: each target has an Edit link. */
    canEdit?: boolean;
    ok?: string;
  },
): string {
  const filtered = (model.filter.hostname ?? '') !== '';
  const form = `<form class="filters" method="get" action="/console/targets" role="search">
${textInput('hostname', 'Hostname contains', model.filter.hostname)}
<button type="submit">Filter</button>${filtered ? ' <a href="/console/targets">Clear</a>' : ''}</form>`;
  if (model.rows.length === 0) {
    const empty = filtered
      ? `<div class="empty"><p>No target's hostname contains “${escapeHtml(model.filter.hostname!)}”. <a href="/console/targets">Clear the filter</a>.</p></div>`
      : `<div class="empty"><p>No targets yet. Enrol a host: make a join token (<code>latchkey admin join-token create</code>), then run the install line on the host; its agent registers it as a target. Or create one with <code>POST …/infrastructure/targets</code> (docs/admin-guide.md).</p></div>`;
    return page({ title: 'Targets', current: '/console/targets', viewer }, `${notice(model)}${form}${empty}`);
  }
  const rows = model.rows.map(({ target, agent }) => {
    const addresses = [target.ip.ipv4, target.ip.ipv6]
      .flatMap((ip) =>
        ip === undefined
          ? []
          : [
              `${ip.ip_addr} <span class="visually-hidden">in network</span><small>(${escapeHtml(ip.virtual_network_id ?? '')})</small>`,
            ],
      )
      .join('<br>');
    const reached =
      agent?.frontPort !== undefined
        ? `the agent's SSH front, port ${agent.frontPort} (recorded, host key from the server)`
        : 'sshd directly, port 22';
    const health =
      agent === undefined
        ? '<span class="health-none">no agent</span>'
        : agent.online
          ? `<span class="health-online">online</span> <small>last heard ${escapeHtml(agent.lastSeen ?? '')}${agent.sshd === undefined ? '' : `, sshd ${escapeHtml(agent.sshd)}`}</small>`
          : `<span class="health-offline">offline</span> <small>${agent.lastSeen === undefined ? 'never heard from' : `last heard ${escapeHtml(agent.lastSeen)}`}</small>`;
    const tags = Object.entries(target.tags ?? {})
      .map(([key, value]) => `${escapeHtml(key)}=${escapeHtml(value)}`)
      .join(', ');
    const edit =
      model.canEdit === true
        ? `<br><a href="/console/targets/${encodeURIComponent(target.id)}">Edit<span class="visually-hidden"> target ${escapeHtml(target.hostname)}</span></a>`
        : '';
    return `<tr><td>${escapeHtml(target.hostname)}<br><small class="mono">${escapeHtml(target.id)}</small>${edit}</td><td class="mono">${addresses}</td><td>${escapeHtml(reached)}</td><td>${health}</td><td>${tags}</td></tr>`;
  });
  const query: Record<string, string> = filtered ? { hostname: model.filter.hostname! } : {};
  return page(
    { title: 'Targets', current: '/console/targets', viewer },
    `${notice(model)}${form}${tableOf('Targets', ['Hostname', 'Addresses (virtual network)', 'Reached through', 'Agent', 'Tags'], rows)}
${pager('/console/targets', query, model.paging.page, model.paging.totalPages, model.paging.total)}`,
  );
}

export interface LogFilter {
  user_email?: string;
  username?: string;
  target_id?: string;
  session_id?: string;
  status?: string;
  since?: string;
  until?: string;
}

export function renderLogsPage(
  viewer: Viewer,
  model: { logs: SshLog[]; filter: LogFilter; paging: Paging; error?: string },
): string {
  const f = model.filter;
  const statusOption = (value: string, label: string) =>
    `<option value="${value}"${(f.status ?? '') === value ? ' selected' : ''}>${label}</option>`;
  const form = `<form class="filters" method="get" action="/console/logs" role="search">
${textInput('user_email', 'Person (email)', f.user_email, ' type="text" autocomplete="off"')}
${textInput('username', 'UNIX user', f.username)}
${textInput('target_id', 'Target id', f.target_id)}
${textInput('session_id', 'Session id', f.session_id)}
<div><label for="f-status">Status</label><select id="f-status" name="status">${statusOption('', 'any')}${statusOption('complete', 'complete')}${statusOption('incomplete', 'incomplete')}</select></div>
${textInput('since', 'Started at or after', f.since, ' placeholder="2026-12-01T00:00:00Z"')}
${textInput('until', 'Started before', f.until, ' placeholder="2026-12-02T00:00:00Z"')}
<button type="submit">Filter</button> <a href="/console/logs">Clear</a></form>`;
  const filtered = Object.values(f).some((value) => value !== undefined && value !== '');
  if (model.logs.length === 0) {
    const empty =
      model.error !== undefined
        ? ''
        : filtered
          ? '<div class="empty"><p>No session log matches these filters. <a href="/console/logs">Clear the filters</a>.</p></div>'
          : '<div class="empty"><p>No session logs yet. Logs appear here when a recorded session ends: session logging needs the auditors\' public key (<code>latchkey logs keygen</code>, then set it as the SSH encryption key: docs/auditor-guide.md) and targets whose agents run the SSH front.</p></div>';
    return page(
      { title: 'Session logs', current: '/console/logs', viewer },
      `${notice(model)}${form}${empty}`,
    );
  }
  const rows = model.logs.map(
    (log) =>
      `<tr><td class="mono">${escapeHtml(log.session_start_datetime)}</td><td>${escapeHtml(log.user_email)}</td><td>${escapeHtml(log.username)}</td>` +
      `<td>${escapeHtml(log.target_hostname ?? '')}<br><small class="mono">${escapeHtml(log.target_id)}</small></td>` +
      `<td class="mono">${escapeHtml(log.client_address ?? '')}</td><td class="mono">${escapeHtml(log.server_address ?? '')}</td>` +
      `<td>${escapeHtml(log.program_type)}${log.command === undefined ? '' : `: <span class="mono">${escapeHtml(log.command)}</span>`}${log.pty ? ' (PTY)' : ''}</td>` +
      `<td>${escapeHtml(log.status)}</td><td>${log.size_bytes}</td>` +
      `<td><a href="/console/logs/${encodeURIComponent(log.id)}">Open<span class="visually-hidden"> the log of session ${escapeHtml(log.session_id)}</span></a> · ` +
      `<a href="/console/logs/${encodeURIComponent(log.id)}/file" download>Download<span class="visually-hidden"> the sealed log of session ${escapeHtml(log.session_id)}</span></a></td></tr>`,
  );
  const query = Object.fromEntries(
    Object.entries(f).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  return page(
    { title: 'Session logs', current: '/console/logs', viewer },
    `${notice(model)}${form}${tableOf(
      'Session logs, newest session first',
      [
        'Session start',
        'Person',
        'UNIX user',
        'Target',
        'Client address',
        'Server address',
        'Program',
        'Status',
        'Bytes',
        '',
      ],
      rows,
    )}
${pager('/console/logs', query, model.paging.page, model.paging.totalPages, model.paging.total)}`,
  );
}

export function renderLogPage(viewer: Viewer, log: SshLog): string {
  const fields: [string, string | number | boolean | undefined][] = [
    ['Session', log.session_id],
    ['Person', log.user_email],
    ['UNIX user', log.username],
    ['Target', `${log.target_hostname ?? ''} (${log.target_id})`],
    ['Client address', log.client_address],
    ['Server address', log.server_address],
    ['Program', `${log.program_type}${log.command === undefined ? '' : `: ${log.command}`}`],
    ['PTY', log.pty ? 'yes' : 'no'],
    ['Started', log.session_start_datetime],
    ['Finished', log.session_finish_datetime],
    ['Status', `${log.status}${log.error === undefined ? '' : ` (${log.error})`}`],
    ['Size', `${log.size_bytes} bytes`],
    ['SHA-256', log.sha256],
    ['Uploaded', log.uploaded_at],
  ];
  const file = `/console/logs/${encodeURIComponent(log.id)}/file`;
  return page(
    { title: `Session log ${log.session_id}`, current: '/console/logs', viewer, player: true },
    `<p><a href="/console/logs">← All session logs</a></p>
<dl class="fields">${fields
      .filter((field) => field[1] !== undefined)
      .map(
        ([name, value]) => `<dt>${escapeHtml(name)}</dt><dd class="mono">${escapeHtml(String(value))}</dd>`,
      )
      .join('')}</dl>
<p><a href="${file}" download>Download the sealed log</a> (for <code>latchkey logs</code> or Cloudflare's ssh-log-cli).</p>
<section id="decrypt" data-file-url="${escapeHtml(file)}" aria-labelledby="decrypt-heading">
<h2 id="decrypt-heading">Decrypt and replay in this browser</h2>
<p>Pick your private key file (the one <code>latchkey logs keygen</code> wrote, without <code>.pub</code>). The page fetches the sealed log and decrypts it here: the key and what it decrypts never leave this browser.</p>
<form id="decrypt-form"><label for="key-file">Private key file</label> <input id="key-file" type="file" required>
<button class="primary" type="submit">Decrypt</button></form>
<p id="decrypt-status" role="status" aria-live="polite"></p>
<div id="decrypted" hidden></div>
<section id="player" class="player" hidden aria-labelledby="player-heading"><h2 id="player-heading">Replay</h2>
<div class="controls"><button id="play" type="button" aria-pressed="false">Play</button>
<label for="speed">Speed</label><select id="speed"><option value="1">1×</option><option value="2">2×</option><option value="4">4×</option><option value="8">8×</option><option value="16">16×</option></select>
<label for="seek">Position</label><input id="seek" type="range" min="0" max="0" step="100" value="0">
<span id="player-time" aria-live="off">0:00 / 0:00</span></div>
<pre id="screen" tabindex="0" aria-label="Terminal"></pre></section>
</section>`,
  );
}

export function renderAuditPage(
  viewer: Viewer,
  model: { events: AuditEvent[]; filter: { action?: string }; paging: Paging },
): string {
  const filtered = (model.filter.action ?? '') !== '';
  const form = `<form class="filters" method="get" action="/console/audit" role="search">
${textInput('action', 'Action', model.filter.action, ' placeholder="ssh_session.end"')}
<button type="submit">Filter</button>${filtered ? ' <a href="/console/audit">Clear</a>' : ''}</form>`;
  if (model.events.length === 0) {
    return page(
      { title: 'Audit log', current: '/console/audit', viewer },
      `${form}<div class="empty"><p>${filtered ? `No event has the action “${escapeHtml(model.filter.action!)}”. <a href="/console/audit">Clear the filter</a>.` : 'No audit events yet. Every change (targets, apps, keys, sign-ins, downloads, ended sessions) is recorded here with who made it.'}</p></div>`,
    );
  }
  const rows = model.events.map((event) => {
    const details = event.after ?? event.before;
    return `<tr><td class="mono">${escapeHtml(event.created_at)}</td><td>${escapeHtml(event.actor)}</td><td class="mono">${escapeHtml(event.action)}</td><td>${escapeHtml(event.resource_type)}<br><small class="mono">${escapeHtml(event.resource_id ?? '')}</small></td><td class="mono">${escapeHtml(details === undefined ? '' : truncate(JSON.stringify(details), 300))}</td></tr>`;
  });
  return page(
    { title: 'Audit log', current: '/console/audit', viewer },
    `${form}${tableOf('Audit events, newest first', ['Time', 'Who', 'Action', 'Resource', 'Details'], rows)}
${pager('/console/audit', filtered ? { action: model.filter.action! } : {}, model.paging.page, model.paging.totalPages, model.paging.total)}`,
  );
}

export function renderSessionsPage(
  viewer: Viewer,
  model: { sessions: SshSession[]; canEnd: boolean; ok?: string; error?: string },
): string {
  if (model.sessions.length === 0) {
    return page(
      { title: 'Live sessions', current: '/console/sessions', viewer },
      `${notice(model)}<div class="empty"><p>No live sessions. A session shows here while someone is connected through an agent's SSH front (agents report them with each heartbeat, about once a minute). To stop someone from connecting again, disable their account or change the policy; ending a session does not.</p></div>`,
    );
  }
  const rows = model.sessions.map((session) => {
    const end = model.canEnd
      ? `<form method="post" action="/console/sessions/${encodeURIComponent(session.session_id)}/end">${csrfField(viewer.csrfToken)}<button class="danger" type="submit">End<span class="visually-hidden"> the session of ${escapeHtml(session.person)} on ${escapeHtml(session.hostname)}</span></button></form>`
      : '';
    return `<tr><td class="mono">${escapeHtml(session.started_at)}</td><td>${escapeHtml(session.person)}</td><td>${escapeHtml(session.unix_user)}</td><td>${escapeHtml(session.hostname)}</td><td>${escapeHtml(session.program)}${session.command === undefined ? '' : `: <span class="mono">${escapeHtml(session.command)}</span>`}</td><td class="mono">${escapeHtml(session.client_address ?? '')}</td><td class="mono">${escapeHtml(session.session_id)}</td><td>${end}</td></tr>`;
  });
  return page(
    { title: 'Live sessions', current: '/console/sessions', viewer },
    `${notice(model)}${tableOf('Live SSH sessions, oldest first', ['Started', 'Person', 'UNIX user', 'Target', 'Program', 'Client address', 'Session', ''], rows)}`,
  );
}

export function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
