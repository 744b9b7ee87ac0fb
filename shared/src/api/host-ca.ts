/**
 * The account's host CA (a Latchkey addition): the public key that signs agents' SSH front host keys.
 * Clients trust it for fronted targets (`@cert-authority` in known_hosts) instead of each front's key.
 * Served to signed-in people (`GET /v1/me/host_ca`) and to admins
 * (`GET /accounts/{account_id}/latchkey/host_ca`); made on first need, apart from the user CA.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { Timestamp } from './common.js';

export const HostCaSchema = Type.Object({
  public_key: Type.String({
    description: 'One OpenSSH public key line (`ssh-ed25519 AAAA… latchkey-host-ca`).',
  }),
  key_algorithm: Type.String(),
  created_at: Timestamp,
});
export type HostCa = Static<typeof HostCaSchema>;
