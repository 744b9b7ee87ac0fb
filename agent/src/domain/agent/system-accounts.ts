/**
 * The host's system accounts, as the agent reports them in its heartbeat (`uid_min`, `system_users`) so the
 * server never maps an email alias to one (server/src/domain/access/system-accounts.ts). A system account is
 * one whose uid is below UID_MIN (login.defs), or the overflow uid 65534 (`nobody`). Pure: the texts of
 * /etc/login.defs and /etc/passwd in, names out. Accounts only a directory service knows (LDAP, SSSD) are
 * not in /etc/passwd; the server's list of well-known names stands in for them.
 */
import { MAX_REPORTED_SYSTEM_USERS } from '@latchkey/shared/api/agents';

/** login.defs' default on current distributions, when the file or the line is missing. */
export const DEFAULT_UID_MIN = 1000;
const OVERFLOW_UID = 65_534;

/** UID_MIN from login.defs (`UID_MIN  1000`), or the default when absent or unreadable. */
export function parseUidMin(loginDefs: string | undefined): number {
  if (loginDefs === undefined) return DEFAULT_UID_MIN;
  let uidMin = DEFAULT_UID_MIN;
  for (const line of loginDefs.split('\n')) {
    const match = /^\s*UID_MIN\s+(\d{1,10})\s*(?:#.*)?$/.exec(line);
    const value = match === null ? NaN : Number(match[1]);
    if (Number.isSafeInteger(value) && value >= 1 && value <= 2_147_483_647) uidMin = value;
  }
  return uidMin;
}

/**
 * The names in /etc/passwd whose uid is below `uidMin` (root included) or the overflow uid, in file order,
 * without duplicates, at most as many as a heartbeat may carry. Malformed lines are skipped.
 */
export function systemUsersOf(passwd: string, uidMin: number): string[] {
  const names = new Set<string>();
  for (const line of passwd.split('\n')) {
    const [name, , uidText] = line.split(':');
    if (name === undefined || uidText === undefined || !/^[a-z_][a-z0-9_.-]{0,63}\$?$/i.test(name)) continue;
    if (!/^\d{1,10}$/.test(uidText)) continue;
    const uid = Number(uidText);
    if (uid < uidMin || uid === OVERFLOW_UID) names.add(name);
    if (names.size === MAX_REPORTED_SYSTEM_USERS) break;
  }
  return [...names];
}
