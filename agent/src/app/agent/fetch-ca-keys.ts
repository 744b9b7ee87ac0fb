/**
 * The CA public keys sshd should trust. From Latchkey: `GET gateway_ca` (the admin made the CA). From
 * Cloudflare (`createIfMissing`): `POST gateway_ca` first, as Cloudflare's guide does, and on
 * `gateway_ca_already_exists` the `GET`.
 */
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import type { ControlPlane } from '../ports/control-plane.js';

export async function fetchCaKeys(
  controlPlane: ControlPlane,
  options: { createIfMissing: boolean },
): Promise<string[]> {
  if (options.createIfMissing) {
    const created = await controlPlane.createCa();
    if (created !== undefined) return [created];
  }
  const keys = await controlPlane.listCaPublicKeys();
  if (keys.length === 0) {
    throw new LatchkeyError(
      'not_found',
      'the account has no SSH CA yet: create it (POST …/access/gateway_ca) and the agent will pick it up',
    );
  }
  return keys;
}
