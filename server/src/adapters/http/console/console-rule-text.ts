/**
 * The console's text form of access rules (a policy's or a group's include / require / exclude): one rule
 * a line, `selector: value`, so a person types rules instead of JSON. Pure: text in, the API's rule
 * objects out (then checked by the API's own schema and validators), and back for the edit forms.
 *
 * | line                                   | rule                                                   |
 * |----------------------------------------|--------------------------------------------------------|
 * | `everyone`                             | `{everyone: {}}`                                       |
 * | `email: ada@example.com [via corp]`    | `{email: {email, identity_provider_id?}}`              |
 * | `email_domain: example.com [via corp]` | `{email_domain: {domain, identity_provider_id?}}`      |
 * | `ip: 10.0.0.0/8`                       | `{ip: {ip}}`                                           |
 * | `group: <name or id>`                  | `{group: {id}}` (a name is looked up among the groups) |
 * | `login_method: corp`                   | `{login_method: {id}}`                                 |
 * | `auth_method: mfa`                     | `{auth_method: {auth_method}}`                         |
 * | `geo: US`                              | `{geo: {country_code}}`                                |
 * | `oidc: claim=value [via corp]`         | `{oidc: {claim_name, claim_value, identity_provider_id?}}` |
 *
 * Blank lines and lines starting with `#` are skipped.
 */
import { ACCESS_RULE_SELECTOR_NAMES } from '@latchkey/shared';

export type RuleObject = Record<string, Record<string, string>>;

export const RULE_TEXT_HINT =
  'One rule a line: everyone · email: ada@example.com · email_domain: example.com · ip: 10.0.0.0/8 · group: <name> · login_method: <provider id> · auth_method: mfa · geo: US · oidc: claim=value. Add "via <provider id>" after an email, email_domain or oidc rule to trust only that provider.';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A line the console cannot read: which line (1-based) and why. */
export class RuleTextProblem extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`Line ${line}: ${message}`);
  }
}

/**
 * The rules of `text`. `groupIdOf` turns a group's name into its id (undefined: no such group); a value
 * that is already an id is kept as it is (the API checks that it exists). Throws RuleTextProblem.
 */
export function parseRuleText(
  text: string,
  groupIdOf: (name: string) => string | undefined = () => undefined,
): RuleObject[] {
  const rules: RuleObject[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const problem = (message: string) => new RuleTextProblem(index + 1, message);
    if (line.toLowerCase() === 'everyone') {
      rules.push({ everyone: {} });
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw problem(
        `"${line}" is not a rule: write "selector: value" (${ACCESS_RULE_SELECTOR_NAMES.join(', ')}), or "everyone".`,
      );
    }
    const selector = line.slice(0, colon).trim().toLowerCase();
    let value = line.slice(colon + 1).trim();
    let provider: string | undefined;
    const via = /^(.*\S)\s+via\s+(\S+)$/i.exec(value);
    if (via !== null && ['email', 'email_domain', 'oidc'].includes(selector)) {
      value = via[1]!;
      provider = via[2]!;
    }
    if (value === '' && selector !== 'everyone') throw problem(`"${selector}:" needs a value.`);
    const withProvider: Record<string, string> =
      provider === undefined ? {} : { identity_provider_id: provider };
    switch (selector) {
      case 'everyone':
        rules.push({ everyone: {} });
        return;
      case 'email':
        rules.push({ email: { email: value, ...withProvider } });
        return;
      case 'email_domain':
        rules.push({ email_domain: { domain: value, ...withProvider } });
        return;
      case 'ip':
        rules.push({ ip: { ip: value } });
        return;
      case 'group': {
        const id = UUID.test(value) ? value.toLowerCase() : groupIdOf(value);
        if (id === undefined) throw problem(`no access group is named "${value}".`);
        rules.push({ group: { id } });
        return;
      }
      case 'login_method':
        rules.push({ login_method: { id: value } });
        return;
      case 'auth_method':
        rules.push({ auth_method: { auth_method: value } });
        return;
      case 'geo':
        rules.push({ geo: { country_code: value } });
        return;
      case 'oidc': {
        const equals = value.indexOf('=');
        if (equals <= 0) throw problem(`an oidc rule is "oidc: claim=value", not "oidc: ${value}".`);
        rules.push({
          oidc: {
            claim_name: value.slice(0, equals).trim(),
            claim_value: value.slice(equals + 1).trim(),
            ...withProvider,
          },
        });
        return;
      }
      default:
        throw problem(
          `"${selector}" is not a selector the API supports (${ACCESS_RULE_SELECTOR_NAMES.join(', ')}).`,
        );
    }
  });
  return rules;
}

/** The text of stored rules, for an edit form (`groupNameOf`: a group id's name, when it has one). */
export function formatRuleText(
  rules: readonly unknown[],
  groupNameOf: (id: string) => string | undefined = () => undefined,
): string {
  return rules.map((rule) => formatRule(rule, groupNameOf)).join('\n');
}

function formatRule(rule: unknown, groupNameOf: (id: string) => string | undefined): string {
  const [selector, raw] = Object.entries((rule ?? {}) as Record<string, unknown>)[0] ?? ['', {}];
  const fields = (raw ?? {}) as Record<string, string | undefined>;
  const via = fields.identity_provider_id === undefined ? '' : ` via ${fields.identity_provider_id}`;
  switch (selector) {
    case 'everyone':
      return 'everyone';
    case 'email':
      return `email: ${fields.email ?? ''}${via}`;
    case 'email_domain':
      return `email_domain: ${fields.domain ?? ''}${via}`;
    case 'ip':
      return `ip: ${fields.ip ?? ''}`;
    case 'group': {
      const id = fields.id ?? '';
      const name = groupNameOf(id);
      // A name that reads as something else (an id, or a name used twice) stays an id.
      return `group: ${name === undefined || UUID.test(name) ? id : name}`;
    }
    case 'login_method':
      return `login_method: ${fields.id ?? ''}`;
    case 'auth_method':
      return `auth_method: ${fields.auth_method ?? ''}`;
    case 'geo':
      return `geo: ${fields.country_code ?? ''}`;
    case 'oidc':
      return `oidc: ${fields.claim_name ?? ''}=${fields.claim_value ?? ''}${via}`;
    default:
      return `# ${JSON.stringify(rule)}`;
  }
}

/** The index of the rule at a 0-based rule position: its 1-based line in `text` (for the API's pointers). */
export function lineOfRule(text: string, ruleIndex: number): number | undefined {
  let seen = -1;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    seen += 1;
    if (seen === ruleIndex) return index + 1;
  }
  return undefined;
}

/** Names separated by commas, spaces or new lines (hostnames, UNIX usernames, groups). */
export function listOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
