/**
 * The console's People page: built-in accounts (add, disable, enable, reset the password) through the
 * use cases `latchkey-server user` runs (app/sign-in/built-in-users.ts), and "sign out everywhere" for
 * anyone through the API's (signOutEverywhere), each the same audit event naming the person.
 *
 * Who may do what: sign out everywhere needs Zero Trust: Edit, as the API's route. Managing built-in
 * accounts has no API permission (it is the server's CLI): in the console it needs every permission
 * (latchkey-admins), since an account's groups may give any permission. The page needs Zero Trust: Read.
 *
 * The people known from sign-in are those of the newest `sign_in` audit events (the audit log is where
 * the server keeps who signed in, and how).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { LatchkeyError, httpStatusFor } from '@latchkey/shared';
import { listAuditEvents } from '../../../app/audit-log.js';
import type { ConsoleCaller } from '../../../app/console/console-sessions.js';
import type { Services } from '../../../app/services.js';
import {
  addUser,
  listUsers,
  resetUserPassword,
  setUserDisabled,
  setUserGroups,
} from '../../../app/sign-in/built-in-users.js';
import { signOutEverywhere } from '../../../app/sign-in/sign-in-sessions.js';
import { ALL_PERMISSIONS, PERMISSIONS, grants } from '../../../domain/permissions.js';
import type { ConsoleKit } from './console-admin-routes.js';
import { listOf } from './console-rule-text.js';
import type { FieldProblem } from './render-console-forms.js';
import { renderEditPage } from './render-console-edit-pages.js';
import { renderPeoplePage } from './render-console-people-pages.js';
import type { AccountForm, ResetProblem, SignedInPerson } from './render-console-people-pages.js';

/** How many of the newest sign-ins the page reads to know who signed in. */
const SIGN_INS_READ = 500;

export function consolePeopleRoutes(app: FastifyInstance, services: Services, kit: ConsoleKit): void {
  const hidden = { schema: { hide: true } };
  const { allowed, allowedChange, viewerFor, html, field } = kit;
  const managesAccounts = (caller: ConsoleCaller) =>
    ALL_PERMISSIONS.every((permission) => grants(caller.permissions, permission));

  const peoplePage = async (
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    extra: {
      form?: AccountForm;
      problem?: FieldProblem;
      resetProblem?: ResetProblem;
      ok?: string;
      error?: string;
    },
  ) => {
    const accounts = (await listUsers(services, caller.accountId)).sort((a, b) =>
      a.email.localeCompare(b.email),
    );
    const builtIn = new Set(accounts.map((account) => account.email));
    const signIns = await listAuditEvents(services, caller, {
      action: 'sign_in',
      page: 1,
      per_page: SIGN_INS_READ,
    });
    const people = new Map<string, SignedInPerson>();
    for (const event of signIns.items) {
      if (!event.actor.startsWith('user:')) continue;
      const email = event.actor.slice('user:'.length);
      const method = (event.after as { login_method?: unknown } | undefined)?.login_method;
      const person = people.get(email) ?? {
        email,
        loginMethods: [],
        lastSignIn: event.createdAt.toISOString(),
        builtIn: builtIn.has(email),
      };
      if (typeof method === 'string' && !person.loginMethods.includes(method))
        person.loginMethods.push(method);
      people.set(email, person);
    }
    return html(
      reply,
      status,
      renderPeoplePage(viewerFor(caller), {
        accounts: accounts.map((account) => ({
          email: account.email,
          groups: account.groups,
          disabled: account.disabledAt !== undefined,
          createdAt: account.createdAt.toISOString(),
        })),
        people: [...people.values()],
        canManageAccounts: managesAccounts(caller),
        canSignOut: grants(caller.permissions, PERMISSIONS.zeroTrustEdit),
        ...extra,
      }),
    );
  };

  app.get('/people', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.zeroTrustRead);
    if (caller === undefined) return reply;
    const done = PEOPLE_DONE[field(request.query, 'done')];
    const who = field(request.query, 'email');
    return peoplePage(reply, caller, 200, done === undefined ? {} : { ok: done.replace('{email}', who) });
  });

  /** For a change to built-in accounts: the caller, or undefined once the reply says why not. */
  const accountChange = async (request: Parameters<typeof allowedChange>[0], reply: FastifyReply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return undefined;
    if (!managesAccounts(caller)) {
      await peoplePage(reply, caller, 403, { error: MANAGING_NEEDS_EVERY_PERMISSION });
      return undefined;
    }
    return caller;
  };
  const done = (reply: FastifyReply, what: string, email: string) =>
    reply
      .code(303)
      .header('location', `/console/people?${new URLSearchParams({ done: what, email }).toString()}`)
      .send();

  app.post('/people/accounts', hidden, async (request, reply) => {
    const caller = await accountChange(request, reply);
    if (caller === undefined) return reply;
    const form: AccountForm = {
      email: field(request.body, 'email').trim(),
      groups: field(request.body, 'groups'),
    };
    let email: string;
    try {
      email = (
        await addUser(
          services,
          caller.accountId,
          {
            email: form.email ?? '',
            password: field(request.body, 'password'),
            groups: listOf(form.groups ?? ''),
          },
          caller.actor,
        )
      ).email;
    } catch (error) {
      const refusal = refusalOf(error);
      const at = { EMAIL: 'email', password: 'password', '--group': 'groups' }[refusal.pointer];
      return peoplePage(reply, caller, refusal.status, {
        form,
        problem: {
          ...(at !== undefined ? { field: at } : refusal.code === 'conflict' ? { field: 'email' } : {}),
          message: refusal.message,
        },
      });
    }
    return done(reply, 'added', email);
  });

  for (const change of ['disable', 'enable'] as const) {
    app.post(`/people/accounts/:email/${change}`, hidden, async (request, reply) => {
      const caller = await accountChange(request, reply);
      if (caller === undefined) return reply;
      const email = (request.params as { email: string }).email;
      try {
        await setUserDisabled(services, caller.accountId, email, change === 'disable', caller.actor);
      } catch (error) {
        const refusal = refusalOf(error);
        return peoplePage(reply, caller, refusal.status, { error: refusal.message });
      }
      return done(reply, `${change}d`, email.toLowerCase());
    });
  }

  app.post('/people/accounts/:email/reset', hidden, async (request, reply) => {
    const caller = await accountChange(request, reply);
    if (caller === undefined) return reply;
    const email = (request.params as { email: string }).email.toLowerCase();
    try {
      await resetUserPassword(
        services,
        caller.accountId,
        email,
        field(request.body, 'password'),
        caller.actor,
      );
    } catch (error) {
      const refusal = refusalOf(error);
      return peoplePage(reply, caller, refusal.status, { resetProblem: { email, message: refusal.message } });
    }
    return done(reply, 'reset', email);
  });

  // The groups of a built-in account (read at its next sign-in): latchkey-server user's setUserGroups.
  const groupsPage = (
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    email: string,
    groups: string,
    problem?: FieldProblem,
  ) =>
    html(
      reply,
      status,
      renderEditPage(viewerFor(caller), {
        title: `Groups of ${email}`,
        current: '/console/people',
        back: '/console/people',
        intro:
          'The groups give console roles (latchkey-admins, latchkey-auditors, latchkey-permission:<permission>) and match access groups by name. They are read at sign-in: a change shows after the next one.',
        action: `/console/people/accounts/${encodeURIComponent(email)}/groups`,
        fields: [{ name: 'groups', label: 'Groups', value: groups, hint: 'Separated by spaces or commas.' }],
        submit: 'Save',
        ...(problem === undefined ? {} : { problem }),
      }),
    );

  app.get('/people/accounts/:email/groups', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    if (!managesAccounts(caller)) {
      return peoplePage(reply, caller, 403, { error: MANAGING_NEEDS_EVERY_PERMISSION });
    }
    const email = (request.params as { email: string }).email.toLowerCase();
    const account = (await listUsers(services, caller.accountId)).find((user) => user.email === email);
    if (account === undefined) throw new LatchkeyError('not_found', `no built-in user ${email}`);
    return groupsPage(reply, caller, 200, email, account.groups.join(' '));
  });

  app.post('/people/accounts/:email/groups', hidden, async (request, reply) => {
    const caller = await accountChange(request, reply);
    if (caller === undefined) return reply;
    const email = (request.params as { email: string }).email.toLowerCase();
    const groups = field(request.body, 'groups');
    try {
      await setUserGroups(services, caller.accountId, email, listOf(groups), caller.actor);
    } catch (error) {
      const refusal = refusalOf(error);
      return groupsPage(reply, caller, refusal.status, email, groups, {
        ...(refusal.pointer === '--group' ? { field: 'groups' } : {}),
        message: refusal.message,
      });
    }
    return done(reply, 'groups', email);
  });

  app.post('/people/sign-out', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    let email: string;
    try {
      email = (
        await signOutEverywhere(services, caller.accountId, field(request.body, 'email'), caller.actor)
      ).email;
    } catch (error) {
      const refusal = refusalOf(error);
      return peoplePage(reply, caller, refusal.status, { error: refusal.message });
    }
    return done(reply, 'signed-out', email);
  });
}

const MANAGING_NEEDS_EVERY_PERMISSION =
  'Managing built-in accounts needs every permission (the latchkey-admins group): an account’s groups may give any.';

const PEOPLE_DONE: Record<string, string> = {
  groups: 'The groups of {email} are saved (audit event user.update): they apply from its next sign-in.',
  added: 'The account {email} is added (audit event user.create). It signs in with the password you gave.',
  disabled:
    'The account {email} is disabled: its sign-ins and SSH sessions are ended (audit event user.disable).',
  enabled: 'The account {email} is enabled: it may sign in again (audit event user.enable).',
  reset:
    'The password of {email} is reset: its sign-ins and SSH sessions are ended (audit event user.reset_password).',
  'signed-out':
    '{email} is signed out everywhere: every sign-in ended, SSH sessions ending on every target (audit event user.sign_out_everywhere).',
};

/** A refusal of a use case: its status, code, pointer and message; rethrows what is not one. */
function refusalOf(error: unknown): { status: number; code: string; pointer: string; message: string } {
  if (!(error instanceof LatchkeyError)) throw error;
  const status = httpStatusFor(error.code);
  if (status === 500) throw error;
  return { status, code: error.code, pointer: error.pointer ?? '', message: error.message };
}
