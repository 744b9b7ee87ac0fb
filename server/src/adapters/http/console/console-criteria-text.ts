/**
 * The console's text form of an app's target criteria: one criterion a line, its port first, so a person
 * types hostnames and tags instead of JSON. Pure: text in, the API's criterion objects out (then checked by
 * the API's own schema and validators), and back for the edit form.
 *
 * | line                                                  | criterion                                              |
 * |-------------------------------------------------------|--------------------------------------------------------|
 * | `22: web-1 web-2` (or `web-1, web-2`: port 22)        | `{target_attributes: {hostname: [web-1, web-2]}, port: 22}` (flat form) |
 * | `22 include: hostname=web-1,web-2 env=prod,stage`     | `{include: {target_attributes: {hostname}, tags: {env: [prod, stage]}}, port: 22}` |
 * | `2222 include: env=prod require: team=infra exclude: hostname=db-1` | `{include, require, exclude, port: 2222}` (rule form) |
 *
 * In the rule form `hostname=` is the hostname list and any other `key=v1,v2` a tag (its values any-of).
 * The protocol is always SSH. Blank lines and lines starting with `#` are skipped.
 */
import { RuleTextProblem } from './console-rule-text.js';

export type CriterionObject = Record<string, unknown>;

export const CRITERIA_TEXT_HINT =
  'One criterion a line, its port first: "22: web-1 web-2" (these hostnames), or the rule form "22 include: hostname=web-1 env=prod,stage require: team=infra exclude: hostname=db-1" (hostname= is the hostname list, any other key=values a tag; values any of, separated by commas). Without a port, a line is port 22.';

const SECTIONS = ['include', 'require', 'exclude'] as const;
type Section = (typeof SECTIONS)[number];
const SECTION_AT = /(^|\s)(include|require|exclude)\s*:/gi;

/** The criteria of `text` (each `protocol: 'SSH'`). Throws RuleTextProblem naming the line. */
export function parseCriteriaText(text: string): CriterionObject[] {
  const criteria: CriterionObject[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const problem = (message: string) => new RuleTextProblem(index + 1, message);
    let port: number | string = 22;
    let rest = line;
    const numbered = /^(\d+)(?=[\s:]|$)\s*:?\s*(.*)$/.exec(line);
    if (numbered !== null) {
      port = Number(numbered[1]);
      rest = numbered[2]!;
    } else {
      const head = /^([^\s:=]+)\s*:/.exec(line);
      if (head !== null && !SECTIONS.includes(head[1]!.toLowerCase() as Section)) {
        throw problem(`"${head[1]}" is not a port: start a line with its port, such as "22: web-1 web-2".`);
      }
    }
    const starts = [...rest.matchAll(SECTION_AT)];
    if (starts.length === 0) {
      const hostnames = rest.split(/[\s,]+/).filter((item) => item !== '');
      if (hostnames.length === 0) {
        throw problem(
          `port ${port} needs hostnames ("${port}: web-1 web-2") or rules ("${port} include: env=prod").`,
        );
      }
      const tag = hostnames.find((item) => item.includes('='));
      if (tag !== undefined) {
        throw problem(`"${tag}" is a selector of the rule form: write "${port} include: ${tag}".`);
      }
      criteria.push({ target_attributes: { hostname: hostnames }, port, protocol: 'SSH' });
      return;
    }
    const before = rest.slice(0, starts[0]!.index).trim();
    if (before !== '') {
      throw problem(
        `"${before}" comes before ${starts[0]![2]!.toLowerCase()}: a line is either hostnames ("22: web-1") or rules ("22 include: hostname=web-1"), not both.`,
      );
    }
    const criterion: CriterionObject = {};
    starts.forEach((start, position) => {
      const section = start[2]!.toLowerCase() as Section;
      if (criterion[section] !== undefined) throw problem(`${section}: is written twice.`);
      const from = start.index + start[0].length;
      const to = starts[position + 1]?.index ?? rest.length;
      criterion[section] = selectorOf(rest.slice(from, to), section, problem);
    });
    criteria.push({ ...criterion, port, protocol: 'SSH' });
  });
  return criteria;
}

function selectorOf(
  text: string,
  section: Section,
  problem: (message: string) => RuleTextProblem,
): CriterionObject {
  const hostnames: string[] = [];
  const tags: Record<string, string[]> = {};
  const items = text.split(/\s+/).filter((item) => item !== '');
  if (items.length === 0) {
    throw problem(`${section}: needs selectors, such as "${section}: hostname=web-1 env=prod".`);
  }
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals <= 0) {
      throw problem(
        `"${item}" in ${section}: is not key=values: write "hostname=${item}" for a hostname, or a tag such as "env=prod".`,
      );
    }
    const key = item.slice(0, equals);
    const values = item
      .slice(equals + 1)
      .split(',')
      .filter((value) => value !== '');
    if (values.length === 0) throw problem(`"${key}=" in ${section}: needs values, such as "${key}=a,b".`);
    if (key === 'hostname') hostnames.push(...values);
    else tags[key] = [...(tags[key] ?? []), ...values];
  }
  return {
    ...(hostnames.length === 0 ? {} : { target_attributes: { hostname: hostnames } }),
    ...(Object.keys(tags).length === 0 ? {} : { tags }),
  };
}

/**
 * The text of stored criteria, one a line, for an edit form; undefined when a criterion cannot be written
 * in the text form (another protocol than SSH, a value with a space, comma or "=", a tag named hostname,
 * a shape the form does not know), so the form keeps the criteria as they are.
 */
export function criteriaText(criteria: readonly unknown[]): string | undefined {
  const lines: string[] = [];
  for (const criterion of criteria) {
    const line = criterionText(criterion);
    if (line === undefined) return undefined;
    lines.push(line);
  }
  return lines.join('\n');
}

/** One criterion's line (`22: web-1`, `22 include: env=prod`), or undefined (see criteriaText). */
export function criterionText(criterion: unknown): string | undefined {
  const value = (criterion ?? {}) as Record<string, unknown>;
  const { port, protocol, target_attributes: flat, ...rules } = value;
  if (typeof port !== 'number' || !Number.isInteger(port) || protocol !== 'SSH') return undefined;
  if (Object.keys(rules).some((key) => !SECTIONS.includes(key as Section))) return undefined;
  if (flat !== undefined) {
    if (Object.keys(rules).length > 0) return undefined;
    const hostnames = hostnamesOf(flat);
    return hostnames === undefined ? undefined : `${port}: ${hostnames.join(' ')}`;
  }
  const parts: string[] = [];
  for (const section of SECTIONS) {
    const selector = rules[section];
    if (selector === undefined) continue;
    const words = selectorWords(selector);
    if (words === undefined) return undefined;
    parts.push(`${section}: ${words}`);
  }
  return parts.length === 0 || rules.include === undefined ? undefined : `${port} ${parts.join(' ')}`;
}

/** A value the text form can write: no space, comma, "=" or ":", not empty. */
const WRITABLE = /^[^\s,=:#]+$/;

function hostnamesOf(attributes: unknown): string[] | undefined {
  const { hostname, ...others } = (attributes ?? {}) as { hostname?: unknown };
  if (Object.keys(others).length > 0 || !Array.isArray(hostname) || hostname.length === 0) return undefined;
  return hostname.every((item) => typeof item === 'string' && WRITABLE.test(item))
    ? (hostname as string[])
    : undefined;
}

function selectorWords(selector: unknown): string | undefined {
  const { target_attributes: flat, tags, ...others } = (selector ?? {}) as Record<string, unknown>;
  if (Object.keys(others).length > 0 || (flat === undefined && tags === undefined)) return undefined;
  const words: string[] = [];
  if (flat !== undefined) {
    const hostnames = hostnamesOf(flat);
    if (hostnames === undefined) return undefined;
    words.push(`hostname=${hostnames.join(',')}`);
  }
  if (tags !== undefined) {
    const entries = Object.entries(tags as Record<string, unknown>);
    if (entries.length === 0) return undefined;
    for (const [key, values] of entries) {
      if (key === 'hostname' || !WRITABLE.test(key) || !Array.isArray(values) || values.length === 0)
        return undefined;
      if (!values.every((item) => typeof item === 'string' && WRITABLE.test(item))) return undefined;
      words.push(`${key}=${values.join(',')}`);
    }
  }
  return words.join(' ');
}
