/**
 * The console's access pages: infrastructure apps, reusable policies and access groups (list, make, edit,
 * delete). Each change goes through the use case the API's route calls (app/access-apps.ts,
 * access-policies.ts, access-groups.ts), after the API's own schema and validators, so it is the same
 * audit event naming the person (`user:<email>`) and a refusal is the API's message, shown at the field
 * its pointer names. Rules are typed one a line (console-rule-text.ts), and so are an app's target
 * criteria (console-criteria-text.ts).
 *
 * Registered by console-routes.ts inside the console's scope (its headers, CSRF and error pages).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AccessGroupInputSchema,
  InfrastructureAppInputSchema,
  LatchkeyError,
  PolicyInputSchema,
  checkAgainstSchema,
  httpStatusFor,
  validateAccessGroupInput,
  validateAppInput,
  validatePolicyInput,
} from '@latchkey/shared';
import type { AccessGroupInputBody, InfrastructureAppInputBody, PolicyInputBody } from '@latchkey/shared';
import {
  createAccessGroup,
  deleteAccessGroup,
  getAccessGroup,
  listAccessGroups,
  replaceAccessGroup,
} from '../../../app/access-groups.js';
import { createApp, deleteApp, getApp, listApps, replaceApp } from '../../../app/access-apps.js';
import type { AppWithPolicies } from '../../../app/access-apps.js';
import {
  createPolicy,
  deletePolicy,
  getPolicy,
  listPolicies,
  replacePolicy,
} from '../../../app/access-policies.js';
import type { ConsoleCaller } from '../../../app/console/console-sessions.js';
import type { Services } from '../../../app/services.js';
import { PERMISSIONS, grants } from '../../../domain/permissions.js';
import type { AccessGroupRecord, PolicyRecord } from '../../../domain/records.js';
import type { ConsoleKit } from './console-admin-routes.js';
import { criteriaText, criterionText, parseCriteriaText } from './console-criteria-text.js';
import { RuleTextProblem, formatRuleText, lineOfRule, listOf, parseRuleText } from './console-rule-text.js';
import type { FieldProblem } from './render-console-forms.js';
import {
  renderAppEditPage,
  renderAppPolicyPage,
  renderAppsPage,
  renderGroupEditPage,
  renderGroupsPage,
  renderPoliciesPage,
  renderPolicyEditPage,
} from './render-console-access-pages.js';
import type {
  AppForm,
  AppRow,
  GroupForm,
  PolicyChoice,
  PolicyForm,
  PolicyRow,
} from './render-console-access-pages.js';

const read = PERMISSIONS.appsAndPoliciesRead;
const edit = PERMISSIONS.appsAndPoliciesEdit;

/** What a list page shows beside its rows: the form given back with its problem, or a change's banner. */
interface ListExtra<Form> {
  form?: Form;
  problem?: FieldProblem;
  problemIn?: 'form' | 'list';
  ok?: string;
}

type ListPage<Form> = (
  reply: FastifyReply,
  caller: ConsoleCaller,
  status: number,
  extra: ListExtra<Form>,
) => Promise<FastifyReply>;

export function consoleAccessRoutes(app: FastifyInstance, services: Services, kit: ConsoleKit): void {
  const hidden = { schema: { hide: true } };
  const { allowed, allowedChange, viewerFor, html, field } = kit;
  const idParam = (request: FastifyRequest, name: string) =>
    ((request.params as Record<string, string>)[name] ?? '').toLowerCase();

  /**
   * A change through its use case: done, it redirects to `location` (303); refused, the page `refused`
   * renders with the refusal's status. What is not a refusal is thrown on (statusOf).
   */
  const changeThen = async (
    reply: FastifyReply,
    change: () => Promise<unknown>,
    location: string,
    refused: (error: unknown, status: number) => Promise<FastifyReply> | FastifyReply,
  ) => {
    try {
      await change();
    } catch (error) {
      return refused(error, statusOf(error));
    }
    return reply.code(303).header('location', location).send();
  };

  /** GET `/<list>`: the list page for readers, with the banner of the change that redirected here. */
  const listRoute = <Form>(list: string, done: Record<string, string>, listPage: ListPage<Form>) =>
    app.get(`/${list}`, hidden, async (request, reply) => {
      const caller = await allowed(request, reply, read);
      if (caller === undefined) return reply;
      const ok = done[field(request.query, 'done')];
      return listPage(reply, caller, 200, ok === undefined ? {} : { ok });
    });

  /** POST `/<list>/:<param>/delete`: the use case deletes; a refusal is shown on the list, by the rows. */
  const deleteRoute = <Form>(
    list: string,
    param: string,
    remove: (caller: ConsoleCaller, id: string) => Promise<unknown>,
    listPage: ListPage<Form>,
  ) =>
    app.post(`/${list}/:${param}/delete`, hidden, async (request, reply) => {
      const caller = await allowedChange(request, reply, edit);
      if (caller === undefined) return reply;
      return changeThen(
        reply,
        () => remove(caller, idParam(request, param)),
        `/console/${list}?done=deleted`,
        (error, status) =>
          listPage(reply, caller, status, { problem: refusedAt(error, () => undefined), problemIn: 'list' }),
      );
    });

  /** Group names ↔ ids, for typing `group: <name>` and showing it back. Ambiguous names stay ids. */
  const groupNames = async (caller: ConsoleCaller) => {
    const groups = await listAccessGroups(services, caller);
    const byName = new Map<string, string[]>();
    for (const group of groups) {
      const key = group.name.toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), group.id]);
    }
    const idOf = (name: string) => {
      const ids = byName.get(name.toLowerCase());
      return ids?.length === 1 ? ids[0] : undefined;
    };
    const nameOf = (id: string) => {
      const group = groups.find((candidate) => candidate.id === id);
      return group !== undefined && idOf(group.name) === id ? group.name : undefined;
    };
    return { groups, idOf, nameOf };
  };

  /** The rule textareas a policy's and a group's form share, as posted. */
  const ruleFields = (body: unknown): RuleTexts => ({
    include: field(body, 'include'),
    require: field(body, 'require'),
    exclude: field(body, 'exclude'),
  });

  // --- policies -----------------------------------------------------------------------------------------
  const policyForm = (body: unknown): PolicyForm => ({
    name: field(body, 'name').trim(),
    ...ruleFields(body),
    usernames: field(body, 'usernames'),
    allow_email_alias: field(body, 'allow_email_alias'),
    allow_agent_forwarding: field(body, 'allow_agent_forwarding'),
    allow_port_forwarding: field(body, 'allow_port_forwarding'),
  });

  const policyFormOf = (policy: PolicyRecord, nameOf: (id: string) => string | undefined): PolicyForm => {
    const ssh = (policy.connectionRules as { ssh?: SshRules } | undefined)?.ssh;
    return {
      name: policy.name,
      ...ruleTextsOf(policy, nameOf),
      usernames: (ssh?.usernames ?? []).join(' '),
      allow_email_alias: ssh?.allow_email_alias === true ? 'true' : '',
      allow_agent_forwarding: ssh?.allow_agent_forwarding === true ? 'true' : '',
      allow_port_forwarding: ssh?.allow_port_forwarding === true ? 'true' : '',
    };
  };

  const policiesPage: ListPage<PolicyForm> = async (reply, caller, status, extra) => {
    const { nameOf } = await groupNames(caller);
    const apps = await listApps(services, caller);
    const rows: PolicyRow[] = (await listPolicies(services, caller)).map((policy) => {
      const form = policyFormOf(policy, nameOf);
      return {
        id: policy.id,
        name: policy.name,
        include: form.include ?? '',
        require: form.require ?? '',
        exclude: form.exclude ?? '',
        usernames: listOf(form.usernames ?? ''),
        emailAlias: form.allow_email_alias === 'true',
        agentForwarding: form.allow_agent_forwarding === 'true',
        portForwarding: form.allow_port_forwarding === 'true',
        apps: appsLinking(apps, policy.id),
        updatedAt: policy.updatedAt.toISOString(),
      };
    });
    return html(
      reply,
      status,
      renderPoliciesPage(viewerFor(caller), {
        policies: rows,
        canEdit: grants(caller.permissions, edit),
        ...extra,
      }),
    );
  };

  listRoute('policies', POLICIES_DONE, policiesPage);

  app.post('/policies', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, edit);
    if (caller === undefined) return reply;
    const form = policyForm(request.body);
    return changeThen(
      reply,
      async () => {
        const { idOf } = await groupNames(caller);
        await createPolicy(services, caller, validatePolicyInput(policyBody(form, idOf)));
      },
      '/console/policies?done=made',
      (error, status) =>
        policiesPage(reply, caller, status, {
          form,
          problem: refusedAt(error, fieldOfPointer(POLICY_POINTERS), form),
        }),
    );
  });

  app.get('/policies/:policy_id', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, edit);
    if (caller === undefined) return reply;
    const policy = await getPolicy(services, caller, idParam(request, 'policy_id'));
    const { nameOf } = await groupNames(caller);
    return html(
      reply,
      200,
      renderPolicyEditPage(viewerFor(caller), {
        id: policy.id,
        name: policy.name,
        form: policyFormOf(policy, nameOf),
        apps: appsLinking(await listApps(services, caller), policy.id),
      }),
    );
  });

  app.post('/policies/:policy_id', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, edit);
    if (caller === undefined) return reply;
    const id = idParam(request, 'policy_id');
    const existing = await getPolicy(services, caller, id);
    const form = policyForm(request.body);
    return changeThen(
      reply,
      async () => {
        const { idOf } = await groupNames(caller);
        await replacePolicy(services, caller, id, validatePolicyInput(policyBody(form, idOf)));
      },
      '/console/policies?done=saved',
      async (error, status) =>
        html(
          reply,
          status,
          renderPolicyEditPage(viewerFor(caller), {
            id,
            name: existing.name,
            form,
            problem: refusedAt(error, fieldOfPointer(POLICY_POINTERS), form),
            apps: appsLinking(await listApps(services, caller), id),
          }),
        ),
    );
  });

  deleteRoute('policies', 'policy_id', (caller, id) => deletePolicy(services, caller, id), policiesPage);

  // --- apps ---------------------------------------------------------------------------------------------
  const appForm = (body: unknown): AppForm => ({
    name: field(body, 'name').trim(),
    criteria: field(body, 'criteria'),
    policies: fieldValues(body, 'policy').map((id) => id.toLowerCase()),
  });

  const appsPage: ListPage<AppForm> = async (reply, caller, status, extra) => {
    const apps = await listApps(services, caller);
    const rows: AppRow[] = apps.map((entry) => ({
      id: entry.app.id,
      name: entry.app.name,
      aud: entry.app.aud,
      criteria: entry.app.targetCriteria.map(describeCriterion),
      policies: entry.app.policies.flatMap((link) => {
        const policy = entry.policies.get(link.policyId);
        return policy === undefined
          ? []
          : [{ id: policy.id, name: policy.name, precedence: link.precedence, reusable: policy.reusable }];
      }),
      updatedAt: entry.app.updatedAt.toISOString(),
    }));
    return html(
      reply,
      status,
      renderAppsPage(viewerFor(caller), {
        apps: rows,
        choices: await policyChoices(caller, undefined),
        canEdit: grants(caller.permissions, edit),
        ...extra,
      }),
    );
  };

  /** The reusable policies, after (for an app being edited) its own policies in their order. */
  const policyChoices = async (
    caller: ConsoleCaller,
    current: AppWithPolicies | undefined,
  ): Promise<PolicyChoice[]> => {
    const own: PolicyChoice[] = (current?.app.policies ?? []).flatMap((link) => {
      const policy = current?.policies.get(link.policyId);
      return policy === undefined ? [] : [{ id: policy.id, name: policy.name, reusable: policy.reusable }];
    });
    const others = (await listPolicies(services, caller))
      .filter((policy) => !own.some((choice) => choice.id === policy.id))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((policy) => ({ id: policy.id, name: policy.name, reusable: true }));
    return [...own, ...others];
  };

  /**
   * An app's edit page. The form edits the criteria as text (console-criteria-text.ts); criteria the text
   * form cannot write are kept as they are and shown in words.
   */
  const appEditPage = (
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    current: AppWithPolicies,
    model: { form: AppForm; choices: PolicyChoice[]; problem?: FieldProblem },
  ) => {
    const text = criteriaText(current.app.targetCriteria);
    return html(
      reply,
      status,
      renderAppEditPage(viewerFor(caller), {
        id: current.app.id,
        name: current.app.name,
        aud: current.app.aud,
        ...model,
        ...(text === undefined ? { criteriaKept: current.app.targetCriteria.map(describeCriterion) } : {}),
      }),
    );
  };

  listRoute('apps', APPS_DONE, appsPage);

  app.post('/apps', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, edit);
    if (caller === undefined) return reply;
    const form = appForm(request.body);
    const order = (await policyChoices(caller, undefined)).map((choice) => choice.id);
    return changeThen(
      reply,
      () => createApp(services, caller, validateAppInput(appBody(form, order, undefined))),
      '/console/apps?done=made',
      (error, status) =>
        appsPage(reply, caller, status, {
          form,
          problem: refusedAt(error, appFieldOf, { target_criteria: form.criteria }),
        }),
    );
  });

  app.get('/apps/:app_id', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, edit);
    if (caller === undefined) return reply;
    const current = await getApp(services, caller, idParam(request, 'app_id'));
    const text = criteriaText(current.app.targetCriteria);
    return appEditPage(reply, caller, 200, current, {
      form: {
        name: current.app.name,
        ...(text === undefined ? {} : { criteria: text }),
        policies: current.app.policies.map((link) => link.policyId),
      },
      choices: await policyChoices(caller, current),
    });
  });

  app.post('/apps/:app_id', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, edit);
    if (caller === undefined) return reply;
    const current = await getApp(services, caller, idParam(request, 'app_id'));
    const form = appForm(request.body);
    const choices = await policyChoices(caller, current);
    const order = choices.map((choice) => choice.id);
    return changeThen(
      reply,
      () => replaceApp(services, caller, current.app.id, validateAppInput(appBody(form, order, current))),
      '/console/apps?done=saved',
      (error, status) =>
        appEditPage(reply, caller, status, current, {
          form,
          choices,
          problem: refusedAt(error, appFieldOf, { target_criteria: form.criteria }),
        }),
    );
  });

  // An app's own (inline) policy: edited, or a new one added, by replacing the app (the API's PUT) with
  // that policy inline and its other policies linked as they are; the old inline policy goes with it.
  /** The app's own policy `policyId`; not_found when the app has no such policy of its own. */
  const ownPolicy = (current: AppWithPolicies, policyId: string): PolicyRecord => {
    const policy = current.policies.get(policyId);
    if (policy === undefined || policy.reusable) {
      throw new LatchkeyError('not_found', `app ${current.app.id} has no policy of its own ${policyId}`);
    }
    return policy;
  };

  app.get('/apps/:app_id/policies/:policy_id', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, edit);
    if (caller === undefined) return reply;
    const current = await getApp(services, caller, idParam(request, 'app_id'));
    const policyId = idParam(request, 'policy_id');
    const { nameOf } = await groupNames(caller);
    const owner = { appId: current.app.id, appName: current.app.name };
    if (policyId === 'new') {
      return html(reply, 200, renderAppPolicyPage(viewerFor(caller), { ...owner, form: {} }));
    }
    const policy = ownPolicy(current, policyId);
    return html(
      reply,
      200,
      renderAppPolicyPage(viewerFor(caller), { ...owner, policyId, form: policyFormOf(policy, nameOf) }),
    );
  });

  app.post('/apps/:app_id/policies/:policy_id', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, edit);
    if (caller === undefined) return reply;
    const current = await getApp(services, caller, idParam(request, 'app_id'));
    const policyId = idParam(request, 'policy_id');
    const isNew = policyId === 'new';
    if (!isNew) ownPolicy(current, policyId);
    const form = policyForm(request.body);
    const change = async () => {
      const { idOf } = await groupNames(caller);
      const policy = policyBody(form, idOf);
      const links = current.app.policies;
      const items: unknown[] = links.map((link) =>
        link.policyId === policyId
          ? { ...policy, precedence: link.precedence }
          : { id: link.policyId, precedence: link.precedence },
      );
      if (isNew) {
        items.push({ ...policy, precedence: Math.max(0, ...links.map((link) => link.precedence)) + 1 });
      }
      const body = appInput(current, { target_criteria: current.app.targetCriteria, policies: items });
      await replaceApp(services, caller, current.app.id, validateAppInput(body));
    };
    return changeThen(reply, change, '/console/apps?done=saved', (error, status) =>
      html(
        reply,
        status,
        renderAppPolicyPage(viewerFor(caller), {
          appId: current.app.id,
          appName: current.app.name,
          ...(isNew ? {} : { policyId }),
          form,
          problem: refusedAt(withoutPolicyPrefix(error), fieldOfPointer(POLICY_POINTERS), form),
        }),
      ),
    );
  });

  deleteRoute('apps', 'app_id', (caller, id) => deleteApp(services, caller, id), appsPage);

  // --- access groups ------------------------------------------------------------------------------------
  const groupForm = (body: unknown): GroupForm => ({
    name: field(body, 'name').trim(),
    ...ruleFields(body),
    is_default: field(body, 'is_default'),
  });

  const groupFormOf = (group: AccessGroupRecord, nameOf: (id: string) => string | undefined): GroupForm => ({
    name: group.name,
    ...ruleTextsOf(group, nameOf),
    is_default: group.isDefault === true ? 'true' : '',
  });

  const groupsPage: ListPage<GroupForm> = async (reply, caller, status, extra) => {
    const { groups, nameOf } = await groupNames(caller);
    return html(
      reply,
      status,
      renderGroupsPage(viewerFor(caller), {
        groups: groups.map((group) => {
          const form = groupFormOf(group, nameOf);
          return {
            id: group.id,
            name: group.name,
            isDefault: group.isDefault === true,
            include: form.include ?? '',
            require: form.require ?? '',
            exclude: form.exclude ?? '',
            updatedAt: group.updatedAt.toISOString(),
          };
        }),
        canEdit: grants(caller.permissions, edit),
        ...extra,
      }),
    );
  };

  listRoute('groups', GROUPS_DONE, groupsPage);

  app.post('/groups', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, edit);
    if (caller === undefined) return reply;
    const form = groupForm(request.body);
    return changeThen(
      reply,
      async () => {
        const { idOf } = await groupNames(caller);
        const body = groupBody(form, idOf);
        await createAccessGroup(services, caller, body, validateAccessGroupInput(body));
      },
      '/console/groups?done=made',
      (error, status) =>
        groupsPage(reply, caller, status, {
          form,
          problem: refusedAt(error, fieldOfPointer(GROUP_POINTERS), form),
        }),
    );
  });

  app.get('/groups/:group_id', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, edit);
    if (caller === undefined) return reply;
    const group = await getAccessGroup(services, caller, idParam(request, 'group_id'));
    const { nameOf } = await groupNames(caller);
    return html(
      reply,
      200,
      renderGroupEditPage(viewerFor(caller), {
        id: group.id,
        name: group.name,
        form: groupFormOf(group, nameOf),
      }),
    );
  });

  app.post('/groups/:group_id', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, edit);
    if (caller === undefined) return reply;
    const existing = await getAccessGroup(services, caller, idParam(request, 'group_id'));
    const form = groupForm(request.body);
    return changeThen(
      reply,
      async () => {
        const { idOf } = await groupNames(caller);
        const body = groupBody(form, idOf);
        await replaceAccessGroup(services, caller, existing.id, body, validateAccessGroupInput(body));
      },
      '/console/groups?done=saved',
      (error, status) =>
        html(
          reply,
          status,
          renderGroupEditPage(viewerFor(caller), {
            id: existing.id,
            name: existing.name,
            form,
            problem: refusedAt(error, fieldOfPointer(GROUP_POINTERS), form),
          }),
        ),
    );
  });

  deleteRoute('groups', 'group_id', (caller, id) => deleteAccessGroup(services, caller, id), groupsPage);
}

/** A policy's or a group's rules as the form's textareas. */
interface RuleTexts {
  include?: string;
  require?: string;
  exclude?: string;
}

/** A policy's or group's rules as text, one a line, groups by name where the name is unambiguous. */
function ruleTextsOf(
  record: Pick<PolicyRecord, 'include' | 'require' | 'exclude'>,
  nameOf: (id: string) => string | undefined,
): RuleTexts {
  return {
    include: formatRuleText(record.include, nameOf),
    require: formatRuleText(record.require, nameOf),
    exclude: formatRuleText(record.exclude, nameOf),
  };
}

/** The API's rules from the textareas: include always, require and exclude only when they have rules. */
function rulesBody(texts: RuleTexts, idOf: (name: string) => string | undefined) {
  const require = rulesOf(texts.require, 'require', idOf);
  const exclude = rulesOf(texts.exclude, 'exclude', idOf);
  return {
    include: rulesOf(texts.include, 'include', idOf),
    ...(require.length === 0 ? {} : { require }),
    ...(exclude.length === 0 ? {} : { exclude }),
  };
}

/** An app's body for the API's PUT: its name, type and MFA as they are, with these criteria and policies. */
function appInput(
  current: AppWithPolicies | undefined,
  change: { name?: string; target_criteria: unknown; policies: unknown[] },
): InfrastructureAppInputBody {
  return checkAgainstSchema(InfrastructureAppInputSchema, {
    name: change.name ?? current?.app.name ?? '',
    type: 'infrastructure',
    target_criteria: change.target_criteria,
    policies: change.policies,
    ...(current?.app.mfaConfig === undefined ? {} : { mfa_config: current.app.mfaConfig }),
  });
}

interface SshRules {
  usernames?: string[];
  allow_email_alias?: boolean;
  allow_agent_forwarding?: boolean;
  allow_port_forwarding?: boolean;
}

const POLICIES_DONE: Record<string, string> = {
  made: 'The policy is made (audit event policy.create). Link it to an app on the Apps page.',
  saved: 'The policy is saved (audit event policy.update): it applies from the next certificate.',
  deleted: 'The policy is deleted (audit event policy.delete).',
};
const APPS_DONE: Record<string, string> = {
  made: 'The app is made (audit event access_app.create).',
  saved: 'The app is saved (audit event access_app.update): it applies from the next certificate.',
  deleted: 'The app is deleted, with its own policies (audit event access_app.delete).',
};
const GROUPS_DONE: Record<string, string> = {
  made: 'The access group is made (audit event access_group.create).',
  saved: 'The access group is saved (audit event access_group.update).',
  deleted: 'The access group is deleted (audit event access_group.delete).',
};

/** A form field that may repeat (checkboxes): every value. */
function fieldValues(source: unknown, name: string): string[] {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function statusOf(error: unknown): number {
  if (!(error instanceof LatchkeyError)) throw error;
  const status = httpStatusFor(error.code);
  if (status === 500) throw error;
  return status;
}

/**
 * A refused change as the field it is about and the API's message; for a rule, the line of the form it
 * is on. `fieldOf` maps the API's pointer to the form field; rethrows what is not a refusal.
 */
function refusedAt(
  error: unknown,
  fieldOf: (pointer: string) => string | undefined,
  ruleTexts: { include?: string; require?: string; exclude?: string; target_criteria?: string } = {},
): FieldProblem {
  statusOf(error);
  const { pointer = '', message } = error as LatchkeyError;
  const at = fieldOf(pointer);
  const rule = /^\/(include|require|exclude|target_criteria)\/(\d+)(\/|$)/.exec(pointer);
  const line = rule === null ? undefined : lineOfRule(ruleTexts[rule[1] as 'include'] ?? '', Number(rule[2]));
  return {
    ...(at === undefined ? {} : { field: at }),
    message: line === undefined ? message : `Line ${line}: ${message}`,
  };
}

/**
 * A refusal about an app's inline policy points into the app (`/policies/2/include/0/ip/ip`): the same
 * refusal pointing into the policy, so that it is shown at the policy form's field.
 */
function withoutPolicyPrefix(error: unknown): unknown {
  if (!(error instanceof LatchkeyError)) return error;
  const pointer = error.pointer ?? '';
  const inner = /^\/policies\/\d+(\/.*)$/.exec(pointer)?.[1];
  if (inner === undefined) return error;
  return new LatchkeyError(error.code, error.message, { pointer: inner });
}

/** Rules from a textarea: the API's rules, or a RuleTextProblem turned into the API's error shape. */
function rulesOf(
  text: string | undefined,
  fieldName: string,
  idOf: (name: string) => string | undefined,
): PolicyInputBody['include'] {
  try {
    return parseRuleText(text ?? '', idOf) as unknown as PolicyInputBody['include'];
  } catch (error) {
    if (!(error instanceof RuleTextProblem)) throw error;
    throw new LatchkeyError('invalid_argument', error.message, {
      pointer: `/${fieldName}`,
    });
  }
}

function policyBody(form: PolicyForm, idOf: (name: string) => string | undefined): PolicyInputBody {
  const flag = (value: string | undefined) => (value === 'true' ? true : undefined);
  const ssh: SshRules = { usernames: listOf(form.usernames ?? '') };
  if (flag(form.allow_email_alias)) ssh.allow_email_alias = true;
  if (flag(form.allow_agent_forwarding)) ssh.allow_agent_forwarding = true;
  if (flag(form.allow_port_forwarding)) ssh.allow_port_forwarding = true;
  return checkAgainstSchema(PolicyInputSchema, {
    name: form.name ?? '',
    decision: 'allow',
    ...rulesBody(form, idOf),
    connection_rules: { ssh },
  });
}

function groupBody(form: GroupForm, idOf: (name: string) => string | undefined): AccessGroupInputBody {
  return checkAgainstSchema(AccessGroupInputSchema, {
    name: form.name ?? '',
    ...(form.is_default === 'true' ? { is_default: true } : {}),
    ...rulesBody(form, idOf),
  });
}

const POLICY_POINTERS: Record<string, string> = {
  name: 'name',
  include: 'include',
  require: 'require',
  exclude: 'exclude',
  connection_rules: 'usernames',
};
const GROUP_POINTERS: Record<string, string> = {
  name: 'name',
  include: 'include',
  require: 'require',
  exclude: 'exclude',
  is_default: 'is_default',
};

/** The field of a pointer into a policy's or group's body (its first segment). */
function fieldOfPointer(pointers: Record<string, string>) {
  return (pointer: string) => pointers[pointer.split('/')[1] ?? ''];
}

/** The field of a pointer into an app's body (`/target_criteria/0/port` → port). */
function appFieldOf(pointer: string): string | undefined {
  const parts = pointer.split('/');
  if (parts[1] === 'name') return 'name';
  if (parts[1] === 'policies') return 'policies';
  if (parts[1] === 'target_criteria') return 'criteria';
  return undefined;
}

/** The app's body from the form; `order` is the order the form lists the policies in. */
function appBody(
  form: AppForm,
  order: readonly string[],
  current: AppWithPolicies | undefined,
): InfrastructureAppInputBody {
  const chosen = new Set(form.policies ?? []);
  const policies = order.filter((id) => chosen.has(id)).map((id, index) => ({ id, precedence: index + 1 }));
  for (const id of chosen) {
    if (!order.includes(id)) {
      throw new LatchkeyError('invalid_argument', `/policies: policy ${id} is not one this app may link`, {
        pointer: '/policies',
      });
    }
  }
  const kept = current !== undefined && criteriaText(current.app.targetCriteria) === undefined;
  const targetCriteria = kept ? current.app.targetCriteria : criteriaOf(form.criteria ?? '');
  return appInput(current, { name: form.name ?? '', target_criteria: targetCriteria, policies });
}

/** Criteria from the textarea: the API's criteria, or a RuleTextProblem turned into the API's error shape. */
function criteriaOf(text: string): unknown[] {
  try {
    return parseCriteriaText(text);
  } catch (error) {
    if (!(error instanceof RuleTextProblem)) throw error;
    throw new LatchkeyError('invalid_argument', error.message, { pointer: '/target_criteria' });
  }
}

/** A criterion in words: "web-1, web-2 on port 22 (SSH)", or its rule form ("include: env=prod on …"). */
function describeCriterion(criterion: unknown): string {
  const value = criterion as {
    target_attributes?: { hostname?: string[] };
    include?: unknown;
    require?: unknown;
    exclude?: unknown;
    port?: number;
    protocol?: string;
  };
  const on = ` on port ${value.port ?? '?'} (${value.protocol ?? '?'})`;
  if (value.target_attributes?.hostname !== undefined)
    return `${value.target_attributes.hostname.join(', ')}${on}`;
  const line = criterionText(criterion);
  if (line !== undefined) return `${line.replace(/^\d+ /, '')}${on}`;
  const part = (name: string, rule: unknown) =>
    rule === undefined ? '' : ` ${name} ${JSON.stringify(rule)}`;
  return `${part('include', value.include)}${part('require', value.require)}${part('exclude', value.exclude)}${on}`.trim();
}

function appsLinking(apps: readonly AppWithPolicies[], policyId: string): string[] {
  return apps
    .filter((entry) => entry.app.policies.some((link) => link.policyId === policyId))
    .map((entry) => entry.app.name);
}
