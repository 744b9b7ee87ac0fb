/** Cloudflare's virtual networks (`/accounts/{account_id}/teamnet/virtual_networks`). */
import Type from 'typebox';
import type { Static } from 'typebox';
import { PageQueryFields, Timestamp, Uuid } from './common.js';

const Name = Type.String({ minLength: 1, maxLength: 255, description: 'Unique within the account.' });
const Comment = Type.String({ maxLength: 1000 });
const IsDefault = Type.Boolean({
  description: 'true makes this the default network; the previous default stops being one.',
});

export const VirtualNetworkCreateSchema = Type.Object(
  {
    name: Name,
    comment: Type.Optional(Comment),
    is_default_network: Type.Optional(IsDefault),
    is_default: Type.Optional(Type.Boolean({ description: 'Deprecated alias of is_default_network.' })),
  },
  { additionalProperties: false },
);
export type VirtualNetworkCreateBody = Static<typeof VirtualNetworkCreateSchema>;

export const VirtualNetworkPatchSchema = Type.Object(
  {
    name: Type.Optional(Name),
    comment: Type.Optional(Comment),
    is_default_network: Type.Optional(IsDefault),
    is_default: Type.Optional(Type.Boolean({ description: 'Deprecated alias of is_default_network.' })),
  },
  { additionalProperties: false },
);
export type VirtualNetworkPatchBody = Static<typeof VirtualNetworkPatchSchema>;

export const VirtualNetworkListQuerySchema = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'The whole network name.' })),
    is_default_network: Type.Optional(
      Type.Boolean({ description: 'Only the default (true) or only the others.' }),
    ),
    is_default: Type.Optional(Type.Boolean({ description: 'Deprecated alias of is_default_network.' })),
    is_deleted: Type.Optional(
      Type.Boolean({
        description:
          'true: deleted networks, which Latchkey removes rather than keeps, so always none; false: the live ones (all).',
      }),
    ),
    id: Type.Optional(Uuid),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type VirtualNetworkListQuery = Static<typeof VirtualNetworkListQuerySchema>;

export const VirtualNetworkSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  comment: Type.String(),
  is_default_network: Type.Boolean(),
  created_at: Timestamp,
  deleted_at: Type.Optional(Timestamp),
});
export type VirtualNetwork = Static<typeof VirtualNetworkSchema>;
