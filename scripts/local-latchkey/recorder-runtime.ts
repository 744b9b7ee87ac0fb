/**
 * The session recorder, staged where sshd can run it as the demo user. sshd runs a certificate's
 * force-command as the logged-in user, who cannot read a checkout under /root; so the recorder is bundled
 * (esbuild, everything but the native node-pty) into the runtime directory with node-pty's compiled
 * addon beside it, and run by this machine's node. An installed target gets the same from the agent
 * package (scripts/install-agent.sh); this is the same code, staged for a checkout.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import type { LocalPaths } from './settings.js';

export async function stageRecorder(root: string, paths: LocalPaths): Promise<void> {
  await mkdir(paths.recorderDir, { recursive: true, mode: 0o755 });
  await build({
    stdin: {
      contents:
        "import { runRecorder } from './agent/src/record-main.ts'; process.exitCode = await runRecorder();",
      resolveDir: root,
      sourcefile: 'latchkey-agent-record.ts',
      loader: 'ts',
    },
    outfile: paths.recorderBundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    conditions: ['latchkey-source'],
    external: ['node-pty'],
    banner: {
      js: "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const ptySource = resolve(root, 'node_modules', 'node-pty');
  const ptyTarget = resolve(paths.recorderDir, 'node_modules', 'node-pty');
  await mkdir(ptyTarget, { recursive: true, mode: 0o755 });
  for (const part of ['package.json', 'lib', 'build/Release']) {
    await cp(resolve(ptySource, part), resolve(ptyTarget, part), { recursive: true });
  }
  await writeFile(resolve(paths.recorderDir, 'package.json'), '{ "type": "module" }\n', { mode: 0o644 });
}

/** The certificates' force-command: this node, the staged recorder, and where its settings are. */
export function recorderCommand(paths: LocalPaths): string {
  return `LATCHKEY_AGENT_STATE_DIR=${paths.agentState} ${process.execPath} ${paths.recorderBundle}`;
}
