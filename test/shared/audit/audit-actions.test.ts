import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIT_ACTIONS, isAuditAction } from '../../../shared/src/audit/audit-actions.js';

const SERVER_SRC = fileURLToPath(new URL('../../../server/src/', import.meta.url));

/** Every .ts file of the server, with its text. */
function serverSources(): { path: string; text: string }[] {
  return (readdirSync(SERVER_SRC, { recursive: true }) as string[])
    .filter((path) => path.endsWith('.ts'))
    .map((path) => ({ path, text: readFileSync(join(SERVER_SRC, path), 'utf8') }));
}

/**
 * The action strings the server can write: every `action: '…'` literal, and in a file that writes audit
 * events (recordChange, auditEvents.append) every `'<word>.<word>…'` literal
 * (actions handed to a helper, or chosen by a ternary).
 */
function actionStringsInServer(): Map<string, string> {
  const found = new Map<string, string>();
  for (const { path, text } of serverSources()) {
    // Not a union type (`action: 'add' | 'disable'` in main.ts is a command's argument, not an event).
    for (const match of text.matchAll(/\baction: '([^']+)'(?!\s*\|)/g)) found.set(match[1]!, path);
    if (!/recordChange\(|auditEvents\.append\(/.test(text)) continue;
    for (const match of text.matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)) found.set(match[1]!, path);
  }
  return found;
}

describe('shared/audit/audit-actions: the audit-action catalogue', () => {
  it('holds every action string the server can write', () => {
    const found = actionStringsInServer();
    assert.ok(found.size >= 60, `found only ${found.size} action strings: is the scan still right?`);
    const missing = [...found].filter(([action]) => !isAuditAction(action));
    assert.deepEqual(missing, [], 'actions written by the server but not in AUDIT_ACTIONS');
  });

  it('names only actions the server writes', () => {
    const found = actionStringsInServer();
    const unused = Object.keys(AUDIT_ACTIONS).filter((action) => !found.has(action));
    assert.deepEqual(unused, []);
  });

  it('gives each action a <resource>.<verb> name and a meaning', () => {
    for (const [action, meaning] of Object.entries(AUDIT_ACTIONS)) {
      assert.match(action, /^[a-z_]+(\.[a-z_]+)*$/);
      assert.match(meaning, /^[A-Z].*\.$/, action);
    }
    assert.equal(isAuditAction('target.create'), true);
    assert.equal(isAuditAction('target.explode'), false);
    assert.equal(isAuditAction('constructor'), false);
  });

  it('the scan would catch an action missing from the catalogue', () => {
    const text = "await recordChange(tx, caller, { action: 'target.explode', resourceType: 'target' });";
    const match = /\baction: '([^']+)'/.exec(text);
    assert.equal(isAuditAction(match![1]), false);
  });
});
