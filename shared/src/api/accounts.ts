/** `GET /client/v4/accounts`: the accounts a token can see, so a client can find its account id. */
import Type from 'typebox';
import type { Static } from 'typebox';
import { Timestamp } from './common.js';

export const AccountSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.Literal('standard'),
  created_on: Timestamp,
});
export type Account = Static<typeof AccountSchema>;
