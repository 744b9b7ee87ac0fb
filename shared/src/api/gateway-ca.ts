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

/**
 * A rotation of the account's SSH CA (Latchkey addition, `…/latchkey/ca_rotation`). `standby`: none under
 * way. `init`: the next CA is trusted beside the current one (both are listed by `GET gateway_ca`), the
 * current one still signs. `update_clients`: the next CA signs; the current one is still trusted until
 * `completable_at`, when no certificate it signed can still be valid.
 */
export const CA_ROTATION_PHASES = ['standby', 'init', 'update_clients'] as const;
export const CA_ROTATION_ACTIONS = ['start', 'switch', 'complete', 'cancel'] as const;

export const CaRotationSchema = Type.Object({
  phase: Type.Enum([...CA_ROTATION_PHASES]),
  current: GatewayCaSchema,
  next: Type.Optional(GatewayCaSchema),
  started_at: Type.Optional(Type.String({ format: 'date-time' })),
  switched_at: Type.Optional(Type.String({ format: 'date-time' })),
  completable_at: Type.Optional(
    Type.String({ format: 'date-time', description: 'From when `complete` is allowed.' }),
  ),
});
export type CaRotation = Static<typeof CaRotationSchema>;

export const CaRotationActionSchema = Type.Object(
  {
    action: Type.Enum([...CA_ROTATION_ACTIONS], {
      description:
        '`start` (standby → init), `switch` (init → update_clients; refused while agents heard from in the ' +
        'last 10 minutes do not trust the next CA, unless `force`), `complete` (update_clients → standby, ' +
        'once no certificate of the old CA can be valid), `cancel` (init → standby).',
    }),
    force: Type.Optional(
      Type.Boolean({ description: 'Switch even if some agents do not trust the next CA yet.' }),
    ),
  },
  { additionalProperties: false },
);
export type CaRotationActionBody = Static<typeof CaRotationActionSchema>;
