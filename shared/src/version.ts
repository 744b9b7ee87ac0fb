/**
 * The version of Latchkey every part reports (`--version`, the `user-agent` of the clients, the server's
 * OpenAPI document, the agent's heartbeat). All packages are released together at this version; the
 * `version` fields of the package.json files say the same and are checked against it by
 * test/shared/version.test.ts.
 */
export const LATCHKEY_VERSION = '0.1.0';
