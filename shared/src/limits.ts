/**
 * Latchkey's limits and defaults in one table: the numbers a client checks before it asks and the server
 * enforces when it is asked (before it, the join-token limits were written in the API schema, the CLI's
 * argument checks and the server's `join-token create` command, each with its own copy). A limit here is
 * part of the API: widening one is a change to the API schema that reads it; narrowing one may refuse what
 * worked before.
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const LIMITS = {
  /** Join tokens (`POST …/latchkey/join_tokens`, `latchkey admin join-token create`, `latchkey-server join-token create`). */
  joinToken: {
    defaultLifetimeSeconds: DAY,
    minLifetimeSeconds: MINUTE,
    maxLifetimeSeconds: 366 * DAY,
    defaultUses: 1,
    minUses: 1,
    maxUses: 100_000,
    /** The one-use token that replaces an agent (`POST …/latchkey/agents/:id/replace`) lives at most a week. */
    maxReplacementLifetimeSeconds: 7 * DAY,
  },
  /** Certificates made by shared/src/ssh/issue-certificate.ts (its caps on what a caller may ask for). */
  certificate: {
    defaultValidForSeconds: 5 * MINUTE,
    defaultBackdateSeconds: MINUTE,
    /** The longest lifetime accepted as `validForSeconds` (10 years); longer needs an explicit validBefore. */
    maxValidForSeconds: 10 * 366 * DAY,
    maxBackdateSeconds: DAY,
    maxKeyIdLength: 4096,
    maxPrincipalLength: 1024,
  },
  /** The signed-in clients (the CLI and the extension, shared/src/client/). */
  client: {
    /** How long a client waits for one answer before it says the server cannot be reached. */
    requestTimeoutMs: 20_000,
    /** Refresh this long before the access token's expiry, so a request never races the expiry. */
    refreshMarginMs: 30_000,
    /** RFC 8628 §3.5: the default polling interval of the device flow, and what `slow_down` adds to it. */
    devicePollIntervalSeconds: 5,
    deviceSlowDownSeconds: 5,
  },
} as const;
