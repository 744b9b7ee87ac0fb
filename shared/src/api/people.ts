/**
 * People (Latchkey additions under `/accounts/{account_id}/latchkey/people`): an admin's "sign out
 * everywhere" for one person. Every sign-in session with that email (built-in account or any upstream
 * provider) is revoked with its refresh token, and the person's SSH sessions are ended on every target.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { Uuid } from './common.js';

export const SignOutEverywhereSchema = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 320, description: "The person's email." }) },
  { additionalProperties: false },
);
export type SignOutEverywhereBody = Static<typeof SignOutEverywhereSchema>;

export const SignOutEverywhereResultSchema = Type.Object({
  email: Type.String({ description: 'Lowercased.' }),
  sign_in_sessions: Type.Array(Uuid, { description: 'The sign-in sessions revoked now.' }),
  termination_id: Type.Integer({ description: 'The order that ends their SSH sessions at agents.' }),
});
export type SignOutEverywhereResult = Static<typeof SignOutEverywhereResultSchema>;
