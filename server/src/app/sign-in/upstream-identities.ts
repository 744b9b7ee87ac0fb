/**
 * People from upstream OIDC providers are keyed by (issuer, subject), never by their email string
 * (issue 13). An email belongs to one person: a built-in account, or the first upstream identity seen
 * with it. Another identity with the same email (a second provider, or a new subject at the same one) is
 * refused, so it can neither take that person's grants (email rules, a built-in admin's) nor their live
 * sessions, unless an admin links it (`latchkey-server user link`): then it is that person, and a
 * built-in account with the email is its account (disabling it ends the linked sign-ins too).
 */
import { LatchkeyError } from '@latchkey/shared';
import type { UpstreamIdentity } from '../ports/upstream-identity-provider.js';
import type { Repositories, StoreOf } from '../ports/store.js';
import type { Services } from '../services.js';
import { actorOf } from './person-caller.js';

/**
 * What claiming and linking upstream identities need: the identities, the built-in accounts (an email
 * may be theirs), the audit trail, and the time (when an identity was last seen).
 */
export type UpstreamIdentitiesDeps = Pick<Services, 'clock'> & {
  store: StoreOf<'upstreamIdentities' | 'users' | 'auditEvents'>;
};

/**
 * At the end of an upstream login: the identity may use its email, and is remembered with it; else
 * `unauthenticated` saying who has the email and how an admin links them (audited as `sign_in.failed`).
 */
export async function claimUpstreamIdentity(
  services: UpstreamIdentitiesDeps,
  accountId: string,
  identity: UpstreamIdentity,
): Promise<void> {
  const refusal = await services.store.transaction(async (tx) => {
    const existing = await tx.upstreamIdentities.get(accountId, identity.issuer, identity.subject);
    const linked = existing !== undefined && existing.linked && existing.email === identity.email;
    if (!linked) {
      const holder = await otherHolder(tx, accountId, identity);
      if (holder !== undefined) return holder;
    }
    try {
      await tx.upstreamIdentities.save({
        accountId,
        issuer: identity.issuer,
        subject: identity.subject,
        providerId: identity.providerId,
        email: identity.email,
        linked,
        seenAt: services.clock(),
      });
    } catch (error) {
      // Another first sign-in with this email won the race.
      if (error instanceof LatchkeyError && error.code === 'conflict') return 'another person';
      throw error;
    }
    return undefined;
  });
  if (refusal === undefined) return;
  await services.store.auditEvents.append(accountId, {
    actor: actorOf(identity.email),
    action: 'sign_in.failed',
    resourceType: 'user',
    resourceId: identity.email,
    after: {
      method: 'oidc',
      reason: 'email_in_use',
      login_method: identity.providerId,
      issuer: identity.issuer,
      subject: identity.subject,
    },
  });
  throw new LatchkeyError(
    'unauthenticated',
    `the email ${identity.email} already belongs to ${refusal} in Latchkey, and a different sign-in is never ` +
      'taken for them. If it is the same person, an administrator can link this sign-in: ' +
      `latchkey-server user link ${identity.email} --issuer ${identity.issuer} --subject ${identity.subject}`,
  );
}

/** Who else has this email (a description), or undefined when nobody does. */
async function otherHolder(
  tx: Pick<Repositories, 'users' | 'upstreamIdentities'>,
  accountId: string,
  identity: UpstreamIdentity,
): Promise<string | undefined> {
  if ((await tx.users.getByEmail(accountId, identity.email)) !== undefined) return 'a built-in account';
  const others = (await tx.upstreamIdentities.listByEmail(accountId, identity.email)).filter(
    (other) => other.issuer !== identity.issuer || other.subject !== identity.subject,
  );
  const other = others[0];
  if (other === undefined) return undefined;
  return other.issuer === identity.issuer
    ? `another account of the same identity provider (${other.providerId || other.issuer})`
    : `a person who signs in with ${other.providerId || other.issuer}`;
}

/** The built-in account a linked identity is, if any (its sign-ins then follow that account's state). */
export async function linkedUserId(
  services: { store: Pick<Repositories, 'upstreamIdentities' | 'users'> },
  accountId: string,
  identity: Pick<UpstreamIdentity, 'issuer' | 'subject' | 'email'>,
): Promise<string | undefined> {
  const record = await services.store.upstreamIdentities.get(accountId, identity.issuer, identity.subject);
  if (record === undefined || !record.linked || record.email !== identity.email) return undefined;
  return (await services.store.users.getByEmail(accountId, identity.email))?.id;
}

/**
 * An admin's link: the identity (issuer, subject) may sign in as the person with this email, whoever
 * else has it. Audit event `user.link`.
 */
export async function linkUpstreamIdentity(
  services: UpstreamIdentitiesDeps,
  accountId: string,
  input: { email: string; issuer: string; subject: string; providerId?: string },
  actor: string,
) {
  const email = input.email.trim().toLowerCase();
  const issuer = input.issuer.trim();
  const subject = input.subject;
  if (issuer === '' || subject === '') {
    throw new LatchkeyError(
      'invalid_argument',
      '--issuer and --subject are required (the refusal names them)',
    );
  }
  return services.store.transaction(async (tx) => {
    const before = await tx.upstreamIdentities.get(accountId, issuer, subject);
    const record = await tx.upstreamIdentities.save({
      accountId,
      issuer,
      subject,
      providerId: input.providerId ?? before?.providerId ?? '',
      email,
      linked: true,
    });
    await tx.auditEvents.append(accountId, {
      actor,
      action: 'user.link',
      resourceType: 'person',
      resourceId: email,
      ...(before === undefined ? {} : { before: { email: before.email, linked: before.linked } }),
      after: { email, issuer, subject, linked: true },
    });
    return record;
  });
}
