/**
 * Every stable error code Latchkey uses, with the HTTP status it maps to. This is the one table:
 * the server's error handler, the CLI's messages and the tests all read it. Codes are part of the
 * public contract: add new ones, never rename or reuse one.
 */
export const ERROR_CODES = {
  // Generic input problems.
  invalid_argument: 400,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unauthenticated: 401,
  permission_denied: 403,
  internal: 500,
  unavailable: 503,

  // Encodings and keys (shared/ssh).
  malformed_base64: 400,
  malformed_key: 400,
  unsupported_key_type: 400,
  malformed_certificate: 400,
  certificate_truncated: 400,
  certificate_trailing_data: 400,
  certificate_length_out_of_range: 400,
  certificate_bad_signature: 400,
  certificate_wrong_type: 400,
  invalid_certificate_options: 400,

  // Session logs and auditor keys (shared/session-log).
  invalid_auditor_key: 400,
  malformed_session_log: 400,
  session_log_decryption_failed: 400,

  // Configuration read at start-up.
  invalid_config: 400,

  // The agent's sshd configuration (agent/src/domain): an sshd_config that sshd itself would reject, or
  // Latchkey's own markers in it damaged by hand.
  invalid_sshd_config: 400,

  // Sign-in and authorization (server): a policy decision that refuses a certificate (a value in the
  // domain, this code at the HTTP edge).
  access_denied: 403,

  // Sign-in through an upstream OIDC provider (server/src/adapters/oidc): the provider cannot be reached or
  // answers with a server-side failure (Latchkey is the gateway in front of it, hence 502).
  upstream_unavailable: 502,

  // Routing (server/src/adapters/http/envelope-errors.ts): no route has this path, or the path exists for
  // other methods only. Sent as `latchkey_code` since the first release, in the table since issue 17.
  route_not_found: 404,
  method_not_allowed: 405,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function httpStatusFor(code: ErrorCode): number {
  return ERROR_CODES[code];
}
