/** Who is making a request with a sign-in access token: the person, their session, their account. */
import type { Person } from '../../domain/access/person.js';

export interface PersonCaller {
  accountId: string;
  sessionId: string;
  /** The built-in account, when the session signed in with one. */
  userId?: string;
  person: Person;
  clientId: string;
  /** When the current access token expires. */
  expiresAt: Date;
  /** How audit events name the caller: `user:<email>`. */
  actor: string;
}

export function actorOf(email: string): string {
  return `user:${email}`;
}
