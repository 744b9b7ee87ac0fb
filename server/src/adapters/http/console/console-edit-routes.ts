/**
 * Editing in place what the console's lists show, where the API lets it change: a target (PUT: its
 * hostname, addresses and tags), a virtual network (PATCH: its name and comment) and a tunnel route (PATCH:
 * its network, agent, virtual network and comment). Each through the use case the API's route calls, after the API's schema and
 * validators, so each is the same audit event naming the person, and a refusal is the API's message at
 * the field its pointer names.
 *
 * Registered by console-routes.ts inside the console's scope (its headers, CSRF and error pages).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  LatchkeyError,
  TargetInputSchema,
  TunnelRoutePatchSchema,
  VirtualNetworkPatchSchema,
  checkAgainstSchema,
  httpStatusFor,
  validateTargetInput,
} from '@latchkey/shared';
import type { Target } from '@latchkey/shared';
import type { ConsoleCaller } from '../../../app/console/console-sessions.js';
import type { Services } from '../../../app/services.js';
import { getTarget, replaceTarget } from '../../../app/targets.js';
import { getTunnelRoute, updateTunnelRoute } from '../../../app/tunnel-routes.js';
import {
  getVirtualNetwork,
  listVirtualNetworks,
  updateVirtualNetwork,
} from '../../../app/virtual-networks.js';
import { listAgents } from '../../../app/agents/agent-heartbeat.js';
import { presentTarget } from '../../../domain/api-representation.js';
import { PERMISSIONS } from '../../../domain/permissions.js';
import type { ConsoleKit } from './console-admin-routes.js';
import type { FieldProblem } from './render-console-forms.js';
import { renderEditPage } from './render-console-edit-pages.js';
import type { EditField } from './render-console-edit-pages.js';

const edit = PERMISSIONS.zeroTrustEdit;

export function consoleEditRoutes(app: FastifyInstance, services: Services, kit: ConsoleKit): void {
  const hidden = { schema: { hide: true } };
  const { allowed, allowedChange, viewerFor, html, field } = kit;
  const idParam = (request: FastifyRequest, name: string) =>
    ((request.params as Record<string, string>)[name] ?? '').toLowerCase();

  /** GET shows the form filled from what is stored; POST saves or shows the refusal at its field. */
  const editable = <Stored>(options: {
    path: string;
    param: string;
    load: (caller: ConsoleCaller, id: string) => Promise<Stored>;
    title: (stored: Stored) => string;
    current: string;
    back: string;
    intro: string;
    fields: (stored: Stored, form?: Record<string, string>) => EditField[];
    save: (caller: ConsoleCaller, stored: Stored, form: Record<string, string>) => Promise<void>;
    /** The form field of an API pointer's first segment. */
    pointers: Record<string, string>;
    /** The form field a conflict without a pointer is about (a name already taken). */
    conflictField?: string;
    done: string;
  }) => {
    const show = (
      reply: FastifyReply,
      caller: ConsoleCaller,
      status: number,
      id: string,
      stored: Stored,
      form?: Record<string, string>,
      problem?: FieldProblem,
    ) =>
      html(
        reply,
        status,
        renderEditPage(viewerFor(caller), {
          title: options.title(stored),
          current: options.current,
          back: options.back,
          intro: options.intro,
          action: `/console${options.path.replace(`:${options.param}`, encodeURIComponent(id))}`,
          fields: options.fields(stored, form),
          submit: 'Save',
          ...(problem === undefined ? {} : { problem }),
        }),
      );
    app.get(options.path, hidden, async (request, reply) => {
      const caller = await allowed(request, reply, edit);
      if (caller === undefined) return reply;
      const id = idParam(request, options.param);
      return show(reply, caller, 200, id, await options.load(caller, id));
    });
    app.post(options.path, hidden, async (request, reply) => {
      const caller = await allowedChange(request, reply, edit);
      if (caller === undefined) return reply;
      const id = idParam(request, options.param);
      const stored = await options.load(caller, id);
      const form = Object.fromEntries(
        options.fields(stored).map((entry) => [entry.name, field(request.body, entry.name)]),
      );
      try {
        await options.save(caller, stored, form);
      } catch (error) {
        if (!(error instanceof LatchkeyError) || httpStatusFor(error.code) === 500) throw error;
        const at =
          options.pointers[(error.pointer ?? '').split('/')[1] ?? ''] ??
          (error.code === 'conflict' ? options.conflictField : undefined);
        return show(reply, caller, httpStatusFor(error.code), id, stored, form, {
          ...(at === undefined ? {} : { field: at }),
          message: error.message,
        });
      }
      return reply.code(303).header('location', options.done).send();
    });
  };

  editable<Target>({
    path: '/targets/:target_id',
    param: 'target_id',
    load: async (caller, id) => presentTarget(await getTarget(services, caller, id)),
    title: (target) => `Target ${target.hostname}`,
    current: '/console/targets',
    back: '/console/targets',
    intro:
      'The name people connect to, its addresses and its tags (apps can select targets by tag). A target its agent registered is registered again by the agent when its host’s name or addresses change.',
    fields: (target, form) => [
      { name: 'hostname', label: 'Hostname', value: form?.hostname ?? target.hostname, required: true },
      {
        name: 'ipv4',
        label: 'IPv4 address',
        value: form?.ipv4 ?? target.ip.ipv4?.ip_addr ?? '',
        hint: 'Kept in its virtual network; empty: none (a target needs an IPv4 or an IPv6 address).',
      },
      { name: 'ipv6', label: 'IPv6 address', value: form?.ipv6 ?? target.ip.ipv6?.ip_addr ?? '' },
      {
        name: 'tags',
        label: 'Tags',
        value:
          form?.tags ??
          Object.entries(target.tags ?? {})
            .map(([key, value]) => `${key}=${value}`)
            .join('\n'),
        hint: 'One key=value a line.',
        lines: 3,
      },
    ],
    save: async (caller, target, form) => {
      const network = target.ip.ipv4?.virtual_network_id ?? target.ip.ipv6?.virtual_network_id;
      const entry = (address: string, stored: string | undefined) => ({
        ip_addr: address.trim(),
        ...((stored ?? network) === undefined ? {} : { virtual_network_id: stored ?? network }),
      });
      const ip: Record<string, unknown> = {};
      if ((form.ipv4 ?? '').trim() !== '') ip.ipv4 = entry(form.ipv4!, target.ip.ipv4?.virtual_network_id);
      if ((form.ipv6 ?? '').trim() !== '') ip.ipv6 = entry(form.ipv6!, target.ip.ipv6?.virtual_network_id);
      const body = checkAgainstSchema(TargetInputSchema, {
        hostname: (form.hostname ?? '').trim(),
        ip,
        tags: tagsOf(form.tags ?? ''),
      });
      await replaceTarget(services, caller, target.id, validateTargetInput(body));
    },
    pointers: { hostname: 'hostname', ip: 'ipv4', tags: 'tags' },
    done: '/console/targets?done=saved',
  });

  editable({
    path: '/networks/:virtual_network_id',
    param: 'virtual_network_id',
    load: (caller, id) => getVirtualNetwork(services, caller, id),
    title: (network) => `Virtual network ${network.name}`,
    current: '/console/networks',
    back: '/console/networks',
    intro: 'Its name and comment. Targets and routes in it stay in it.',
    fields: (network, form) => [
      { name: 'name', label: 'Name', value: form?.name ?? network.name, required: true },
      { name: 'comment', label: 'Comment', value: form?.comment ?? network.comment },
    ],
    save: async (caller, network, form) => {
      const body = checkAgainstSchema(VirtualNetworkPatchSchema, {
        name: (form.name ?? '').trim(),
        comment: form.comment ?? '',
      });
      await updateVirtualNetwork(services, caller, network.id, body);
    },
    pointers: { name: 'name', comment: 'comment' },
    conflictField: 'name',
    done: '/console/networks?done=network-saved',
  });

  editable({
    path: '/networks/routes/:route_id',
    param: 'route_id',
    load: async (caller, id) => ({
      route: await getTunnelRoute(services, caller, id),
      agents: (await listAgents(services, caller))
        .map((agent) => ({ value: agent.id, label: agent.hostname }))
        .sort((a, b) => a.label.localeCompare(b.label)),
      networks: (await listVirtualNetworks(services, caller, {}))
        .map((network) => ({
          value: network.id,
          label: `${network.name}${network.isDefaultNetwork ? ' (default)' : ''}`,
        }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    }),
    title: ({ route }) => `Tunnel route ${route.network}`,
    current: '/console/networks',
    back: '/console/networks',
    intro:
      'Its network, the agent people reach it through, its virtual network and its comment. Moving it to another agent or virtual network takes effect at once for new connections.',
    fields: ({ route, agents, networks }, form) => [
      { name: 'network', label: 'Network (CIDR)', value: form?.network ?? route.network, required: true },
      {
        name: 'tunnel_id',
        label: 'Through the agent',
        value: form?.tunnel_id ?? route.agentId,
        options: agents.some((agent) => agent.value === route.agentId)
          ? agents
          : [{ value: route.agentId, label: route.agentId }, ...agents],
      },
      {
        name: 'virtual_network_id',
        label: 'In the virtual network',
        value: form?.virtual_network_id ?? route.virtualNetworkId,
        options: networks,
      },
      { name: 'comment', label: 'Comment', value: form?.comment ?? route.comment },
    ],
    save: async (caller, { route }, form) => {
      const body = checkAgainstSchema(TunnelRoutePatchSchema, {
        network: (form.network ?? '').trim(),
        comment: form.comment ?? '',
        ...(form.tunnel_id === undefined || form.tunnel_id === '' || form.tunnel_id === route.agentId
          ? {}
          : { tunnel_id: form.tunnel_id }),
        ...(form.virtual_network_id === undefined ||
        form.virtual_network_id === '' ||
        form.virtual_network_id === route.virtualNetworkId
          ? {}
          : { virtual_network_id: form.virtual_network_id }),
      });
      await updateTunnelRoute(services, caller, route.id, body);
    },
    pointers: {
      network: 'network',
      comment: 'comment',
      tunnel_id: 'tunnel_id',
      virtual_network_id: 'virtual_network_id',
    },
    conflictField: 'network',
    done: '/console/networks?done=route-saved',
  });
}

/** `key=value` lines as the API's tags; a line without `=` is refused at the Tags field. */
function tagsOf(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const equals = line.indexOf('=');
    if (equals <= 0) {
      throw new LatchkeyError('invalid_argument', `Line ${index + 1}: "${line}" is not key=value.`, {
        pointer: '/tags',
      });
    }
    tags[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  });
  return tags;
}
