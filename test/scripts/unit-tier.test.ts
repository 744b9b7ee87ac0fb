// The unit tier (npm run test:unit: every test file outside test/e2e/ and test/integration/) needs no root
// and starts no process: no file of it, nor any test helper it imports, may import child_process, node-pty
// or the harness's process helpers (sshd, PostgreSQL, ssh, ssh-keygen, runCommand, UNIX users, the OIDC
// provider), and no test file of it may open a port. Such a test belongs in test/integration/ (or
// test/e2e/). Both halves of the rule are shown to fail on a snippet.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEST_DIR = path.join(ROOT, 'test');
/** The tiers apart from the unit tier, and the test support that is not a test. */
const NOT_UNIT = ['e2e', 'integration'].map((dir) => path.join(TEST_DIR, dir) + path.sep);
const HARNESS_DIR = path.join(TEST_DIR, 'harness') + path.sep;
const THIS_FILE = fileURLToPath(import.meta.url);

/** Modules that start processes (or load what does). */
const FORBIDDEN_PACKAGES = new Set(['child_process', 'node-pty', 'cluster', 'worker_threads']);
/** The harness modules a unit test may use: temp dirs, the cleanup registry, polling. */
const ALLOWED_HARNESS = new Set(['temp-dir.ts', 'cleanup.ts', 'eventually.ts']);
/** Modules that open ports, forbidden in a unit test file itself (helpers may offer a listening mode). */
const PORT_PACKAGES = new Set(['net', 'http', 'https', 'http2', 'dgram', 'tls', 'ws']);
/** Calls and options that open a port or start a process, forbidden in a unit test file's text. */
const FORBIDDEN_TEXT: readonly [RegExp, string][] = [
  [/\.listen\s*\(/, 'listens on a port (.listen())'],
  [/\blisten\s*:\s*true\b/, 'asks for a listening server (listen: true)'],
  [/\b(?:spawn|spawnSync|execFile|execFileSync|execSync|fork)\s*\(/, 'starts a process'],
  [/\bprocess\.(?:getuid|geteuid|setuid|seteuid)\b/, 'depends on its user id'],
];

interface TierProblem {
  file: string;
  problem: string;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_UNIT.includes(full + path.sep) ? [] : testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The module specifiers of `source` (static imports, re-exports, dynamic imports of a literal). */
function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

function resolveRelative(from: string, specifier: string): string {
  return path.resolve(path.dirname(from), specifier).replace(/\.js$/, '.ts');
}

/**
 * The problems of the unit-tier files `roots` (absolute paths), following their relative imports into the
 * test helpers. `read` gives a file's text (the disk by default; a test passes snippets).
 */
function unitTierProblems(
  roots: readonly string[],
  read: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): TierProblem[] {
  const problems: TierProblem[] = [];
  const seen = new Set<string>();
  const queue = roots.map((file) => ({ file, isTestFile: true }));
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const { file, isTestFile } = next;
    if (seen.has(file)) continue;
    seen.add(file);
    const shown = path.relative(ROOT, file);
    const source = read(file);
    for (const specifier of importsOf(source)) {
      const bare = specifier.replace(/^node:/, '');
      if (FORBIDDEN_PACKAGES.has(bare)) {
        problems.push({ file: shown, problem: `imports ${specifier}, which starts processes` });
      } else if (isTestFile && PORT_PACKAGES.has(bare)) {
        problems.push({ file: shown, problem: `imports ${specifier}, which opens ports` });
      } else if (specifier.startsWith('.')) {
        const target = resolveRelative(file, specifier);
        if (target.startsWith(HARNESS_DIR)) {
          const name = path.relative(HARNESS_DIR, target);
          if (!ALLOWED_HARNESS.has(name)) {
            const why =
              name === 'index.ts'
                ? 'the whole harness (import temp-dir.js directly)'
                : 'a process or port helper';
            if (isTestFile || name !== 'network.ts') {
              problems.push({ file: shown, problem: `imports test/harness/${name}, ${why}` });
            }
          }
        } else if (target.startsWith(TEST_DIR)) {
          queue.push({ file: target, isTestFile: false });
        }
      }
    }
    // This file names the patterns it looks for.
    if (isTestFile && file !== THIS_FILE) {
      for (const [pattern, problem] of FORBIDDEN_TEXT) {
        if (pattern.test(source)) problems.push({ file: shown, problem });
      }
    }
  }
  return problems;
}

describe('the unit tier (npm run test:unit) starts no process and opens no port', () => {
  const files = testFiles(TEST_DIR);

  it('is every test file outside test/e2e/ and test/integration/, and there are many', () => {
    assert.ok(files.length > 100, `${files.length} unit test files`);
    assert.ok(files.includes(THIS_FILE));
    assert.ok(files.every((file) => !NOT_UNIT.some((dir) => file.startsWith(dir))));
  });

  it('no unit test file, nor a helper it imports, breaks the rule (move such a test to test/integration/)', () => {
    const problems = unitTierProblems(files);
    assert.deepEqual(
      problems.map(({ file, problem }) => `${file}: ${problem}`),
      [],
    );
  });

  describe('the rule can fail', () => {
    const at = (name: string) => path.join(TEST_DIR, 'agent', name);
    const check = (files: Record<string, string>) =>
      unitTierProblems([at('probe.test.ts')], (file) => {
        const text = files[path.relative(path.join(TEST_DIR, 'agent'), file)];
        if (text !== undefined) return text;
        return readFileSync(file, 'utf8');
      }).map((p) => p.problem);

    const REFUSED: [string, Record<string, string>, RegExp][] = [
      [
        'child_process',
        { 'probe.test.ts': "import { spawn } from 'node:child_process';\n" },
        /child_process/,
      ],
      [
        'child_process in an imported helper',
        {
          'probe.test.ts': "import { helper } from './helper.js';\n",
          'helper.ts': "import { execFile } from 'child_process';\n",
        },
        /child_process/,
      ],
      ['node-pty', { 'probe.test.ts': "import { spawn } from 'node-pty';\n" }, /node-pty/],
      [
        'startSshd',
        { 'probe.test.ts': "import { startSshd } from '../harness/sshd.js';\n" },
        /harness\/sshd\.ts/,
      ],
      [
        'startPostgres',
        { 'probe.test.ts': "import { startPostgres } from '../harness/postgres.js';\n" },
        /harness\/postgres\.ts/,
      ],
      [
        'runCommand',
        { 'probe.test.ts': "import { runCommand } from '../harness/run-command.js';\n" },
        /harness\/run-command\.ts/,
      ],
      [
        'the harness barrel',
        { 'probe.test.ts': "export * from '../harness/index.js';\n" },
        /harness\/index\.ts/,
      ],
      ['a dynamic import', { 'probe.test.ts': "await import('node:child_process');\n" }, /child_process/],
      ['a server', { 'probe.test.ts': "import { createServer } from 'node:http';\n" }, /opens ports/],
      ['.listen(', { 'probe.test.ts': 'server.listen(0);\n' }, /listens/],
      ['listen: true', { 'probe.test.ts': 'await startTestServer({ listen: true });\n' }, /listen: true/],
      ['spawn', { 'probe.test.ts': "spawn('ssh-keygen', []);\n" }, /starts a process/],
      ['geteuid', { 'probe.test.ts': 'if (process.geteuid?.() === 0) {}\n' }, /user id/],
      [
        'a helper of another tier that runs ssh-keygen',
        { 'probe.test.ts': "import { SshKeygen } from '../integration/shared/ssh/ssh-keygen-helper.js';\n" },
        /child_process/,
      ],
    ];
    for (const [name, files, expected] of REFUSED) {
      it(`refuses ${name}`, () => {
        const problems = check(files);
        assert.ok(
          problems.some((p) => expected.test(p)),
          `${expected} not in ${JSON.stringify(problems)}`,
        );
      });
    }

    it('accepts temp dirs, the cleanup registry, polling and pure modules', () => {
      const problems = check({
        'probe.test.ts':
          "import { createTempDir } from '../harness/temp-dir.js';\n" +
          "import { eventually } from '../harness/eventually.js';\n" +
          "import { readFile } from 'node:fs/promises';\n" +
          "import { startTestServer } from '../server/support/test-server.js';\n" +
          'await startTestServer();\n',
      });
      assert.deepEqual(problems, []);
    });
  });
});
