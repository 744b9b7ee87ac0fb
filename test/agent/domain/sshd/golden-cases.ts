import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  EditSshdConfigInput,
  SshdConfigEdit,
} from '../../../../agent/src/domain/sshd/edit-sshd-config.js';

/**
 * The golden cases in test/agent/golden/<case>/: the input files of one host (a path relative to the case
 * folder is under /etc/ssh, except `usr/…`, which is absolute), an optional case.json ({ mainPath }), and
 * the expected outputs: `<file>.expected` for every file the edit writes and `result.expected.json` for
 * the decision. `UPDATE_GOLDEN=1` rewrites the expected files from the code's output.
 */
export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../golden');
export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

export interface GoldenCase {
  readonly name: string;
  readonly dir: string;
  readonly input: EditSshdConfigInput;
  /** Every input file by absolute path, the main file included. */
  readonly files: ReadonlyMap<string, string>;
}

export function loadGoldenCases(): GoldenCase[] {
  return readdirSync(GOLDEN_DIR)
    .filter((name) => statSync(join(GOLDEN_DIR, name)).isDirectory())
    .sort()
    .map((name) => loadCase(name));
}

function loadCase(name: string): GoldenCase {
  const dir = join(GOLDEN_DIR, name);
  const config = existsSync(join(dir, 'case.json'))
    ? (JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { mainPath?: string })
    : {};
  const files = new Map<string, string>();
  for (const rel of walk(dir)) {
    if (rel === 'case.json' || rel.endsWith('.expected') || rel.endsWith('.expected.json')) continue;
    files.set(absolutePathOf(rel), readFileSync(join(dir, rel), 'utf8'));
  }
  const mainPath = config.mainPath ?? '/etc/ssh/sshd_config';
  const mainText = files.get(mainPath);
  if (mainText === undefined) throw new Error(`golden case ${name} has no ${mainPath}`);
  const included = new Map([...files].filter(([path]) => path !== mainPath));
  return { name, dir, files, input: { mainPath, mainText, included } };
}

export function absolutePathOf(rel: string): string {
  return rel.startsWith('usr/') ? `/${rel}` : `/etc/ssh/${rel}`;
}

export function relativePathOf(path: string): string {
  return path.startsWith('/etc/ssh/') ? path.slice('/etc/ssh/'.length) : path.slice(1);
}

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? walk(full, base) : [relative(base, full)];
  });
}

/** The files of the host after the edit. */
export function applyEdit(files: ReadonlyMap<string, string>, edit: SshdConfigEdit): Map<string, string> {
  const after = new Map(files);
  for (const path of edit.deletes) after.delete(path);
  for (const write of edit.writes) after.set(write.path, write.content);
  return after;
}

/** The decision as result.expected.json holds it. */
export function decisionOf(edit: SshdConfigEdit): object {
  return {
    method: edit.method,
    writes: edit.writes.map((w) => ({ role: w.role, path: w.path })),
    deletes: edit.deletes,
    adoptCaFiles: edit.adoptCaFiles,
    warnings: edit.warnings,
  };
}

/** Expected outputs of a case: `.expected` files by the absolute path they stand for, and the decision. */
export function readExpected(golden: GoldenCase): { files: Map<string, string>; decision: unknown } {
  const files = new Map<string, string>();
  for (const rel of walk(golden.dir).filter((r) => r.endsWith('.expected'))) {
    files.set(absolutePathOf(rel.slice(0, -'.expected'.length)), readFileSync(join(golden.dir, rel), 'utf8'));
  }
  const decisionFile = join(golden.dir, 'result.expected.json');
  const decision = existsSync(decisionFile) ? JSON.parse(readFileSync(decisionFile, 'utf8')) : undefined;
  return { files, decision };
}

export function writeExpected(golden: GoldenCase, edit: SshdConfigEdit): void {
  for (const rel of walk(golden.dir).filter((r) => r.endsWith('.expected'))) rmSync(join(golden.dir, rel));
  for (const write of edit.writes) {
    const target = join(golden.dir, `${relativePathOf(write.path)}.expected`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, write.content);
  }
  writeFileSync(join(golden.dir, 'result.expected.json'), `${JSON.stringify(decisionOf(edit), null, 2)}\n`);
}
