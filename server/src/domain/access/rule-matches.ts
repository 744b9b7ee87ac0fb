/**
 * Whether access rules (the items of a policy's or group's `include` / `require` / `exclude`) match a
 * person. The selectors and their meaning are the table in docs/sign-in.md "Rule selectors".
 *
 * Each rule is parsed once into its typed form (access-rule.ts, from the one selector registry in
 * shared/src/api/access-rules.ts); the switch below must cover every selector (the compiler checks it).
 * A malformed rule (not exactly one known selector with well-typed fields) never matches and never throws.
 * In `exclude`, where "never matches" would widen access, a malformed rule excludes instead (fail closed).
 * `geo` is well-formed but never matches (there is no geolocation database), in every position.
 */
import ipaddr from 'ipaddr.js';
import { isCidr } from '@latchkey/shared';
import type { AccessGroupRecord, JsonValue } from '../records.js';
import { parseAccessRule, type AccessRuleValues } from './access-rule.js';
import type { Person } from './person.js';

/** Groups nest deeper than this only by mistake; deeper references do not match (and cannot overflow the stack). */
const MAX_GROUP_DEPTH = 32;

/** include / require / exclude, as policies and groups both have them. */
export interface RuleSet {
  include: readonly JsonValue[];
  require: readonly JsonValue[];
  exclude: readonly JsonValue[];
}

/** True when `rule` matches `person`; `groups` (by id) resolve `group` selectors. */
export function ruleMatches(
  rule: JsonValue,
  person: Person,
  groups: ReadonlyMap<string, AccessGroupRecord>,
): boolean {
  return new RuleEvaluation(person, groups).ruleMatches(rule);
}

type ParsedIp = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * The evaluation of rules for one person during one request. It works out what it needs of the person
 * once (their parsed address, lowercased group names) and remembers each group's verdict, so callers
 * evaluating many policies (a target list, a certificate decision) create one and reuse it.
 */
export class RuleEvaluation {
  private ipParsed = false;
  private ip: ParsedIp | undefined;
  /** The IPv4 form of an IPv4-mapped IPv6 client address (`::ffff:10.0.0.1`), as dual-stack sockets report them. */
  private ipv4Form: ipaddr.IPv4 | undefined;
  private lowerGroups: Set<string> | undefined;
  private groupVerdicts: Map<string, boolean> | undefined;
  private readonly groupsInProgress: string[] = [];
  /** Counts group references refused as cycles, to know which verdicts depended on one. */
  private cyclesRefused = 0;

  constructor(
    readonly person: Person,
    readonly groups: ReadonlyMap<string, AccessGroupRecord>,
  ) {}

  /** Policy semantics: at least one `include` rule matches, every `require` rule, no `exclude` rule. */
  ruleSetMatches(rules: RuleSet): boolean {
    const { include, require, exclude } = rules;
    if (!Array.isArray(include) || !Array.isArray(require) || !Array.isArray(exclude)) return false;
    let included = false;
    for (const rule of include) {
      if (this.verdict(rule) === true) {
        included = true;
        break;
      }
    }
    if (!included) return false;
    for (const rule of require) if (this.verdict(rule) !== true) return false;
    // Fail closed: a malformed exclude rule (verdict undefined) excludes.
    for (const rule of exclude) if (this.verdict(rule) !== false) return false;
    return true;
  }

  ruleMatches(rule: JsonValue): boolean {
    return this.verdict(rule) === true;
  }

  /** true / false for a well-formed rule, undefined for a malformed one. */
  private verdict(json: JsonValue): boolean | undefined {
    const rule = parseAccessRule(json);
    if (rule === undefined) return undefined;
    switch (rule.selector) {
      case 'email':
        return this.providerMatches(rule.value) && rule.value.email.toLowerCase() === this.person.email;
      case 'email_domain':
        return this.providerMatches(rule.value) && this.emailDomainMatches(rule.value.domain);
      case 'everyone':
        return true;
      case 'ip':
        return this.ipMatches(rule.value.ip);
      case 'group':
        return this.groupMatches(rule.value.id);
      case 'login_method':
        return rule.value.id === this.person.loginMethod;
      case 'auth_method':
        return this.person.authMethods.includes(rule.value.auth_method);
      case 'oidc':
        return this.oidcMatches(rule.value);
      case 'geo':
        return false;
      default:
        return unknownSelector(rule);
    }
  }

  /** The rule names no provider, or the one the person signed in with. */
  private providerMatches(value: { identity_provider_id?: string }): boolean {
    return value.identity_provider_id === undefined || value.identity_provider_id === this.person.loginMethod;
  }

  /**
   * The email's one domain is the rule's: an email with more than one `@` (`a@evil.example@corp.example`)
   * matches no domain (sign-in refuses such emails; this holds whatever reached the person).
   */
  private emailDomainMatches(ruleDomain: string): boolean {
    const domain = (ruleDomain.startsWith('@') ? ruleDomain.slice(1) : ruleDomain).toLowerCase();
    if (domain.length === 0) return false;
    const email = this.person.email;
    const at = email.length - domain.length - 1;
    return (
      at > 0 && email.charCodeAt(at) === 0x40 /* @ */ && email.endsWith(domain) && email.indexOf('@') === at
    );
  }

  private ipMatches(range: string): boolean {
    const client = this.clientIp();
    if (client === undefined || !isCidr(range)) return false;
    let network: ParsedIp;
    let bits: number;
    // isCidr has told the family (a ':' means IPv6); parsing as the right one directly avoids
    // ipaddr.parse's try-IPv6-then-IPv4 throw on every IPv4 rule.
    const isV6 = range.includes(':');
    const slash = range.indexOf('/');
    try {
      if (slash === -1) {
        network = isV6 ? ipaddr.IPv6.parse(range) : ipaddr.IPv4.parse(range);
        bits = isV6 ? 128 : 32;
      } else [network, bits] = isV6 ? ipaddr.IPv6.parseCIDR(range) : ipaddr.IPv4.parseCIDR(range);
    } catch {
      return false;
    }
    if (network.kind() === client.kind()) return client.match(network, bits);
    if (network.kind() === 'ipv4' && this.ipv4Form !== undefined) return this.ipv4Form.match(network, bits);
    return false;
  }

  private clientIp(): ParsedIp | undefined {
    if (this.ipParsed) return this.ip;
    this.ipParsed = true;
    const text = this.person.ip?.trim();
    if (text === undefined) return undefined;
    try {
      if (ipaddr.IPv4.isValidFourPartDecimal(text)) this.ip = ipaddr.IPv4.parse(text);
      else if (text.includes(':') && ipaddr.IPv6.isValid(text)) {
        const ip = ipaddr.IPv6.parse(text);
        this.ip = ip;
        if (ip.isIPv4MappedAddress()) this.ipv4Form = ip.toIPv4Address();
      }
    } catch {
      this.ip = undefined;
    }
    return this.ip;
  }

  /**
   * A group matches when its name is one of the person's group names (case-insensitive), or when its
   * own rules match. A group reached again while its own rules are being evaluated (a cycle) does not
   * match through that path; verdicts that depended on such a cut are not remembered.
   */
  private groupMatches(id: string): boolean {
    const group = this.groups.get(id) ?? this.groups.get(id.toLowerCase());
    if (group === undefined) return false;
    if (typeof group.name === 'string' && this.personGroups().has(group.name.toLowerCase())) return true;
    const remembered = this.groupVerdicts?.get(group.id);
    if (remembered !== undefined) return remembered;
    if (this.groupsInProgress.includes(group.id) || this.groupsInProgress.length >= MAX_GROUP_DEPTH) {
      this.cyclesRefused++;
      return false;
    }
    const cyclesBefore = this.cyclesRefused;
    this.groupsInProgress.push(group.id);
    let matches: boolean;
    try {
      matches = this.ruleSetMatches(group);
    } finally {
      this.groupsInProgress.pop();
    }
    if (this.cyclesRefused === cyclesBefore) (this.groupVerdicts ??= new Map()).set(group.id, matches);
    return matches;
  }

  private personGroups(): Set<string> {
    if (this.lowerGroups === undefined) {
      this.lowerGroups = new Set();
      for (const name of this.person.groups) {
        if (typeof name === 'string') this.lowerGroups.add(name.toLowerCase());
      }
    }
    return this.lowerGroups;
  }

  /** The claim (a string, or an array containing the string) equals `claim_value`, for the given provider if any. */
  private oidcMatches(rule: AccessRuleValues['oidc']): boolean {
    const { claim_name: name, claim_value: expected, identity_provider_id: provider } = rule;
    if (provider !== undefined && provider !== this.person.loginMethod) return false;
    if (!Object.hasOwn(this.person.claims, name)) return false;
    const claim = this.person.claims[name];
    if (typeof claim === 'string') return claim === expected;
    return Array.isArray(claim) && claim.includes(expected);
  }
}

/** The compiler's check that the switch covers every selector of the registry: `rule` is `never` here. */
function unknownSelector(rule: never): undefined {
  void rule;
  return undefined;
}
