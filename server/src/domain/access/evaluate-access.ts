/**
 * Which targets a person may reach, as which UNIX users, and whether a certificate may be issued
 * (docs/sign-in.md "Which targets, which usernames").
 *
 * An infrastructure app covers a target on a port when one of its `target_criteria` has
 * `protocol: "SSH"`, that `port`, and selects the target (target-criteria.ts: the flat hostname list,
 * or the include/require/exclude rule form over hostnames and tags). An app with an `mfa_config` counts
 * only for a person whose sign-in shows the MFA it asks for, authenticated no longer ago than its
 * `session_duration` (mfa-requirement.ts). Every policy of
 * every app covering (target, port) is evaluated; the grant is the union over the matching ones of
 * their `connection_rules.ssh` usernames (plus the person's email alias where `allow_email_alias` is
 * true, never root or a system account: system-accounts.ts) and forwarding permissions. Precedence does not matter: policies only allow.
 *
 * This runs for every certificate request, so it works per call without global state, evaluates each
 * app's policies at most once per call, and indexes the apps by hostname when listing many targets.
 */
import { unixUsernameProblem } from '@latchkey/shared';
import type { InfrastructureAppRecord, JsonValue, PolicyRecord, TargetRecord } from '../records.js';
import type { AccessCatalog } from './access-catalog.js';
import { policyMatchesIn } from './evaluate-policy.js';
import { mfaSatisfied, mfaSessionFresh, mfaSessionSeconds, requiredAuthMethods } from './mfa-requirement.js';
import { emailAlias } from './person.js';
import { aliasAllowed, type TargetAccounts } from './system-accounts.js';
import type { Person } from './person.js';
import { RuleEvaluation } from './rule-matches.js';
import { flatHostnames, ruleCriterionMatches, sshPortOf } from './target-criteria.js';

/** What a person may do on one target through one SSH port. */
export interface TargetGrant {
  target: TargetRecord;
  port: number;
  /** Sorted, unique; includes the email alias when a matching policy allows it. */
  usernames: string[];
  allowAgentForwarding: boolean;
  allowPortForwarding: boolean;
  /** The covering apps with at least one matching policy, in catalog order. */
  appIds: string[];
  /** The matching policies, unique, in catalog order then precedence. */
  policyIds: string[];
}

export type CertificateDenialReason =
  'no_app' | 'no_policy' | 'mfa_required' | 'mfa_session_expired' | 'username_not_allowed';

export type CertificateDecision =
  | { allowed: true; grant: TargetGrant }
  | { allowed: false; reason: CertificateDenialReason; message: string };

export interface CertificateRequest {
  /** What the client named the target by (its id); the only thing a `no_app` denial repeats. */
  targetRef: string;
  username: string;
  /** The SSH port; when omitted, the lowest covered port whose grant allows the username. */
  port?: number;
}

/**
 * What the server knows of each target's UNIX accounts (from its agent), by target id: the email alias
 * never maps to a system account (system-accounts.ts). Undefined: nothing known (well-known names only).
 */
export type TargetAccountsOf = (targetId: string) => TargetAccounts | undefined;

/** The targets (among `targets`) the person may reach: one grant per (target, port) with a username, by hostname then port. */
export function reachableTargets(
  person: Person,
  catalog: AccessCatalog,
  targets: readonly TargetRecord[],
  accountsOf?: TargetAccountsOf,
): TargetGrant[] {
  const evaluation = new AccessEvaluation(person, catalog, accountsOf);
  const index = indexByHostname(catalog.apps);
  const ruleCriteria = ruleFormCriteria(catalog.apps);
  const grants: TargetGrant[] = [];
  for (const target of targets) {
    let covering = index.get(target.hostname.toLowerCase());
    if (ruleCriteria.length > 0) {
      // Rule-form criteria (tags, require, exclude) are checked target by target.
      const byPort = new Map<number, InfrastructureAppRecord[]>();
      for (const [port, apps] of covering ?? []) byPort.set(port, [...apps]);
      for (const { app, criterion, port } of ruleCriteria) {
        if (ruleCriterionMatches(criterion, target)) addApp(byPort, port, app);
      }
      covering = byPort;
    }
    if (covering === undefined) continue;
    for (const [port, apps] of covering) {
      const grant = evaluation.grant(target, port, apps);
      if (grant !== undefined && grant.usernames.length > 0) grants.push(grant);
    }
  }
  return grants.sort(byHostnameThenPort);
}

/**
 * Whether the person may get a certificate for `request.username` on `target` (undefined when the
 * requested target does not exist). Denials never name other people, policies or usernames, and a
 * missing target gets the same answer as an uncovered one, naming only what the client asked for.
 */
export function decideCertificate(
  person: Person,
  catalog: AccessCatalog,
  target: TargetRecord | undefined,
  request: CertificateRequest,
  accountsOf?: TargetAccountsOf,
): CertificateDecision {
  const noApp = (): CertificateDecision => ({
    allowed: false,
    reason: 'no_app',
    message: `no infrastructure app covers target ${request.targetRef} on SSH`,
  });
  if (target === undefined) return noApp();
  const covering = coveringApps(catalog.apps, target);
  const ports =
    request.port === undefined
      ? [...covering.keys()].sort((a, b) => a - b)
      : covering.has(request.port)
        ? [request.port]
        : [];
  if (ports.length === 0) return noApp();

  const evaluation = new AccessEvaluation(person, catalog, accountsOf);
  let anyPolicyMatched = false;
  for (const port of ports) {
    const grant = evaluation.grant(target, port, covering.get(port) ?? []);
    if (grant === undefined) continue;
    anyPolicyMatched = true;
    if (grant.usernames.includes(request.username)) return { allowed: true, grant };
  }
  if (!anyPolicyMatched && evaluation.mfaBlocked.length > 0) {
    const app = evaluation.mfaBlocked[0]!;
    const methods = person.authMethods.length === 0 ? 'none' : person.authMethods.join(', ');
    return {
      allowed: false,
      reason: 'mfa_required',
      message:
        `app ${app.name} requires a multi-factor sign-in (amr ${requiredAuthMethods(app.mfaConfig)?.join(' or ')}); ` +
        `this sign-in's methods are ${methods}: sign in again through an identity provider that reports it`,
    };
  }
  if (!anyPolicyMatched && evaluation.mfaExpired.length > 0) {
    const app = evaluation.mfaExpired[0]!;
    const ago = person.authenticatedSecondsAgo;
    return {
      allowed: false,
      reason: 'mfa_session_expired',
      message:
        `app ${app.name} accepts a sign-in authenticated at most ${(app.mfaConfig as { session_duration: string }).session_duration} ago; ` +
        `this sign-in's authentication was ${ago === undefined ? 'at an unknown time' : `${formatAge(ago)} ago`}: sign in again`,
    };
  }
  if (!anyPolicyMatched) {
    return {
      allowed: false,
      reason: 'no_policy',
      message: `no policy of the apps covering ${target.hostname} matches you`,
    };
  }
  return {
    allowed: false,
    reason: 'username_not_allowed',
    message: `you may not log in to ${target.hostname} as ${request.username}`,
  };
}

/** What one app's matching policies grant this person; the same on every (target, port) the app covers. */
interface AppShare {
  usernames: Set<string>;
  emailAlias: boolean;
  allowAgentForwarding: boolean;
  allowPortForwarding: boolean;
  policies: PolicyRecord[];
}

/** One request's evaluation: each app's policies are evaluated once, however many targets it covers. */
class AccessEvaluation {
  private readonly rules: RuleEvaluation;
  private readonly shares = new Map<InfrastructureAppRecord, AppShare | undefined>();
  private readonly policyVerdicts = new Map<PolicyRecord, boolean>();
  /** Apps whose policies matched but whose mfa_config this sign-in does not satisfy. */
  readonly mfaBlocked: InfrastructureAppRecord[] = [];
  /** Apps whose MFA this sign-in has but authenticated longer ago than their session_duration. */
  readonly mfaExpired: InfrastructureAppRecord[] = [];

  constructor(
    private readonly person: Person,
    private readonly catalog: AccessCatalog,
    private readonly accountsOf?: TargetAccountsOf,
  ) {
    this.rules = new RuleEvaluation(person, catalog.groups);
  }

  /** The grant on (target, port) from the apps covering it, or undefined when none of their policies matches. */
  grant(
    target: TargetRecord,
    port: number,
    apps: readonly InfrastructureAppRecord[],
  ): TargetGrant | undefined {
    const usernames = new Set<string>();
    let alias = false;
    let allowAgentForwarding = false;
    let allowPortForwarding = false;
    const appIds: string[] = [];
    const policyIds: string[] = [];
    for (const app of apps) {
      const share = this.share(app);
      if (share === undefined) continue;
      appIds.push(app.id);
      for (const name of share.usernames) usernames.add(name);
      alias ||= share.emailAlias;
      allowAgentForwarding ||= share.allowAgentForwarding;
      allowPortForwarding ||= share.allowPortForwarding;
      for (const policy of share.policies) if (!policyIds.includes(policy.id)) policyIds.push(policy.id);
    }
    if (appIds.length === 0) return undefined;
    if (alias) {
      // Never root or a system account, unless a policy names it (then it is in `usernames` already).
      const name = emailAlias(this.person.email);
      if (name !== undefined && aliasAllowed(name, this.accountsOf?.(target.id))) usernames.add(name);
    }
    return {
      target,
      port,
      usernames: [...usernames].sort(),
      allowAgentForwarding,
      allowPortForwarding,
      appIds,
      policyIds,
    };
  }

  private share(app: InfrastructureAppRecord): AppShare | undefined {
    if (this.shares.has(app)) return this.shares.get(app);
    let share: AppShare | undefined;
    for (const link of app.policies) {
      const policy = this.catalog.policies.get(link.policyId);
      if (policy === undefined || !this.policyMatches(policy)) continue;
      share ??= {
        usernames: new Set(),
        emailAlias: false,
        allowAgentForwarding: false,
        allowPortForwarding: false,
        policies: [],
      };
      share.policies.push(policy);
      const ssh = policy.connectionRules?.ssh;
      if (!isObject(ssh)) continue;
      if (Array.isArray(ssh.usernames)) {
        for (const name of ssh.usernames) {
          // Validated when stored; checked again because each one becomes a certificate principal.
          if (typeof name === 'string' && unixUsernameProblem(name) === undefined) share.usernames.add(name);
        }
      }
      share.emailAlias ||= ssh.allow_email_alias === true;
      share.allowAgentForwarding ||= ssh.allow_agent_forwarding === true;
      share.allowPortForwarding ||= ssh.allow_port_forwarding === true;
    }
    if (share !== undefined && !mfaSatisfied(requiredAuthMethods(app.mfaConfig), this.person.authMethods)) {
      this.mfaBlocked.push(app);
      share = undefined;
    } else if (
      share !== undefined &&
      !mfaSessionFresh(mfaSessionSeconds(app.mfaConfig), this.person.authenticatedSecondsAgo)
    ) {
      this.mfaExpired.push(app);
      share = undefined;
    }
    this.shares.set(app, share);
    return share;
  }

  private policyMatches(policy: PolicyRecord): boolean {
    let verdict = this.policyVerdicts.get(policy);
    if (verdict === undefined) {
      verdict = policyMatchesIn(this.rules, policy);
      this.policyVerdicts.set(policy, verdict);
    }
    return verdict;
  }
}

/** `90` → `1m30s`, `7200` → `2h0m0s`. */
function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${m}m${s % 60}s` : m > 0 ? `${m}m${s % 60}s` : `${s}s`;
}

/** The apps covering the target, by SSH port (each app once per port). */
function coveringApps(
  apps: readonly InfrastructureAppRecord[],
  target: TargetRecord,
): Map<number, InfrastructureAppRecord[]> {
  const byPort = new Map<number, InfrastructureAppRecord[]>();
  for (const app of apps) {
    if (app.type !== 'infrastructure') continue;
    for (const criterion of app.targetCriteria) {
      const port = sshPortOf(criterion);
      if (port === undefined) continue;
      const hostnames = flatHostnames(criterion);
      if (hostnames === undefined) {
        if (ruleCriterionMatches(criterion, target)) addApp(byPort, port, app);
        continue;
      }
      for (const listed of hostnames) {
        if (typeof listed === 'string' && sameHostname(listed, target.hostname)) {
          addApp(byPort, port, app);
          break;
        }
      }
    }
  }
  return byPort;
}

/** The rule-form SSH criteria of the apps, with their port. */
function ruleFormCriteria(
  apps: readonly InfrastructureAppRecord[],
): { app: InfrastructureAppRecord; criterion: JsonValue; port: number }[] {
  const out: { app: InfrastructureAppRecord; criterion: JsonValue; port: number }[] = [];
  for (const app of apps) {
    if (app.type !== 'infrastructure') continue;
    for (const criterion of app.targetCriteria) {
      const port = sshPortOf(criterion);
      if (port !== undefined && flatHostnames(criterion) === undefined) out.push({ app, criterion, port });
    }
  }
  return out;
}

/** For many targets: lowercased hostname → SSH port → the apps covering it there. */
function indexByHostname(
  apps: readonly InfrastructureAppRecord[],
): Map<string, Map<number, InfrastructureAppRecord[]>> {
  const index = new Map<string, Map<number, InfrastructureAppRecord[]>>();
  for (const app of apps) {
    if (app.type !== 'infrastructure') continue;
    for (const criterion of app.targetCriteria) {
      const port = sshPortOf(criterion);
      const hostnames = flatHostnames(criterion);
      if (port === undefined || hostnames === undefined) continue;
      for (const listed of hostnames) {
        if (typeof listed !== 'string') continue;
        const key = listed.toLowerCase();
        let byPort = index.get(key);
        if (byPort === undefined) index.set(key, (byPort = new Map()));
        addApp(byPort, port, app);
      }
    }
  }
  return index;
}

function addApp(
  byPort: Map<number, InfrastructureAppRecord[]>,
  port: number,
  app: InfrastructureAppRecord,
): void {
  const apps = byPort.get(port);
  if (apps === undefined) byPort.set(port, [app]);
  else if (!apps.includes(app)) apps.push(app);
}

/** Case-insensitive (hostnames are ASCII), without allocating: this runs for every criterion of every app. */
function sameHostname(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x > 0x7f || y > 0x7f) return a.toLowerCase() === b.toLowerCase();
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

function byHostnameThenPort(a: TargetGrant, b: TargetGrant): number {
  const hostA = a.target.hostname.toLowerCase();
  const hostB = b.target.hostname.toLowerCase();
  if (hostA !== hostB) return hostA < hostB ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  return a.target.id < b.target.id ? -1 : a.target.id > b.target.id ? 1 : 0;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
