/**
 * The access server as the CLI uses it (docs/sign-in.md): the operations every client shares, with the
 * failures shared/src/api/access-server-protocol.ts gives (`unauthenticated` for a 401 or a refused
 * refresh token, `permission_denied` with the server's own words for a 403, `unavailable` when the server
 * cannot be reached or answers 5xx).
 */
export type { AccessServerOperations as AccessServer } from '@latchkey/shared';
