/**
 * Cloudflare's tunnel routes (`/accounts/{account_id}/teamnet/routes`, issue 14, connectors): a private
 * network of a virtual network, reached through a connector agent (`tunnel_id` is the agent's id).
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { PageQueryFields, Timestamp, Uuid } from './common.js';

const Network = Type.String({
  minLength: 1,
  maxLength: 100,
  description:
    'The private IPv4 or IPv6 range, in CIDR notation (10.77.0.0/24, fd00::/64); a bare address is a /32 or /128. ' +
    'Host bits past the prefix are refused. Answers give the canonical form.',
});
const Comment = Type.String({ maxLength: 1000 });
const TunnelId = Type.String({
  format: 'uuid',
  description: 'The connector: the id of the agent that dials addresses of this network.',
});

export const TunnelRouteCreateSchema = Type.Object(
  {
    network: Network,
    tunnel_id: TunnelId,
    comment: Type.Optional(Comment),
    virtual_network_id: Type.Optional(
      Type.String({
        format: 'uuid',
        description: "The virtual network (default: the account's default network).",
      }),
    ),
  },
  { additionalProperties: false },
);
export type TunnelRouteCreateBody = Static<typeof TunnelRouteCreateSchema>;

export const TunnelRoutePatchSchema = Type.Object(
  {
    network: Type.Optional(Network),
    tunnel_id: Type.Optional(TunnelId),
    comment: Type.Optional(Comment),
    virtual_network_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'Move the route to this virtual network.' }),
    ),
  },
  { additionalProperties: false },
);
export type TunnelRoutePatchBody = Static<typeof TunnelRoutePatchSchema>;

export const TunnelRouteListQuerySchema = Type.Object(
  {
    tunnel_id: Type.Optional(Type.String({ format: 'uuid', description: 'Only the routes of this agent.' })),
    virtual_network_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'Only the routes of this virtual network.' }),
    ),
    is_deleted: Type.Optional(
      Type.Boolean({
        description:
          'true: deleted routes, which Latchkey removes rather than keeps, so always none; false: the live ones (all).',
      }),
    ),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type TunnelRouteListQuery = Static<typeof TunnelRouteListQuerySchema>;

export const TunnelRouteSchema = Type.Object({
  id: Uuid,
  network: Type.String({ description: 'The private network, as a canonical CIDR.' }),
  tunnel_id: TunnelId,
  virtual_network_id: Type.String({ format: 'uuid', description: 'The virtual network of the route.' }),
  comment: Type.String(),
  created_at: Timestamp,
  deleted_at: Type.Optional(Timestamp),
});
export type TunnelRoute = Static<typeof TunnelRouteSchema>;

export const TunnelRouteIpParams = Type.Object({
  account_id: Type.String({ minLength: 1 }),
  ip: Type.String({ minLength: 1, maxLength: 100, description: 'An IPv4 or IPv6 address.' }),
});
export type TunnelRouteIpParamsType = Static<typeof TunnelRouteIpParams>;

export const TunnelRouteIpQuerySchema = Type.Object(
  {
    virtual_network_id: Type.Optional(
      Type.String({ format: 'uuid', description: "Search this virtual network's routes." }),
    ),
    default_virtual_network_fallback: Type.Optional(
      Type.Boolean({
        description:
          "Without virtual_network_id: true (the default) searches the default network's routes; false searches every route.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type TunnelRouteIpQuery = Static<typeof TunnelRouteIpQuerySchema>;

/** A route with the names Cloudflare adds to it in lists and in the route of an address. */
export const TunnelRouteMatchSchema = Type.Object({
  ...TunnelRouteSchema.properties,
  tunnel_name: Type.String({ description: "The agent's hostname." }),
  virtual_network_name: Type.String(),
});
export type TunnelRouteMatch = Static<typeof TunnelRouteMatchSchema>;
