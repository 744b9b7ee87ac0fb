// The layer rules of eslint.config.js (local/layers in scripts/eslint/layers.js and the package boundaries)
// can fail: small snippets linted at virtual paths inside the packages, each violation of the architecture
// review reported, and the allowed neighbour of each rule left alone.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYER_RULES = new Set(['local/layers', 'no-restricted-imports']);

describe('scripts/eslint/layers.js: the layer rules of eslint.config.js', function () {
  this.timeout(60_000);
  let eslint: ESLint;

  before(() => {
    eslint = new ESLint({ cwd: ROOT, overrideConfigFile: `${ROOT}eslint.config.js` });
  });

  /** The layer-rule messages for `code` linted as if it were the file at `path` (relative to the root). */
  async function layerProblems(path: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
    assert.ok(result, `no lint result for ${path}`);
    const fatal = result.messages.filter((m) => m.fatal);
    assert.deepEqual(fatal, [], `${path} did not parse`);
    return result.messages.filter((m) => LAYER_RULES.has(m.ruleId ?? '')).map((m) => m.message);
  }

  async function assertRefused(path: string, code: string, expected: RegExp): Promise<void> {
    const problems = await layerProblems(path, code);
    assert.ok(
      problems.some((message) => expected.test(message)),
      `expected ${expected} for ${path}:\n${code}\ngot: ${JSON.stringify(problems)}`,
    );
  }

  async function assertAccepted(path: string, code: string): Promise<void> {
    assert.deepEqual(await layerProblems(path, code), [], `${path} should pass:\n${code}`);
  }

  describe("the review's eight violations are reported", () => {
    it('server/src/domain reading process.env', () =>
      assertRefused(
        'server/src/domain/listen-port.ts',
        'export const port = process.env.PORT;\n',
        /process\.env/,
      ));

    it('server/src/domain importing better-sqlite3', () =>
      assertRefused(
        'server/src/domain/records-db.ts',
        "import Database from 'better-sqlite3';\nexport const open = (p: string) => new Database(p);\n",
        /'better-sqlite3' does I\/O/,
      ));

    it('server/src/domain importing node:os', () =>
      assertRefused(
        'server/src/domain/host-name.ts',
        "import { hostname } from 'node:os';\nexport const name = hostname();\n",
        /'node:os' does I\/O/,
      ));

    it('server/src/domain importing the random half of node:crypto', () =>
      assertRefused(
        'server/src/domain/new-secret.ts',
        "import { randomBytes } from 'node:crypto';\nexport const secret = () => randomBytes(32);\n",
        /only node:crypto's deterministic functions/,
      ));

    it('server/src/app importing ../adapters/db/open-store.js', () =>
      assertRefused(
        'server/src/app/open-anything.ts',
        "import { openStore } from '../adapters/db/open-store.js';\nexport { openStore };\n",
        /app\/ \(app\) must not import adapters code/,
      ));

    it('server/src/app importing pg', () =>
      assertRefused(
        'server/src/app/pool.ts',
        "import pg from 'pg';\nexport const pool = new pg.Pool();\n",
        /'pg' does I\/O/,
      ));

    it('cli/src/domain calling Date.now()', () =>
      assertRefused(
        'cli/src/domain/expired.ts',
        'export const expired = (at: number) => at < Date.now();\n',
        /Date\.now\(\)/,
      ));

    it("the extension's vscode adapters importing server sources", () =>
      assertRefused(
        'extension/src/adapters/vscode/peek.ts',
        "import { presentTarget } from '../../../../server/src/domain/api-representation.js';\n" +
          'export { presentTarget };\n',
        /extension\/ must not (import server\/ sources|reach into another package's sources)/,
      ));
  });

  describe('the rest of each rule', () => {
    it('domain imports nothing from app, adapters or main', async () => {
      await assertRefused(
        'agent/src/domain/sshd/x.ts',
        "import type { SshdHost } from '../../app/sshd-host.js';\nexport type H = SshdHost;\n",
        /domain\/ \(domain\) must not import app code/,
      );
      await assertRefused(
        'agent/src/domain/x.ts',
        "import { main } from '../main.js';\nexport { main };\n",
        /must not import main code/,
      );
      await assertRefused(
        'agent/src/domain/x.ts',
        "export { SpoolStore } from '../spool/spool-store.js';\n",
        /must not import adapters code/,
      );
    });

    it('app imports nothing from main', () =>
      assertRefused(
        'cli/src/app/x.ts',
        "import { run } from '../main.js';\nexport { run };\n",
        /must not import main code/,
      ));

    it('new Date() without arguments and Math.random() in app and domain', async () => {
      await assertRefused('server/src/app/x.ts', 'export const t = () => new Date();\n', /new Date\(\)/);
      await assertRefused('agent/src/domain/x.ts', 'export const r = () => Math.random();\n', /Math\.random/);
    });

    it('shared is pure and imports no other package', async () => {
      await assertRefused(
        'shared/src/x.ts',
        "import { readFile } from 'node:fs/promises';\nexport { readFile };\n",
        /does I\/O/,
      );
      await assertRefused('shared/src/api/x.ts', 'export const now = () => Date.now();\n', /Date\.now/);
      await assertRefused(
        'shared/src/x.ts',
        "import type { Store } from '../../server/src/app/ports/store.js';\nexport type S = Store;\n",
        /shared\/ must not import server\/ sources/,
      );
    });

    it('packages do not import each other, by name either', () =>
      assertRefused(
        'cli/src/adapters/x.ts',
        "import { main } from 'latchkey-agent';\nexport { main };\n",
        /cli\/ must not depend on agent\//,
      ));

    it('an exception covers only its own file and construct', async () => {
      await assertAccepted('shared/src/ssh/issue-certificate.ts', 'export const now = () => new Date();\n');
      await assertRefused(
        'shared/src/ssh/issue-certificate.ts',
        'export const now = () => Date.now();\n',
        /Date\.now/,
      );
      await assertRefused(
        'shared/src/ssh/other.ts',
        'export const now = () => new Date();\n',
        /new Date\(\)/,
      );
    });
  });

  describe('what each rule allows', () => {
    it('domain: deterministic node:crypto and node:net functions, dates from values, shared', () =>
      assertAccepted(
        'server/src/domain/x.ts',
        "import { createHash, type KeyObject } from 'node:crypto';\n" +
          "import { isIP } from 'node:net';\n" +
          "import { ERROR_CODES } from '@latchkey/shared/errors/error-codes';\n" +
          "import type { AgentRecord } from './records.js';\n" +
          'export type K = KeyObject | AgentRecord;\n' +
          "export const h = (s: string) => createHash('sha256').update(s).digest('hex');\n" +
          'export const at = (ms: number) => new Date(ms);\n' +
          'export const ok = (s: string) => isIP(s) !== 0 && ERROR_CODES !== undefined;\n',
      ));

    it('app: domain and its ports', () =>
      assertAccepted(
        'server/src/app/x.ts',
        "import type { Store } from './ports/store.js';\n" +
          "import { presentTarget } from '../domain/api-representation.js';\n" +
          'export type S = Store;\nexport { presentTarget };\n',
      ));

    it('adapters: I/O, drivers, the environment and the clock, and app', () =>
      assertAccepted(
        'server/src/adapters/db/x.ts',
        "import Database from 'better-sqlite3';\n" +
          "import { hostname } from 'node:os';\n" +
          "import type { Store } from '../../app/ports/store.js';\n" +
          'export type S = Store;\n' +
          'export const open = () => new Database(process.env.DB ?? hostname() + String(Date.now()));\n',
      ));

    it('main: everything of its own package', () =>
      assertAccepted(
        'server/src/main.ts',
        "import { openStore } from './adapters/db/open-store.js';\n" +
          "import type { Services } from './app/services.js';\n" +
          'export type S = Services;\nexport const start = () => [openStore, Math.random(), new Date()];\n',
      ));

    it("the extension's vscode adapters: vscode and shared", () =>
      assertAccepted(
        'extension/src/adapters/vscode/x.ts',
        "import * as vscode from 'vscode';\n" +
          "import { ERROR_CODES } from '@latchkey/shared/errors/error-codes';\n" +
          'export const both = [vscode, ERROR_CODES];\n',
      ));
  });
});
