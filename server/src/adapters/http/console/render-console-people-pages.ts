/**
 * The HTML of the console's People page: built-in accounts (add, disable, enable, reset the password,
 * sign out everywhere) and the people known from their sign-ins (sign out everywhere). Pure, every value
 * HTML-escaped here, no inline script or style; a refused change shown at its field.
 */
import { escapeHtml } from '../device-pages/render-device-pages.js';
import { formField, formProblem, withProblem } from './render-console-forms.js';
import type { FieldProblem } from './render-console-forms.js';
import { csrfField, notice, page, tableOf } from './render-console-pages.js';
import type { Viewer } from './render-console-pages.js';

export interface AccountRow {
  email: string;
  groups: string[];
  disabled: boolean;
  createdAt: string;
}

export interface SignedInPerson {
  email: string;
  /** How they signed in (`builtin`, or a provider's id), most recent first. */
  loginMethods: string[];
  lastSignIn: string;
  builtIn: boolean;
}

export interface AccountForm {
  email?: string;
  groups?: string;
}

/** A refused password reset: whose row, and the problem (shown at that row's password field). */
export interface ResetProblem {
  email: string;
  message: string;
}

export function renderPeoplePage(
  viewer: Viewer,
  model: {
    accounts: AccountRow[];
    people: SignedInPerson[];
    /** Add, disable, enable, reset: every permission (an account's groups may give any). */
    canManageAccounts: boolean;
    /** Sign out everywhere: Zero Trust: Edit, as the API's. */
    canSignOut: boolean;
    form?: AccountForm;
    problem?: FieldProblem;
    resetProblem?: ResetProblem;
    ok?: string;
    error?: string;
  },
): string {
  const action = (path: string, label: string, hidden: string, danger = false, extra = '') =>
    `<form class="inline" method="post" action="${escapeHtml(path)}">${csrfField(viewer.csrfToken)}${extra}<button${danger ? ' class="danger"' : ''} type="submit">${escapeHtml(label)}<span class="visually-hidden"> ${escapeHtml(hidden)}</span></button></form>`;
  const signOut = (email: string) =>
    model.canSignOut
      ? action(
          '/console/people/sign-out',
          'Sign out everywhere',
          email,
          true,
          `<input type="hidden" name="email" value="${escapeHtml(email)}">`,
        )
      : '';
  const accountRows = model.accounts.map((account, index) => {
    const path = `/console/people/accounts/${encodeURIComponent(account.email)}`;
    const reset = () => {
      const problem = model.resetProblem?.email === account.email ? model.resetProblem.message : undefined;
      const id = `f-password-${index}`;
      return `<form class="inline reset" method="post" action="${escapeHtml(`${path}/reset`)}">${csrfField(viewer.csrfToken)}<label for="${id}" class="visually-hidden">New password for ${escapeHtml(account.email)}</label><input id="${id}" name="password" type="password" autocomplete="new-password" placeholder="new password" required${problem === undefined ? '' : ` aria-invalid="true" aria-describedby="${id}-error"`}> <button type="submit">Reset the password<span class="visually-hidden"> of ${escapeHtml(account.email)}</span></button>${problem === undefined ? '' : `<p class="field-error" id="${id}-error">${escapeHtml(problem)}</p>`}</form>`;
    };
    const actions = [
      ...(model.canManageAccounts
        ? [
            account.disabled
              ? action(`${path}/enable`, 'Enable', account.email)
              : action(`${path}/disable`, 'Disable', account.email, true),
            reset(),
            `<a href="${escapeHtml(`${path}/groups`)}">Edit groups<span class="visually-hidden"> of ${escapeHtml(account.email)}</span></a>`,
          ]
        : []),
      signOut(account.email),
    ].join(' ');
    return `<tr><td>${escapeHtml(account.email)}</td><td>${account.groups.length === 0 ? '<small>none</small>' : account.groups.map(escapeHtml).join('<br>')}</td><td>${account.disabled ? '<span class="health-offline">disabled</span>' : 'active'}</td><td class="mono">${escapeHtml(account.createdAt)}</td><td>${actions}</td></tr>`;
  });
  const accounts =
    model.accounts.length === 0
      ? '<div class="empty"><p>No built-in accounts. Add one below (or with <code>latchkey-server user add</code>); people of an upstream identity provider need none.</p></div>'
      : tableOf('Built-in accounts', ['Email', 'Groups', 'State', 'Made', ''], accountRows);
  const add = !model.canManageAccounts
    ? ''
    : `<h3 id="add-heading">Add an account</h3>
${formProblem(model.problem, ['email', 'password', 'groups'])}
<form class="stack" method="post" action="/console/people/accounts" aria-labelledby="add-heading">${csrfField(viewer.csrfToken)}
${formField({ name: 'email', label: 'Email', value: model.form?.email ?? '', type: 'email', ...withProblem(model.problem), extra: ' required autocomplete="off"' })}
${formField({ name: 'password', label: 'Password', type: 'password', ...withProblem(model.problem), extra: ' required autocomplete="new-password"', hint: 'At least 8 characters. Give it to the person; they sign in with it (latchkey login, or here).' })}
${formField({ name: 'groups', label: 'Groups', value: model.form?.groups ?? '', ...withProblem(model.problem), extra: ' spellcheck="false" autocomplete="off"', hint: 'Separated by spaces or commas: latchkey-admins, latchkey-auditors, latchkey-permission:<permission>, or groups access policies name.' })}
<button class="primary" type="submit">Add the account</button></form>`;
  const peopleRows = model.people.map(
    (person) =>
      `<tr><td>${escapeHtml(person.email)}</td><td>${person.loginMethods.map(escapeHtml).join(', ')}</td><td>${person.builtIn ? 'yes' : 'no'}</td><td class="mono">${escapeHtml(person.lastSignIn)}</td><td>${signOut(person.email)}</td></tr>`,
  );
  const people =
    model.people.length === 0
      ? '<div class="empty"><p>Nobody has signed in yet (recently). People appear here after their first sign-in, with the CLI, the VS Code extension or this console.</p></div>'
      : tableOf(
          'People who signed in, most recent first',
          ['Email', 'Signed in with', 'Built-in account', 'Last sign-in', ''],
          peopleRows,
        );
  return page(
    { title: 'People', current: '/console/people', viewer },
    `${notice(model)}
<section aria-labelledby="accounts-heading"><h2 id="accounts-heading">Built-in accounts</h2>
<p>Disabling an account or resetting its password ends its sign-ins and its SSH sessions at once. Groups are read at sign-in.</p>
${accounts}
${add}</section>
<section aria-labelledby="people-heading"><h2 id="people-heading">People who signed in</h2>
<p>Everyone seen in the last sign-ins, built-in or from an identity provider. <strong>Sign out everywhere</strong> ends every sign-in of the person (their refresh tokens stop working) and their SSH sessions on every target; they may sign in again unless their account is disabled or the provider refuses them.</p>
${people}</section>`,
  );
}
