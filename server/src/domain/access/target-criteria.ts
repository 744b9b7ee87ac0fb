/**
 * Which targets an infrastructure app's `target_criteria` cover (docs/access-server.md "Target criteria").
 * A criterion is SSH on one port and selects targets in one of two forms:
 *
 * - flat (Cloudflare's deprecated form): `target_attributes: {hostname: [...]}`, the target's hostname is
 *   one of them (case-insensitive);
 * - rules: `include` (at least one selector matches), `require` (every selector matches), `exclude` (no
 *   selector matches). Each selector set holds a hostname list (`target_attributes.hostname`) and tag
 *   selectors (`tags: {key: [values]}`); the hostname list is one selector, each tag key another, matched
 *   when the target's tag of that key is one of the values.
 *
 * Criteria are stored as validated JSON; anything malformed (or not SSH) covers nothing.
 */
import type { JsonValue, TargetRecord } from '../records.js';

/** What a criterion can see of a target. */
export type CriterionTarget = Pick<TargetRecord, 'hostname' | 'tags'>;

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The port of a well-formed SSH criterion, else undefined (other protocols, malformed JSON). */
export function sshPortOf(criterion: JsonValue): number | undefined {
  if (!isObject(criterion) || criterion.protocol !== 'SSH') return undefined;
  const port = criterion.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return port;
}

/** The hostnames of a flat-form criterion, else undefined (the rule form, or malformed). */
export function flatHostnames(criterion: JsonValue): readonly JsonValue[] | undefined {
  if (!isObject(criterion) || isObject(criterion.include)) return undefined;
  const attributes = criterion.target_attributes;
  if (!isObject(attributes) || !Array.isArray(attributes.hostname)) return undefined;
  return attributes.hostname;
}

/** Whether a criterion is in the rule form (include/require/exclude). */
export function isRuleForm(criterion: JsonValue): boolean {
  return isObject(criterion) && isObject(criterion.include) && criterion.target_attributes === undefined;
}

/** One selector set's selectors, each a predicate over the target. */
function selectors(set: JsonValue | undefined): ((target: CriterionTarget) => boolean)[] {
  if (!isObject(set)) return [];
  const out: ((target: CriterionTarget) => boolean)[] = [];
  const attributes = set.target_attributes;
  if (isObject(attributes) && Array.isArray(attributes.hostname)) {
    const names = new Set(
      attributes.hostname.filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase()),
    );
    out.push((target) => names.has(target.hostname.toLowerCase()));
  }
  if (isObject(set.tags)) {
    for (const [key, values] of Object.entries(set.tags)) {
      if (!Array.isArray(values)) continue;
      const allowed = new Set(values.filter((v): v is string => typeof v === 'string'));
      out.push((target) => {
        const tags = target.tags ?? {};
        const value = Object.prototype.hasOwnProperty.call(tags, key) ? tags[key] : undefined;
        return value !== undefined && allowed.has(value);
      });
    }
  }
  return out;
}

/** Whether a rule-form criterion selects the target (false for any other criterion). */
export function ruleCriterionMatches(criterion: JsonValue, target: CriterionTarget): boolean {
  if (!isRuleForm(criterion)) return false;
  const c = criterion as JsonObject;
  const include = selectors(c.include);
  if (include.length === 0 || !include.some((s) => s(target))) return false;
  if (c.require !== undefined && !selectors(c.require).every((s) => s(target))) return false;
  if (c.exclude !== undefined && selectors(c.exclude).some((s) => s(target))) return false;
  return true;
}

/** Whether any criterion form selects the target (hostname case-insensitive). */
export function criterionMatches(criterion: JsonValue, target: CriterionTarget): boolean {
  const hostnames = flatHostnames(criterion);
  if (hostnames !== undefined) {
    const wanted = target.hostname.toLowerCase();
    return hostnames.some((name) => typeof name === 'string' && name.toLowerCase() === wanted);
  }
  return ruleCriterionMatches(criterion, target);
}

/** Every hostname a criteria list names (flat lists and the rule form's include lists), lowercased. */
export function criteriaHostnames(criteria: readonly JsonValue[]): string[] {
  const names: string[] = [];
  for (const criterion of criteria) {
    const lists = [flatHostnames(criterion)];
    if (isRuleForm(criterion)) {
      const include = (criterion as JsonObject).include as JsonObject;
      const attributes = include.target_attributes;
      if (isObject(attributes) && Array.isArray(attributes.hostname)) lists.push(attributes.hostname);
    }
    for (const list of lists) {
      for (const name of list ?? []) if (typeof name === 'string') names.push(name.toLowerCase());
    }
  }
  return names;
}

/**
 * Every (tag key, value) the rule form's `include` selects by: with criteriaHostnames, the candidates a
 * person's target list needs to look at (a target no include selector names is covered by no criterion).
 */
export function criteriaIncludeTags(criteria: readonly JsonValue[]): { key: string; value: string }[] {
  const found = new Map<string, { key: string; value: string }>();
  for (const criterion of criteria) {
    if (!isRuleForm(criterion)) continue;
    const tags = ((criterion as JsonObject).include as JsonObject).tags;
    if (!isObject(tags)) continue;
    for (const [key, values] of Object.entries(tags)) {
      if (!Array.isArray(values)) continue;
      for (const value of values) {
        if (typeof value === 'string') found.set(JSON.stringify([key, value]), { key, value });
      }
    }
  }
  return [...found.values()];
}
