/** The SSH CA (access/gateway_ca) and the session-log key (gateway/audit_ssh_settings). */
import Type from 'typebox';
import {
  AccountAndIdParams,
  AccountParams,
  AuditSshSettingsInputSchema,
  AuditSshSettingsSchema,
  CaRotationActionSchema,
  CaRotationSchema,
  GatewayCaCreateQuerySchema,
  GatewayCaCreateSchema,
  GatewayCaSchema,
  HostCaSchema,
  IdResult,
  LatchkeyError,
  validateAuditSshSettingsInput,
} from '@latchkey/shared';
import {
  getAuditSshSettings,
  putAuditSshSettings,
  rotateAuditSshSeed,
} from '../../../app/audit-ssh-settings.js';
import { createGatewayCa, deleteGatewayCa, listGatewayCas } from '../../../app/gateway-ca.js';
import {
  cancelCaRotation,
  completeCaRotation,
  getCaRotation,
  startCaRotation,
  switchCaRotation,
} from '../../../app/ca-rotation.js';
import { accountHostCa } from '../../../app/host-ca.js';
import {
  presentAuditSshSettings,
  presentCaRotation,
  presentGatewayCa,
  presentHostCa,
} from '../../../domain/api-representation.js';
import { PERMISSIONS } from '../../../domain/permissions.js';
import { ACCOUNT_PREFIX } from './route-context.js';
import type { RouteContext } from './route-context.js';

export function sshAuditingRoutes({ route, services }: RouteContext): void {
  const ca = `${ACCOUNT_PREFIX}/access/gateway_ca`;
  const caTags = ['SSH CA'];

  route({
    method: 'POST',
    url: ca,
    access: PERMISSIONS.sshAuditingEdit,
    summary: 'Create the account SSH CA',
    description:
      'No body: an Ed25519 CA. {"key_type":"ecdsa-p256"} (or ?key_type=ecdsa-p256) makes an ECDSA P-256 CA, like ' +
      "Cloudflare's. A second POST fails with the message access.api.error.gateway_ca_already_exists. The private " +
      'key never leaves the server.',
    tags: caTags,
    params: AccountParams,
    querystring: GatewayCaCreateQuerySchema,
    body: GatewayCaCreateSchema,
    result: GatewayCaSchema,
    handle: async ({ caller, body, query }) => {
      if (body.key_type !== undefined && query.key_type !== undefined && body.key_type !== query.key_type) {
        throw new LatchkeyError('invalid_argument', '/key_type contradicts the key_type query parameter', {
          pointer: '/key_type',
        });
      }
      const keyType = body.key_type ?? query.key_type ?? 'ed25519';
      return { result: presentGatewayCa(await createGatewayCa(services, caller, keyType)) };
    },
  });
  route({
    method: 'GET',
    url: ca,
    access: PERMISSIONS.sshAuditingRead,
    summary: 'List the account SSH CA (public key)',
    tags: caTags,
    params: AccountParams,
    result: Type.Array(GatewayCaSchema),
    handle: async ({ caller }) => ({
      result: (await listGatewayCas(services, caller)).map(presentGatewayCa),
    }),
  });
  const rotation = `${ACCOUNT_PREFIX}/latchkey/ca_rotation`;
  route({
    method: 'GET',
    url: rotation,
    access: PERMISSIONS.sshAuditingRead,
    summary: 'The rotation of the account SSH CA: its phase, the current and the next CA',
    tags: caTags,
    params: AccountParams,
    result: CaRotationSchema,
    handle: async ({ caller }) => ({ result: presentCaRotation(await getCaRotation(services, caller)) }),
  });
  route({
    method: 'POST',
    url: rotation,
    access: PERMISSIONS.sshAuditingEdit,
    summary: 'Move the rotation of the account SSH CA on: start, switch, complete or cancel',
    description:
      "Rotates the CA without downtime (Teleport's phases): `start` makes the next CA, which agents trust " +
      'beside the current one from their next cycle (`GET gateway_ca` lists both); `switch` makes it sign ' +
      'new certificates (409 while agents heard from in the last 10 minutes report fewer than two CA keys, ' +
      'unless `force`); `complete` drops the old CA once no certificate it signed can still be valid (409 ' +
      'before `completable_at`); `cancel` drops the next CA before the switch. Open sessions are never cut. ' +
      'Audit events `gateway_ca.rotation.start|switch|complete|cancel`.',
    tags: caTags,
    params: AccountParams,
    body: CaRotationActionSchema,
    result: CaRotationSchema,
    handle: async ({ caller, body }) => {
      const moved =
        body.action === 'start'
          ? await startCaRotation(services, caller)
          : body.action === 'switch'
            ? await switchCaRotation(services, caller, { force: body.force === true })
            : body.action === 'complete'
              ? await completeCaRotation(services, caller)
              : await cancelCaRotation(services, caller);
      return { result: presentCaRotation(moved) };
    },
  });
  route({
    method: 'DELETE',
    url: `${ca}/:ca_id`,
    access: PERMISSIONS.sshAuditingEdit,
    summary: 'Delete the account SSH CA',
    tags: caTags,
    params: AccountAndIdParams('ca_id'),
    result: IdResult,
    handle: async ({ caller, params }) => ({
      result: { id: (await deleteGatewayCa(services, caller, params.ca_id.toLowerCase())).id },
    }),
  });

  route({
    method: 'GET',
    url: `${ACCOUNT_PREFIX}/latchkey/host_ca`,
    access: PERMISSIONS.sshAuditingRead,
    summary: "The account's host CA (public key), which signs agents' SSH front host keys",
    description:
      "Apart from the SSH CA (gateway_ca): it certifies the agents' fronts to people's clients, never people. " +
      'Made on first need (this call, a signed-in person asking, or the first heartbeat of an agent with a front); ' +
      'the private key never leaves the server.',
    tags: caTags,
    params: AccountParams,
    result: HostCaSchema,
    handle: async ({ caller }) => ({
      result: presentHostCa(await accountHostCa(services, caller.accountId)),
    }),
  });

  const settings = `${ACCOUNT_PREFIX}/gateway/audit_ssh_settings`;
  const settingsTags = ['SSH command logging'];
  route({
    method: 'GET',
    url: settings,
    access: PERMISSIONS.sshAuditingRead,
    summary: 'Get the session-log encryption key',
    tags: settingsTags,
    params: AccountParams,
    result: AuditSshSettingsSchema,
    handle: async ({ caller }) => ({
      result: presentAuditSshSettings(await getAuditSshSettings(services, caller), services.clock()),
    }),
  });
  route({
    method: 'PUT',
    url: settings,
    access: PERMISSIONS.sshAuditingEdit,
    summary: 'Set the session-log encryption key',
    description: 'public_key: base64 of the raw 32-byte X25519 public key; "" turns command logging off.',
    tags: settingsTags,
    params: AccountParams,
    body: AuditSshSettingsInputSchema,
    result: AuditSshSettingsSchema,
    handle: async ({ caller, body }) => ({
      result: presentAuditSshSettings(
        await putAuditSshSettings(services, caller, validateAuditSshSettingsInput(body)),
        services.clock(),
      ),
    }),
  });
  route({
    method: 'POST',
    url: `${settings}/rotate_seed`,
    access: PERMISSIONS.sshAuditingEdit,
    summary: 'Rotate the seed id of the session-log settings (Cloudflare-compatible)',
    description:
      "A new seed_id; the key is unchanged. Cloudflare's seed names its SSH proxy's host key identity; Latchkey has no such proxy key, so the new seed_id only marks the rotation.",
    tags: settingsTags,
    params: AccountParams,
    result: AuditSshSettingsSchema,
    handle: async ({ caller }) => ({
      result: presentAuditSshSettings(await rotateAuditSshSeed(services, caller), services.clock()),
    }),
  });
}
