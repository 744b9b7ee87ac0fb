/**
 * What `latchkey whoami` prints: who the server says you are, your groups, how you signed in, and your
 * sign-in session. The server's answer holds names that came from elsewhere (an identity provider's email
 * and groups), so every field is escaped for the terminal (terminal-text.ts).
 */
import type { Me } from './access-api.js';
import { escapeForTerminal } from './terminal-text.js';

export function describeMe(server: string, me: Me): string {
  const safe = (value: unknown) => escapeForTerminal(String(value));
  return [
    safe(me.email),
    `  server:        ${safe(server)}`,
    `  groups:        ${me.groups.length === 0 ? '(none)' : me.groups.map(safe).join(', ')}`,
    `  signed in via: ${safe(me.login_method)} (${me.auth_methods.map(safe).join(', ')})`,
    `  session:       ${safe(me.session_id)}, until ${safe(me.expires_at)}`,
  ]
    .map((line) => `${line}\n`)
    .join('');
}
