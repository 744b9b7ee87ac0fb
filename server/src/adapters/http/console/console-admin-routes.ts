/**
 * The console's admin pages (issue 15, second slice): agents (list, remove, replace), join tokens (list, make,
 * revoke). Each change calls the use case the API route calls (routes/agents.ts), never a second
 * implementation, so each is the same audit event naming the person (`user:<email>`). A form's values
 * are checked against the API's own schema (shared's checkAgainstSchema, the validator of the API's
 * routes): a refused change shows the API's message at the field its pointer names.
 *
 * Registered by console-routes.ts inside the console's scope (its headers, CSRF and error pages).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AgentReplaceSchema,
  AuditSshSettingsInputSchema,
  CaRotationActionSchema,
  GatewayCaCreateSchema,
  JoinTokenCreateSchema,
  LatchkeyError,
  TunnelRouteCreateSchema,
  VirtualNetworkCreateSchema,
  checkAgainstSchema,
  httpStatusFor,
  parseSshPublicKey,
  validateAuditSshSettingsInput,
} from '@latchkey/shared';
import type { JoinTokenCreateBody } from '@latchkey/shared';
import { listAgents } from '../../../app/agents/agent-heartbeat.js';
import { createJoinToken, listJoinTokens, revokeJoinToken } from '../../../app/agents/join-tokens.js';
import { createReplaceToken, removeAgent } from '../../../app/agents/manage-agents.js';
import { issueApiToken, listApiTokens, revokeApiToken } from '../../../app/api-tokens.js';
import { getAuditSshSettings, putAuditSshSettings } from '../../../app/audit-ssh-settings.js';
import {
  cancelCaRotation,
  completeCaRotation,
  getCaRotation,
  startCaRotation,
  switchCaRotation,
} from '../../../app/ca-rotation.js';
import type { CaRotationView } from '../../../app/ca-rotation.js';
import type { ConsoleCaller } from '../../../app/console/console-sessions.js';
import { createGatewayCa, deleteGatewayCa } from '../../../app/gateway-ca.js';
import {
  createTunnelRoute,
  deleteTunnelRoute,
  listTunnelRoutes,
  tunnelRouteNames,
} from '../../../app/tunnel-routes.js';
import {
  createVirtualNetwork,
  deleteVirtualNetwork,
  listVirtualNetworks,
} from '../../../app/virtual-networks.js';
import type { Services } from '../../../app/services.js';
import { LIVE_SESSION_MAX_AGE_MS } from '../../../domain/live-sessions.js';
import { presentApiToken } from '../../../domain/api-representation.js';
import { ALL_PERMISSIONS, PERMISSIONS, grants, parsePermission } from '../../../domain/permissions.js';
import { parseTokenExpiry } from '../../../domain/token-expiry.js';
import type { Permission } from '../../../domain/permissions.js';
import type { AgentRecord, JoinTokenRecord } from '../../../domain/records.js';
import {
  renderApiTokensPage,
  renderAgentsPage,
  renderCaPage,
  renderJoinTokensPage,
  renderLogKeyPage,
  renderNetworksPage,
} from './render-console-admin-pages.js';
import type { FieldProblem } from './render-console-forms.js';
import type {
  AgentRow,
  CaView,
  JoinTokenForm,
  JoinTokenRow,
  NetworkForms,
} from './render-console-admin-pages.js';
import type { Viewer } from './render-console-pages.js';

/** What console-routes.ts lends the admin pages: who is asking, and how to answer. */
export interface ConsoleKit {
  allowed(
    request: FastifyRequest,
    reply: FastifyReply,
    needs: Permission,
  ): Promise<ConsoleCaller | undefined>;
  allowedChange(
    request: FastifyRequest,
    reply: FastifyReply,
    needs: Permission | null,
  ): Promise<ConsoleCaller | undefined>;
  viewerFor(caller: ConsoleCaller): Viewer;
  html(reply: FastifyReply, status: number, body: string): FastifyReply;
  field(source: unknown, name: string): string;
}

const AGENT_PACKAGE_SHA256_PATH = '/downloads/latchkey-agent-linux-x64.tar.gz.sha256';

export function consoleAdminRoutes(app: FastifyInstance, services: Services, kit: ConsoleKit): void {
  const hidden = { schema: { hide: true } };
  const { allowed, allowedChange, viewerFor, html, field } = kit;

  // --- agents -----------------------------------------------------------------------------------------
  const agentsPage = async (
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    message: {
      ok?: string;
      error?: string;
      made?: { name: string; hostname: string; installLine: string; notes: string[] };
    },
  ) => {
    const now = services.clock().getTime();
    const agents = (await listAgents(services, caller))
      .sort((a, b) => a.hostname.localeCompare(b.hostname))
      .map((agent) => agentRow(agent, now));
    return html(
      reply,
      status,
      renderAgentsPage(viewerFor(caller), {
        agents,
        canRemove: grants(caller.permissions, PERMISSIONS.zeroTrustEdit),
        ...message,
      }),
    );
  };

  app.get('/agents', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.zeroTrustRead);
    if (caller === undefined) return reply;
    const removed = field(request.query, 'removed');
    return agentsPage(
      reply,
      caller,
      200,
      removed === ''
        ? {}
        : {
            ok: `The agent of ${removed} is removed: its credential is revoked (audit event agent.delete).`,
          },
    );
  });

  app.post('/agents/:agent_id/remove', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const agentId = (request.params as { agent_id: string }).agent_id.toLowerCase();
    let removed: AgentRecord;
    try {
      ({ agent: removed } = await removeAgent(services, caller, agentId, {
        keepTarget: field(request.body, 'keep_target') === 'true',
      }));
    } catch (error) {
      if (!(error instanceof LatchkeyError) || error.code !== 'not_found') throw error;
      return agentsPage(reply, caller, 404, { error: error.message });
    }
    return reply
      .code(303)
      .header('location', `/console/agents?${new URLSearchParams({ removed: removed.hostname }).toString()}`)
      .send();
  });

  app.post('/agents/:agent_id/replace', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const agentId = (request.params as { agent_id: string }).agent_id.toLowerCase();
    let made: Awaited<ReturnType<typeof createReplaceToken>>;
    let hostname: string;
    try {
      const agent = (await listAgents(services, caller)).find((candidate) => candidate.id === agentId);
      hostname = agent?.hostname ?? agentId;
      made = await createReplaceToken(
        services,
        caller,
        agentId,
        checkAgainstSchema(AgentReplaceSchema, { name: `replace agent ${hostname}`.slice(0, 255) }),
      );
    } catch (error) {
      if (!(error instanceof LatchkeyError) || httpStatusOf(error) === 500) throw error;
      return agentsPage(reply, caller, httpStatusOf(error), { error: error.message });
    }
    const { line, notes } = await installLineFor(app, services, made.secret);
    return agentsPage(reply, caller, 201, {
      made: { name: made.record.name, hostname, installLine: line, notes },
    });
  });

  // --- join tokens ------------------------------------------------------------------------------------
  const joinTokensPage = async (
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    extra: {
      form?: JoinTokenForm;
      problem?: FieldProblem;
      made?: { name: string; secret: string; installLine: string; notes: string[] };
      ok?: string;
    },
  ) => {
    const now = services.clock().getTime();
    const tokens = (await listJoinTokens(services, caller))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map((token) => joinTokenRow(token, now));
    return html(
      reply,
      status,
      renderJoinTokensPage(viewerFor(caller), { tokens, form: extra.form ?? {}, ...withoutForm(extra) }),
    );
  };

  app.get('/join-tokens', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const revoked = field(request.query, 'revoked');
    return joinTokensPage(
      reply,
      caller,
      200,
      revoked === ''
        ? {}
        : {
            ok: `Join token ${revoked} is revoked: no host can enrol with it any more (audit event join_token.revoke).`,
          },
    );
  });

  app.post('/join-tokens', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const form: JoinTokenForm = {
      name: field(request.body, 'name'),
      expires_in_hours: field(request.body, 'expires_in_hours').trim(),
      max_uses: field(request.body, 'max_uses').trim(),
    };
    const parsed = joinTokenBody(form);
    if ('problem' in parsed) return joinTokensPage(reply, caller, 400, { form, problem: parsed.problem });
    const { record, secret } = await createJoinToken(services, caller, parsed.body);
    const { line, notes } = await installLineFor(app, services, secret);
    return joinTokensPage(reply, caller, 201, {
      made: { name: record.name, secret, installLine: line, notes },
    });
  });

  app.post('/join-tokens/:join_token_id/revoke', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const id = (request.params as { join_token_id: string }).join_token_id.toLowerCase();
    let revoked: JoinTokenRecord;
    try {
      revoked = await revokeJoinToken(services, caller, id);
    } catch (error) {
      if (!(error instanceof LatchkeyError) || error.code !== 'not_found') throw error;
      return joinTokensPage(reply, caller, 404, { problem: { message: error.message } });
    }
    return reply
      .code(303)
      .header('location', `/console/join-tokens?${new URLSearchParams({ revoked: revoked.name }).toString()}`)
      .send();
  });

  // --- the SSH CA and its rotation ----------------------------------------------------------------------
  const caPage = async (
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    extra: { problem?: FieldProblem; ok?: string; confirmDelete?: boolean },
  ) => {
    let view: CaRotationView | undefined;
    try {
      view = await getCaRotation(services, caller);
    } catch (error) {
      if (!(error instanceof LatchkeyError) || error.code !== 'not_found') throw error;
    }
    return html(
      reply,
      status,
      renderCaPage(viewerFor(caller), {
        ca: view === undefined ? {} : caView(view),
        canEdit: grants(caller.permissions, PERMISSIONS.sshAuditingEdit),
        ...extra,
      }),
    );
  };

  app.get('/ssh-ca', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.sshAuditingRead);
    if (caller === undefined) return reply;
    const done = field(request.query, 'done');
    return caPage(reply, caller, 200, CA_DONE[done] === undefined ? {} : { ok: CA_DONE[done] });
  });

  app.post('/ssh-ca/create', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.sshAuditingEdit);
    if (caller === undefined) return reply;
    try {
      const body = checkAgainstSchema(GatewayCaCreateSchema, { key_type: field(request.body, 'key_type') });
      await createGatewayCa(services, caller, body.key_type ?? 'ed25519');
    } catch (error) {
      if (!(error instanceof LatchkeyError) || httpStatusOf(error) === 500) throw error;
      return caPage(reply, caller, httpStatusOf(error), { problem: { message: error.message } });
    }
    return reply.code(303).header('location', '/console/ssh-ca?done=create').send();
  });

  app.post('/ssh-ca/rotation', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.sshAuditingEdit);
    if (caller === undefined) return reply;
    let action: string;
    try {
      const body = checkAgainstSchema(CaRotationActionSchema, {
        action: field(request.body, 'action'),
        ...(field(request.body, 'force') === 'true' ? { force: true } : {}),
      });
      action = body.action;
      if (body.action === 'start') await startCaRotation(services, caller);
      else if (body.action === 'switch')
        await switchCaRotation(services, caller, { force: body.force === true });
      else if (body.action === 'complete') await completeCaRotation(services, caller);
      else await cancelCaRotation(services, caller);
    } catch (error) {
      if (!(error instanceof LatchkeyError) || httpStatusOf(error) === 500) throw error;
      return caPage(reply, caller, httpStatusOf(error), { problem: { message: error.message } });
    }
    return reply.code(303).header('location', `/console/ssh-ca?done=${action}`).send();
  });

  app.get('/ssh-ca/delete', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.sshAuditingEdit);
    if (caller === undefined) return reply;
    return caPage(reply, caller, 200, { confirmDelete: true });
  });

  app.post('/ssh-ca/delete', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.sshAuditingEdit);
    if (caller === undefined) return reply;
    try {
      if (field(request.body, 'confirm') !== 'true') {
        throw new LatchkeyError(
          'invalid_argument',
          'Tick the box to confirm: deleting the CA cannot be undone.',
          { pointer: '/confirm' },
        );
      }
      const view = await getCaRotation(services, caller);
      await deleteGatewayCa(services, caller, view.current.id);
    } catch (error) {
      if (!(error instanceof LatchkeyError) || httpStatusOf(error) === 500) throw error;
      return caPage(reply, caller, httpStatusOf(error), {
        confirmDelete: true,
        problem: {
          ...(error.pointer === '/confirm' ? { field: 'confirm' } : {}),
          message: error.message,
        },
      });
    }
    return reply.code(303).header('location', '/console/ssh-ca?done=delete').send();
  });

  // --- the session-log encryption key -------------------------------------------------------------------
  const logKeyPage = async (
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    extra: { form?: { public_key?: string }; problem?: FieldProblem; ok?: string },
  ) => {
    const settings = await getAuditSshSettings(services, caller);
    return html(
      reply,
      status,
      renderLogKeyPage(viewerFor(caller), {
        publicKey: settings?.publicKey ?? '',
        ...(settings === undefined || settings.publicKey === ''
          ? {}
          : { seedId: settings.seedId, updatedAt: settings.updatedAt.toISOString() }),
        canEdit: grants(caller.permissions, PERMISSIONS.sshAuditingEdit),
        ...extra,
      }),
    );
  };

  app.get('/log-key', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.sshAuditingRead);
    if (caller === undefined) return reply;
    const done = field(request.query, 'done');
    return logKeyPage(
      reply,
      caller,
      200,
      done === 'set'
        ? {
            ok: 'The key is set: agents seal the sessions of new connections to it (audit event audit_ssh_settings.update).',
          }
        : done === 'removed'
          ? {
              ok: 'The key is removed: logging is off for new connections (audit event audit_ssh_settings.update).',
            }
          : {},
    );
  });

  app.post('/log-key', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.sshAuditingEdit);
    if (caller === undefined) return reply;
    const publicKey = field(request.body, 'public_key').trim();
    let key: string;
    try {
      key = validateAuditSshSettingsInput(
        checkAgainstSchema(AuditSshSettingsInputSchema, { public_key: publicKey }),
      );
      if (key === '') {
        throw new LatchkeyError(
          'invalid_argument',
          "/public_key is empty: paste the auditors' public key, or remove the key below",
          { pointer: '/public_key' },
        );
      }
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
      return logKeyPage(reply, caller, 400, {
        form: { public_key: publicKey },
        problem: {
          ...(error.pointer === '/public_key' ? { field: 'public_key' } : {}),
          message: error.message,
        },
      });
    }
    await putAuditSshSettings(services, caller, key);
    return reply.code(303).header('location', '/console/log-key?done=set').send();
  });

  app.post('/log-key/remove', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.sshAuditingEdit);
    if (caller === undefined) return reply;
    await putAuditSshSettings(services, caller, '');
    return reply.code(303).header('location', '/console/log-key?done=removed').send();
  });

  // --- API tokens ---------------------------------------------------------------------------------------
  const apiTokensPage = async (
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    extra: {
      form?: { name?: string; expires?: string; permissions?: readonly string[] };
      problem?: FieldProblem;
      made?: { name: string; secret: string };
      ok?: string;
    },
  ) => {
    const now = services.clock();
    const tokens = (await listApiTokens(services, caller)).map((token) => {
      const shown = presentApiToken(token, now);
      return {
        id: shown.id,
        name: shown.name,
        permissions: shown.permissions,
        status: shown.status,
        createdAt: shown.created_at,
        ...(shown.expires_at === undefined ? {} : { expiresAt: shown.expires_at }),
        ...(shown.last_used_at === undefined ? {} : { lastUsedAt: shown.last_used_at }),
      };
    });
    return html(
      reply,
      status,
      renderApiTokensPage(viewerFor(caller), {
        tokens,
        canEdit: grants(caller.permissions, PERMISSIONS.apiTokensEdit),
        grantable: grantableBy(caller),
        ...extra,
      }),
    );
  };

  app.get('/api-tokens', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.apiTokensRead);
    if (caller === undefined) return reply;
    const revoked = field(request.query, 'revoked');
    return apiTokensPage(
      reply,
      caller,
      200,
      revoked === ''
        ? {}
        : {
            ok: `API token ${revoked} is revoked: its next request is refused (audit event api_token.revoke).`,
          },
    );
  });

  // The same use case as `latchkey-server token create` (issueApiToken, audit event api_token.create),
  // with the person as the actor. A person gives a token only permissions they hold themselves.
  app.post('/api-tokens', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.apiTokensEdit);
    if (caller === undefined) return reply;
    const form = {
      name: field(request.body, 'name').trim(),
      expires: field(request.body, 'expires').trim(),
      permissions: fieldValues(request.body, 'permission'),
    };
    const refuse = (problem: FieldProblem) => apiTokensPage(reply, caller, 400, { form, problem });
    if (form.name === '') return refuse({ field: 'name', message: 'A token needs a name: what it is for.' });
    if (form.name.length > 255)
      return refuse({ field: 'name', message: 'The name is longer than 255 characters.' });
    let expiresAt: Date | undefined;
    try {
      if (form.expires !== '') expiresAt = parseTokenExpiry(form.expires, services.clock(), 'Expires');
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
      return refuse({ field: 'expires', message: error.message });
    }
    const permissions: Permission[] = [];
    for (const text of form.permissions) {
      let permission;
      try {
        permission = parsePermission(text);
      } catch (error) {
        return refuse({ field: 'permissions', message: (error as Error).message });
      }
      if (!grants(caller.permissions, permission)) {
        return refuse({
          field: 'permissions',
          message: `You cannot give a token "${permission}": your account's groups do not give it to you.`,
        });
      }
      permissions.push(permission);
    }
    let issued;
    try {
      issued = await services.store.transaction((tx) =>
        issueApiToken(
          services,
          tx,
          caller.accountId,
          { name: form.name, permissions, ...(expiresAt === undefined ? {} : { expiresAt }) },
          caller.actor,
        ),
      );
    } catch (error) {
      if (!(error instanceof LatchkeyError) || error.code !== 'invalid_argument') throw error;
      return refuse({ field: 'permissions', message: error.message });
    }
    return apiTokensPage(reply, caller, 201, {
      made: { name: issued.record.name, secret: issued.secret },
    });
  });

  app.post('/api-tokens/:token_id/revoke', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.apiTokensEdit);
    if (caller === undefined) return reply;
    const id = (request.params as { token_id: string }).token_id.toLowerCase();
    let name: string;
    try {
      name = (await revokeApiToken(services, caller, id)).name;
    } catch (error) {
      if (!(error instanceof LatchkeyError) || error.code !== 'not_found') throw error;
      return apiTokensPage(reply, caller, 404, { problem: { message: error.message } });
    }
    return reply
      .code(303)
      .header('location', `/console/api-tokens?${new URLSearchParams({ revoked: name }).toString()}`)
      .send();
  });

  // --- virtual networks and tunnel routes ---------------------------------------------------------------
  const networksPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    caller: ConsoleCaller,
    status: number,
    extra: {
      form?: NetworkForms;
      problemIn?: 'network' | 'route' | 'list';
      problem?: FieldProblem;
      ok?: string;
    },
  ) => {
    const networks = await listVirtualNetworks(services, caller, {});
    const routes = await listTunnelRoutes(services, caller, {
      page: pageOf(field(request.query, 'page')),
      per_page: 50,
    });
    const names = await tunnelRouteNames(services, caller);
    const agents = (await listAgents(services, caller))
      .map((agent) => ({ id: agent.id, hostname: agent.hostname }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname));
    return html(
      reply,
      status,
      renderNetworksPage(viewerFor(caller), {
        networks: networks
          .map((network) => ({
            id: network.id,
            name: network.name,
            comment: network.comment,
            isDefault: network.isDefaultNetwork,
            createdAt: network.createdAt.toISOString(),
          }))
          .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name)),
        routes: routes.items.map((route) => ({
          id: route.id,
          network: route.network,
          agentId: route.agentId,
          agentName: names.agents.get(route.agentId) ?? '',
          networkName: names.networks.get(route.virtualNetworkId) ?? '',
          comment: route.comment,
          createdAt: route.createdAt.toISOString(),
        })),
        routesPaging: {
          page: routes.page,
          total: routes.totalCount,
          totalPages: Math.ceil(routes.totalCount / routes.perPage),
        },
        agents,
        canEdit: grants(caller.permissions, PERMISSIONS.zeroTrustEdit),
        ...extra,
      }),
    );
  };

  app.get('/networks', hidden, async (request, reply) => {
    const caller = await allowed(request, reply, PERMISSIONS.zeroTrustRead);
    if (caller === undefined) return reply;
    const done = NETWORKS_DONE[field(request.query, 'done')];
    return networksPage(request, reply, caller, 200, done === undefined ? {} : { ok: done });
  });

  /** A refused change: the API's message at the form field its pointer names (409s: at `conflictField`). */
  const refusedAt = (
    error: unknown,
    fields: Record<string, string>,
    conflictField?: string,
  ): FieldProblem => {
    if (!(error instanceof LatchkeyError) || httpStatusOf(error) === 500) throw error;
    const pointer = (error.pointer ?? '').split('/')[1] ?? '';
    const at = fields[pointer] ?? (error.code === 'conflict' ? conflictField : undefined);
    return { ...(at === undefined ? {} : { field: at }), message: error.message };
  };

  app.post('/networks', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const form: NetworkForms = {
      vn_name: field(request.body, 'vn_name').trim(),
      vn_comment: field(request.body, 'vn_comment'),
      vn_default: field(request.body, 'vn_default'),
    };
    try {
      const body = checkAgainstSchema(VirtualNetworkCreateSchema, {
        name: form.vn_name,
        ...(form.vn_comment === '' ? {} : { comment: form.vn_comment }),
        ...(form.vn_default === 'true' ? { is_default_network: true } : {}),
      });
      await createVirtualNetwork(services, caller, body);
    } catch (error) {
      const problem = refusedAt(error, { name: 'vn_name', comment: 'vn_comment' }, 'vn_name');
      return networksPage(request, reply, caller, httpStatusOf(error as LatchkeyError), {
        form,
        problemIn: 'network',
        problem,
      });
    }
    return reply.code(303).header('location', '/console/networks?done=network').send();
  });

  app.post('/networks/:virtual_network_id/delete', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const id = (request.params as { virtual_network_id: string }).virtual_network_id.toLowerCase();
    try {
      await deleteVirtualNetwork(services, caller, id);
    } catch (error) {
      const problem = refusedAt(error, {});
      return networksPage(request, reply, caller, httpStatusOf(error as LatchkeyError), {
        problemIn: 'list',
        problem,
      });
    }
    return reply.code(303).header('location', '/console/networks?done=network-deleted').send();
  });

  app.post('/networks/routes', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const form: NetworkForms = {
      network: field(request.body, 'network').trim(),
      tunnel_id: field(request.body, 'tunnel_id'),
      virtual_network_id: field(request.body, 'virtual_network_id'),
      rt_comment: field(request.body, 'rt_comment'),
    };
    try {
      const body = checkAgainstSchema(TunnelRouteCreateSchema, {
        network: form.network,
        tunnel_id: form.tunnel_id,
        ...(form.virtual_network_id === '' ? {} : { virtual_network_id: form.virtual_network_id }),
        ...(form.rt_comment === '' ? {} : { comment: form.rt_comment }),
      });
      await createTunnelRoute(services, caller, body);
    } catch (error) {
      const problem = refusedAt(
        error,
        {
          network: 'network',
          tunnel_id: 'tunnel_id',
          virtual_network_id: 'virtual_network_id',
          comment: 'rt_comment',
        },
        'network',
      );
      return networksPage(request, reply, caller, httpStatusOf(error as LatchkeyError), {
        form,
        problemIn: 'route',
        problem,
      });
    }
    return reply.code(303).header('location', '/console/networks?done=route').send();
  });

  app.post('/networks/routes/:route_id/delete', hidden, async (request, reply) => {
    const caller = await allowedChange(request, reply, PERMISSIONS.zeroTrustEdit);
    if (caller === undefined) return reply;
    const id = (request.params as { route_id: string }).route_id.toLowerCase();
    try {
      await deleteTunnelRoute(services, caller, id);
    } catch (error) {
      const problem = refusedAt(error, {});
      return networksPage(request, reply, caller, httpStatusOf(error as LatchkeyError), {
        problemIn: 'list',
        problem,
      });
    }
    return reply.code(303).header('location', '/console/networks?done=route-deleted').send();
  });
}

const NETWORKS_DONE: Record<string, string> = {
  network: 'The virtual network is made (audit event virtual_network.create).',
  'network-deleted': 'The virtual network is deleted (audit event virtual_network.delete).',
  'network-saved': 'The virtual network is saved (audit event virtual_network.update).',
  'route-saved': 'The route is saved (audit event tunnel_route.update).',
  route: 'The route is added: people reach its network through the agent (audit event tunnel_route.create).',
  'route-deleted': 'The route is deleted (audit event tunnel_route.delete).',
};

function pageOf(text: string): number {
  const value = Number(text);
  return Number.isInteger(value) && value >= 1 && value <= 1_000_000 ? value : 1;
}

/** The permissions a person may put on a token: those their groups give them. */
function grantableBy(caller: ConsoleCaller): Permission[] {
  return ALL_PERMISSIONS.filter((permission) => grants(caller.permissions, permission));
}

/** Every value of a form field that may repeat (checkboxes). */
function fieldValues(source: unknown, name: string): string[] {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

const CA_DONE: Record<string, string> = {
  create:
    'The SSH CA is made (audit event gateway_ca.create). Agents install its public key from their next cycle.',
  start:
    'The rotation has started: the next CA is made (audit event gateway_ca.rotation.start). Agents trust it from their next cycle.',
  switch: 'Switched: the next CA signs new certificates (audit event gateway_ca.rotation.switch).',
  complete: 'The rotation is complete: the old CA is dropped (audit event gateway_ca.rotation.complete).',
  cancel: 'The rotation is cancelled: the next CA is dropped (audit event gateway_ca.rotation.cancel).',
  delete:
    'The SSH CA is deleted (audit event gateway_ca.delete). Certificates it signed stop working on each target once its agent drops the key (its next cycle).',
};

function httpStatusOf(error: LatchkeyError): number {
  return httpStatusFor(error.code);
}

function caView(view: CaRotationView): CaView {
  const key = (id: string, publicKey: string) => ({
    id,
    publicKey,
    fingerprint: parseSshPublicKey(publicKey).fingerprint(),
  });
  return {
    current: key(view.current.id, view.current.publicKey),
    phase: view.phase,
    ...(view.rotation === undefined
      ? {}
      : {
          next: key(view.rotation.next.id, view.rotation.next.publicKey),
          startedAt: view.rotation.startedAt.toISOString(),
          ...(view.rotation.switchedAt === undefined
            ? {}
            : { switchedAt: view.rotation.switchedAt.toISOString() }),
        }),
    ...(view.completableAt === undefined ? {} : { completableAt: view.completableAt.toISOString() }),
  };
}

function withoutForm<T extends { form?: unknown }>(extra: T): Omit<T, 'form'> {
  const { form: _form, ...rest } = extra;
  return rest;
}

/**
 * The API's body from the form (hours to seconds), checked by the API's schema: the body, or the API's
 * message with the form field its pointer names.
 */
export function joinTokenBody(
  form: JoinTokenForm,
): { body: JoinTokenCreateBody } | { problem: FieldProblem } {
  const body: Record<string, unknown> = { name: form.name ?? '' };
  const number = (text: string | undefined, fieldName: string): number | FieldProblem | undefined => {
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    return Number.isFinite(value) ? value : { field: fieldName, message: `"${text}" is not a number.` };
  };
  const hours = number(form.expires_in_hours, 'expires_in_hours');
  if (typeof hours === 'object') return { problem: hours };
  if (hours !== undefined) body.expires_in_seconds = Math.round(hours * 3600);
  const uses = number(form.max_uses, 'max_uses');
  if (typeof uses === 'object') return { problem: uses };
  if (uses !== undefined) body.max_uses = uses;
  try {
    return { body: checkAgainstSchema(JoinTokenCreateSchema, body) };
  } catch (error) {
    if (!(error instanceof LatchkeyError)) throw error;
    const pointer = error.pointer ?? '';
    const fieldName = pointer.startsWith('/expires_in_seconds')
      ? 'expires_in_hours'
      : pointer.startsWith('/max_uses')
        ? 'max_uses'
        : pointer.startsWith('/name')
          ? 'name'
          : undefined;
    return { problem: { ...(fieldName === undefined ? {} : { field: fieldName }), message: error.message } };
  }
}

/** The install line of a join token's secret, and what the admin should know about it. */
async function installLineFor(
  app: FastifyInstance,
  services: Services,
  secret: string,
): Promise<{ line: string; notes: string[] }> {
  const sha256 = await agentPackageSha256(app);
  const server = services.signIn.publicUrl.replace(/\/+$/, '');
  const notes = [
    ...(sha256 === undefined
      ? [
          'The server serves no agent package yet, so the line pins none: build it (npm run package:agent) and start the server with --agent-package FILE.',
        ]
      : []),
    ...(installerAccepts(server)
      ? []
      : [
          `The installer refuses ${server} (plain http beyond loopback): give the server an https:// URL, or add --allow-insecure-http on a test network only.`,
        ]),
  ];
  return { line: installLine(server, secret, sha256), notes };
}

/** The line a host runs (the CLI's `join-token create` prints the same, cli/src/domain/admin). */
export function installLine(server: string, secret: string, packageSha256?: string): string {
  const pin = packageSha256 === undefined ? '' : ` --sha256 ${packageSha256}`;
  return `curl -fsSL ${server}/install.sh | sudo bash -s -- --token ${secret}${pin}`;
}

/** The installer takes https, and plain http on loopback only (the CLI's installerAcceptsUrl). */
function installerAccepts(server: string): boolean {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return (
    url.protocol === 'http:' &&
    (url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(url.hostname))
  );
}

/** The agent package's sha256 as this server serves it (routes/agent-downloads.ts), to pin the line. */
export async function agentPackageSha256(app: FastifyInstance): Promise<string | undefined> {
  const answer = await app.inject({ method: 'GET', url: AGENT_PACKAGE_SHA256_PATH });
  if (answer.statusCode !== 200) return undefined;
  const digest = answer.body.trim().split(/\s+/)[0] ?? '';
  return /^[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}

function agentRow(agent: AgentRecord, now: number): AgentRow {
  const heartbeat = agent.heartbeat;
  const sshd = heartbeat?.sshdConfig.state;
  return {
    id: agent.id,
    hostname: agent.hostname,
    ...(agent.targetId === undefined ? {} : { targetId: agent.targetId }),
    ...(heartbeat === undefined ? {} : { version: heartbeat.version, distro: heartbeat.distro }),
    ...(agent.lastSeenAt === undefined ? {} : { lastSeen: agent.lastSeenAt.toISOString() }),
    online: agent.lastSeenAt !== undefined && now - agent.lastSeenAt.getTime() <= LIVE_SESSION_MAX_AGE_MS,
    ...(typeof sshd === 'string' ? { sshd } : {}),
    ...(heartbeat?.front === undefined ? {} : { frontPort: heartbeat.front.port }),
    ...(heartbeat?.recording === undefined ? {} : { recordingMode: heartbeat.recording.mode }),
    ...(heartbeat?.recording?.breakGlass === undefined
      ? {}
      : { breakGlassUntil: heartbeat.recording.breakGlass.until }),
    ...(heartbeat?.sessions === undefined ? {} : { sessionCount: heartbeat.sessions.length }),
  };
}

function joinTokenRow(token: JoinTokenRecord, now: number): JoinTokenRow {
  return {
    id: token.id,
    name: token.name,
    uses: token.uses,
    maxUses: token.maxUses,
    expiresAt: token.expiresAt.toISOString(),
    createdAt: token.createdAt.toISOString(),
    ...(token.revokedAt === undefined ? {} : { revokedAt: token.revokedAt.toISOString() }),
    ...(token.replacesAgentId === undefined ? {} : { replacesAgentId: token.replacesAgentId }),
    expired: token.expiresAt.getTime() <= now,
  };
}
