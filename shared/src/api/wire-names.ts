/**
 * Names on the wire that clients match on, apart from the schemas that describe the bodies: importing
 * them does not load the schema library (the agent daemon, which only needs these strings, stays small).
 */

/** Cloudflare's message for a second CA; clients match on it and then GET the existing one. */
export const GATEWAY_CA_ALREADY_EXISTS_MESSAGE = 'access.api.error.gateway_ca_already_exists';

/** The header carrying a session-log upload's index fields (base64url of the JSON). */
export const SSH_LOG_METADATA_HEADER = 'latchkey-log-metadata';
