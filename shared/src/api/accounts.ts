/** `GET /client/v4/accounts`: the accounts a token can see, so a client can find its account id. */
import Type from 'typebox';
import type { Static } from 'typebox';
import { PageQueryFields, Timestamp } from './common.js';

export const AccountSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.Literal('standard'),
  created_on: Timestamp,
});
export type Account = Static<typeof AccountSchema>;

export const AccountListQuerySchema = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'Exact account name (case-insensitive).' })),
    direction: Type.Optional(Type.Enum(['asc', 'desc'], { description: 'Order by name.' })),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type AccountListQuery = Static<typeof AccountListQuerySchema>;
