/**
 * The critical option that binds a person's certificate to one agent-managed target (DESIGN.md flow 5).
 *
 * Its value is the target's id (a lowercase UUID). OpenSSH refuses any certificate carrying a critical
 * option it does not understand (`Certificate critical option "…" is not supported`), so a certificate
 * with this option opens no plain sshd; only the agent's SSH front understands it, and the front of the
 * target it names is the only one that accepts it.
 */
export const TARGET_BINDING_OPTION = 'target@latchkey.dev';
