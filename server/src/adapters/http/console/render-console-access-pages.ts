/**
 * The HTML of the console's access pages: infrastructure apps, reusable policies and access groups (list,
 * make, edit, delete). Pure functions from what to show to a complete page, in the style of
 * render-console-admin-pages.ts: every value HTML-escaped here, no inline script or style, a refused
 * change shown at the field it is about (`aria-invalid`, `aria-describedby`) or above the form.
 */
import { escapeHtml } from '../device-pages/render-device-pages.js';
import { CRITERIA_TEXT_HINT } from './console-criteria-text.js';
import { RULE_TEXT_HINT } from './console-rule-text.js';
import { editFormPage, formField, formProblem, formTextarea, withProblem } from './render-console-forms.js';
import type { EditFrame, FieldProblem } from './render-console-forms.js';
import { csrfField, notice, page, tableOf } from './render-console-pages.js';
import type { Viewer } from './render-console-pages.js';

function checkbox(name: string, label: string, checked: boolean, value = 'true', id = `f-${name}`): string {
  return `<div><input id="${escapeHtml(id)}" name="${name}" type="checkbox" value="${escapeHtml(value)}"${checked ? ' checked' : ''}><label for="${escapeHtml(id)}">${escapeHtml(label)}</label></div>`;
}

function deleteForm(viewer: Viewer, path: string, label: string): string {
  return `<form class="inline" method="post" action="${escapeHtml(path)}">${csrfField(viewer.csrfToken)}<button class="danger" type="submit">Delete<span class="visually-hidden"> ${escapeHtml(label)}</span></button></form>`;
}

function lines(text: string): string {
  return text === '' ? '<small>none</small>' : escapeHtml(text).split('\n').join('<br>');
}

// --- policies -------------------------------------------------------------------------------------------

export interface PolicyForm {
  name?: string;
  include?: string;
  require?: string;
  exclude?: string;
  usernames?: string;
  allow_email_alias?: string;
  allow_agent_forwarding?: string;
  allow_port_forwarding?: string;
}

export const POLICY_FIELDS = ['name', 'include', 'require', 'exclude', 'usernames'] as const;

export interface PolicyRow {
  id: string;
  name: string;
  include: string;
  require: string;
  exclude: string;
  usernames: string[];
  emailAlias: boolean;
  agentForwarding: boolean;
  portForwarding: boolean;
  /** The apps that link it. */
  apps: string[];
  updatedAt: string;
}

function policyFormFields(form: PolicyForm, problem: FieldProblem | undefined): string {
  const p = withProblem(problem);
  return `${formField({ name: 'name', label: 'Name', value: form.name ?? '', ...p, extra: ' required' })}
${formTextarea({ name: 'include', label: 'Include (any of these)', value: form.include ?? '', ...p, hint: RULE_TEXT_HINT, required: true })}
${formTextarea({ name: 'require', label: 'Require (all of these)', value: form.require ?? '', ...p })}
${formTextarea({ name: 'exclude', label: 'Exclude (none of these)', value: form.exclude ?? '', ...p })}
${formField({ name: 'usernames', label: 'UNIX usernames', value: form.usernames ?? '', ...p, hint: 'The users people may log in as, separated by spaces or commas (they become the certificate’s principals).', extra: ' spellcheck="false" autocomplete="off"' })}
${checkbox('allow_email_alias', 'also the local part of the person’s email (ada@example.com logs in as ada)', form.allow_email_alias === 'true')}
${checkbox('allow_agent_forwarding', 'permit SSH agent forwarding', form.allow_agent_forwarding === 'true')}
${checkbox('allow_port_forwarding', 'permit SSH port forwarding', form.allow_port_forwarding === 'true')}`;
}

export function renderPoliciesPage(
  viewer: Viewer,
  model: {
    policies: PolicyRow[];
    canEdit: boolean;
    form?: PolicyForm;
    problem?: FieldProblem;
    problemIn?: 'form' | 'list';
    ok?: string;
  },
): string {
  const rows = model.policies.map(
    (policy) =>
      `<tr><td>${escapeHtml(policy.name)}<br><small class="mono">${escapeHtml(policy.id)}</small></td><td class="mono">${lines(policy.include)}</td><td class="mono">${lines(policy.require)}</td><td class="mono">${lines(policy.exclude)}</td>` +
      `<td>${escapeHtml([...policy.usernames, ...(policy.emailAlias ? ['(email alias)'] : [])].join(', '))}${policy.agentForwarding || policy.portForwarding ? `<br><small>${escapeHtml([policy.agentForwarding ? 'agent forwarding' : '', policy.portForwarding ? 'port forwarding' : ''].filter((x) => x !== '').join(', '))}</small>` : ''}</td>` +
      `<td>${policy.apps.length === 0 ? '<small>no app</small>' : policy.apps.map(escapeHtml).join('<br>')}</td>` +
      `<td>${model.canEdit ? `<a href="/console/policies/${encodeURIComponent(policy.id)}">Edit<span class="visually-hidden"> policy ${escapeHtml(policy.name)}</span></a> ${deleteForm(viewer, `/console/policies/${encodeURIComponent(policy.id)}/delete`, `policy ${policy.name}`)}` : ''}</td></tr>`,
  );
  const list =
    model.policies.length === 0
      ? '<div class="empty"><p>No reusable policies yet. A policy says who may connect (its include, require and exclude rules) and as which UNIX users. Make one below, then link it to an app on the <a href="/console/apps">Apps</a> page.</p></div>'
      : tableOf(
          'Reusable policies',
          ['Name', 'Include', 'Require', 'Exclude', 'UNIX users', 'Linked by', ''],
          rows,
        );
  const problem = model.problemIn === 'list' ? undefined : model.problem;
  const form = !model.canEdit
    ? ''
    : `<h2 id="create-heading">Make a policy</h2>
${formProblem(problem, POLICY_FIELDS)}
<form class="stack wide" method="post" action="/console/policies" aria-labelledby="create-heading">${csrfField(viewer.csrfToken)}
${policyFormFields(model.form ?? {}, problem)}
<button class="primary" type="submit">Make the policy</button></form>`;
  return page(
    { title: 'Policies', current: '/console/policies', viewer },
    `${notice(model)}${model.problemIn === 'list' && model.problem !== undefined ? notice({ error: model.problem.message }) : ''}${list}\n${form}`,
  );
}

export function renderPolicyEditPage(
  viewer: Viewer,
  model: { id: string; name: string; form: PolicyForm; apps: string[]; problem?: FieldProblem },
): string {
  return policyFormPage(viewer, {
    title: `Policy ${model.name}`,
    current: '/console/policies',
    back: '/console/policies',
    intro:
      model.apps.length === 0
        ? 'No app links this policy.'
        : `Linked by ${model.apps.join(', ')}: a change applies to their targets from the next certificate.`,
    action: `/console/policies/${encodeURIComponent(model.id)}`,
    form: model.form,
    ...withProblem(model.problem),
  });
}

/** An app's own (inline) policy: edit one, or give the app a new one (`policyId` undefined). */
export function renderAppPolicyPage(
  viewer: Viewer,
  model: { appId: string; appName: string; policyId?: string; form: PolicyForm; problem?: FieldProblem },
): string {
  const appPath = `/console/apps/${encodeURIComponent(model.appId)}`;
  return policyFormPage(viewer, {
    title:
      model.policyId === undefined
        ? `A policy of its own for app ${model.appName}`
        : `Policy ${model.form.name ?? ''} of app ${model.appName}`,
    current: '/console/apps',
    back: appPath,
    intro:
      model.policyId === undefined
        ? 'A policy that belongs to this app only, evaluated after its others (it is deleted with the app). A policy several apps share is made on the Policies page.'
        : 'This policy belongs to this app only: a change applies to its targets from the next certificate.',
    action: `${appPath}/policies/${model.policyId === undefined ? 'new' : encodeURIComponent(model.policyId)}`,
    form: model.form,
    ...withProblem(model.problem),
  });
}

function policyFormPage(
  viewer: Viewer,
  model: Omit<EditFrame, 'submit'> & { form: PolicyForm; problem?: FieldProblem },
): string {
  return editFormPage(
    viewer,
    { ...model, submit: 'Save the policy' },
    {
      fields: policyFormFields(model.form, model.problem),
      fieldNames: POLICY_FIELDS,
      ...withProblem(model.problem),
    },
  );
}

// --- apps -----------------------------------------------------------------------------------------------

export interface AppForm {
  name?: string;
  /** The target criteria, one a line (console-criteria-text.ts). */
  criteria?: string;
  /** The ids of the policies ticked. */
  policies?: readonly string[];
}

export const APP_FIELDS = ['name', 'criteria', 'policies'] as const;

export interface AppRow {
  id: string;
  name: string;
  aud: string;
  /** The target criteria in words, one a line. */
  criteria: string[];
  policies: { id: string; name: string; precedence: number; reusable: boolean }[];
  updatedAt: string;
}

/** A policy the app form may tick: the reusable ones, and the app's own inline ones. */
export interface PolicyChoice {
  id: string;
  name: string;
  reusable: boolean;
}

function appFormFields(
  form: AppForm,
  choices: readonly PolicyChoice[],
  problem: FieldProblem | undefined,
  criteriaKept: string[] | undefined,
): string {
  const p = withProblem(problem);
  const chosen = new Set(form.policies ?? []);
  const policyProblem = problem?.field === 'policies' ? problem.message : undefined;
  const criteria =
    criteriaKept !== undefined
      ? `<p>Its targets: ${criteriaKept.map(escapeHtml).join('; ')}. These criteria use a protocol other than SSH, or a hostname or tag with a space, comma, "=", ":" or "#", which this form cannot write: they are kept as they are (change them through the API).</p>`
      : formTextarea({
          name: 'criteria',
          label: 'Target hostnames and tags, by port',
          value: form.criteria ?? '',
          ...p,
          hint: CRITERIA_TEXT_HINT,
          required: true,
        });
  return `${formField({ name: 'name', label: 'Name', value: form.name ?? '', ...p, extra: ' required' })}
${criteria}
<fieldset${policyProblem === undefined ? '' : ' aria-describedby="f-policies-error"'}><legend>Policies (evaluated in this order)</legend>
${
  choices.length === 0
    ? '<p>No reusable policies yet: make one on the <a href="/console/policies">Policies</a> page first. Without a policy, nobody may connect.</p>'
    : choices
        .map((choice, index) =>
          checkbox(
            'policy',
            `${choice.name}${choice.reusable ? '' : ' (this app’s own policy)'}`,
            chosen.has(choice.id),
            choice.id,
            `f-policy-${index}`,
          ),
        )
        .join('\n')
}
${policyProblem === undefined ? '' : `<p class="field-error" id="f-policies-error">${escapeHtml(policyProblem)}</p>`}</fieldset>`;
}

export function renderAppsPage(
  viewer: Viewer,
  model: {
    apps: AppRow[];
    choices: PolicyChoice[];
    canEdit: boolean;
    form?: AppForm;
    problem?: FieldProblem;
    problemIn?: 'form' | 'list';
    ok?: string;
  },
): string {
  const rows = model.apps.map(
    (app) =>
      `<tr><td>${escapeHtml(app.name)}<br><small class="mono">${escapeHtml(app.id)}</small></td><td>${app.criteria.map(escapeHtml).join('<br>')}</td>` +
      `<td>${app.policies.length === 0 ? '<small>none: nobody may connect</small>' : app.policies.map((policy) => `${policy.precedence}. ${escapeHtml(policy.name)}${policy.reusable ? '' : ' <small>(its own)</small>'}`).join('<br>')}</td>` +
      `<td class="mono">${escapeHtml(app.updatedAt)}</td>` +
      `<td>${model.canEdit ? `<a href="/console/apps/${encodeURIComponent(app.id)}">Edit<span class="visually-hidden"> app ${escapeHtml(app.name)}</span></a> ${deleteForm(viewer, `/console/apps/${encodeURIComponent(app.id)}/delete`, `app ${app.name}`)}` : ''}</td></tr>`,
  );
  const list =
    model.apps.length === 0
      ? '<div class="empty"><p>No apps yet. An app names targets (by hostname) and the policies that decide who may connect to them, as which UNIX users. Make a policy on the <a href="/console/policies">Policies</a> page, then an app below that links it.</p></div>'
      : tableOf('Infrastructure apps', ['Name', 'Targets', 'Policies', 'Changed', ''], rows);
  const problem = model.problemIn === 'list' ? undefined : model.problem;
  const form = !model.canEdit
    ? ''
    : `<h2 id="create-heading">Make an app</h2>
${formProblem(problem, APP_FIELDS)}
<form class="stack wide" method="post" action="/console/apps" aria-labelledby="create-heading">${csrfField(viewer.csrfToken)}
${appFormFields(
  model.form ?? {},
  model.choices.filter((choice) => choice.reusable),
  problem,
  undefined,
)}
<button class="primary" type="submit">Make the app</button></form>`;
  return page(
    { title: 'Apps', current: '/console/apps', viewer },
    `${notice(model)}${model.problemIn === 'list' && model.problem !== undefined ? notice({ error: model.problem.message }) : ''}${list}\n${form}`,
  );
}

export function renderAppEditPage(
  viewer: Viewer,
  model: {
    id: string;
    name: string;
    aud: string;
    form: AppForm;
    choices: PolicyChoice[];
    criteriaKept?: string[];
    problem?: FieldProblem;
  },
): string {
  return page(
    { title: `App ${model.name}`, current: '/console/apps', viewer },
    `<p><a href="/console/apps">← All apps</a></p>
<p>Audience tag <span class="mono">${escapeHtml(model.aud)}</span>. A change applies from the next certificate; certificates already issued stay valid until they expire (minutes).</p>
${formProblem(model.problem, APP_FIELDS)}
<form class="stack wide" method="post" action="/console/apps/${encodeURIComponent(model.id)}" aria-label="Edit the app">${csrfField(viewer.csrfToken)}
${appFormFields(model.form, model.choices, model.problem, model.criteriaKept)}
<button class="primary" type="submit">Save the app</button> <a href="/console/apps">Cancel</a></form>
<section aria-labelledby="own-heading"><h2 id="own-heading">Its own policies</h2>
${
  model.choices.some((choice) => !choice.reusable)
    ? `<ul>${model.choices
        .filter((choice) => !choice.reusable)
        .map(
          (choice) =>
            `<li>${escapeHtml(choice.name)}: <a href="/console/apps/${encodeURIComponent(model.id)}/policies/${encodeURIComponent(choice.id)}">Edit<span class="visually-hidden"> policy ${escapeHtml(choice.name)}</span></a></li>`,
        )
        .join('')}</ul>`
    : '<p>None: it uses reusable policies only.</p>'
}
<p><a href="/console/apps/${encodeURIComponent(model.id)}/policies/new">Give it a policy of its own</a></p></section>`,
  );
}

// --- access groups --------------------------------------------------------------------------------------

export interface GroupForm {
  name?: string;
  include?: string;
  require?: string;
  exclude?: string;
  is_default?: string;
}

export const GROUP_FIELDS = ['name', 'include', 'require', 'exclude'] as const;

export interface GroupRow {
  id: string;
  name: string;
  isDefault: boolean;
  include: string;
  require: string;
  exclude: string;
  updatedAt: string;
}

function groupFormFields(form: GroupForm, problem: FieldProblem | undefined): string {
  const p = withProblem(problem);
  return `${formField({ name: 'name', label: 'Name', value: form.name ?? '', ...p, extra: ' required', hint: 'A person whose identity provider puts them in a group of this name is in it too.' })}
${formTextarea({ name: 'include', label: 'Include (any of these)', value: form.include ?? '', ...p, hint: RULE_TEXT_HINT, required: true })}
${formTextarea({ name: 'require', label: 'Require (all of these)', value: form.require ?? '', ...p })}
${formTextarea({ name: 'exclude', label: 'Exclude (none of these)', value: form.exclude ?? '', ...p })}
${checkbox('is_default', 'Cloudflare’s default-group flag (kept and shown; it grants nothing by itself)', form.is_default === 'true')}`;
}

export function renderGroupsPage(
  viewer: Viewer,
  model: {
    groups: GroupRow[];
    canEdit: boolean;
    form?: GroupForm;
    problem?: FieldProblem;
    problemIn?: 'form' | 'list';
    ok?: string;
  },
): string {
  const rows = model.groups.map(
    (group) =>
      `<tr><td>${escapeHtml(group.name)}${group.isDefault ? ' <small>(default)</small>' : ''}<br><small class="mono">${escapeHtml(group.id)}</small></td><td class="mono">${lines(group.include)}</td><td class="mono">${lines(group.require)}</td><td class="mono">${lines(group.exclude)}</td><td class="mono">${escapeHtml(group.updatedAt)}</td>` +
      `<td>${model.canEdit ? `<a href="/console/groups/${encodeURIComponent(group.id)}">Edit<span class="visually-hidden"> group ${escapeHtml(group.name)}</span></a> ${deleteForm(viewer, `/console/groups/${encodeURIComponent(group.id)}/delete`, `group ${group.name}`)}` : ''}</td></tr>`,
  );
  const list =
    model.groups.length === 0
      ? '<div class="empty"><p>No access groups yet. A group is a named set of rules (say, everyone at example.com who signed in with MFA) that policies name with <code>group: &lt;name&gt;</code>. Make one below.</p></div>'
      : tableOf('Access groups', ['Name', 'Include', 'Require', 'Exclude', 'Changed', ''], rows);
  const problem = model.problemIn === 'list' ? undefined : model.problem;
  const form = !model.canEdit
    ? ''
    : `<h2 id="create-heading">Make an access group</h2>
${formProblem(problem, GROUP_FIELDS)}
<form class="stack wide" method="post" action="/console/groups" aria-labelledby="create-heading">${csrfField(viewer.csrfToken)}
${groupFormFields(model.form ?? {}, problem)}
<button class="primary" type="submit">Make the group</button></form>`;
  return page(
    { title: 'Access groups', current: '/console/groups', viewer },
    `${notice(model)}${model.problemIn === 'list' && model.problem !== undefined ? notice({ error: model.problem.message }) : ''}${list}\n${form}`,
  );
}

export function renderGroupEditPage(
  viewer: Viewer,
  model: { id: string; name: string; form: GroupForm; problem?: FieldProblem },
): string {
  return page(
    { title: `Access group ${model.name}`, current: '/console/groups', viewer },
    `<p><a href="/console/groups">← All access groups</a></p>
${formProblem(model.problem, GROUP_FIELDS)}
<form class="stack wide" method="post" action="/console/groups/${encodeURIComponent(model.id)}" aria-label="Edit the access group">${csrfField(viewer.csrfToken)}
${groupFormFields(model.form, model.problem)}
<button class="primary" type="submit">Save the group</button> <a href="/console/groups">Cancel</a></form>`,
  );
}
