/**
 * The account's SSH certificate authority (`/accounts/{account_id}/access/gateway_ca`). POST creates it
 * (Ed25519 by default; ECDSA P-256 with body `{"key_type":"ecdsa-p256"}` or `?key_type=ecdsa-p256`);
 * a second POST fails with the message GATEWAY_CA_ALREADY_EXISTS_MESSAGE. Only the public key is ever
 * returned.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { Uuid } from './common.js';

export const CA_KEY_TYPES = ['ed25519', 'ecdsa-p256'] as const;
export type CaKeyType = (typeof CA_KEY_TYPES)[number];

export { GATEWAY_CA_ALREADY_EXISTS_MESSAGE } from './wire-names.js';

const KeyType = Type.Enum([...CA_KEY_TYPES], { description: 'The CA key algorithm (default ed25519).' });

export const GatewayCaCreateSchema = Type.Object(
  { key_type: Type.Optional(KeyType) },
  { additionalProperties: false },
);
export type GatewayCaCreateBody = Static<typeof GatewayCaCreateSchema>;

export const GatewayCaCreateQuerySchema = Type.Object(
  { key_type: Type.Optional(KeyType) },
  { additionalProperties: false },
);

export const GatewayCaSchema = Type.Object({
  id: Uuid,
  public_key: Type.String({ description: 'The CA public key as an authorized-keys line.' }),
});
export type GatewayCa = Static<typeof GatewayCaSchema>;
