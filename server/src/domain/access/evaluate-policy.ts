/**
 * Whether a policy matches a person: at least one `include` rule matches, every `require` rule matches,
 * and no `exclude` rule matches (an empty `include` never matches). Rule by rule see rule-matches.ts.
 * Only "allow" policies exist for infrastructure apps; a stored policy with any other decision never
 * matches, so it can never grant anything.
 */
import type { AccessGroupRecord, PolicyRecord } from '../records.js';
import type { Person } from './person.js';
import { RuleEvaluation } from './rule-matches.js';

export function policyMatches(
  policy: PolicyRecord,
  person: Person,
  groups: ReadonlyMap<string, AccessGroupRecord>,
): boolean {
  return policyMatchesIn(new RuleEvaluation(person, groups), policy);
}

/** policyMatches within an evaluation that is shared across policies (one request). */
export function policyMatchesIn(evaluation: RuleEvaluation, policy: PolicyRecord): boolean {
  return policy.decision === 'allow' && evaluation.ruleSetMatches(policy);
}
