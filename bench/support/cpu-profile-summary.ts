/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time: self time by function (name, file, line) and
 * the share of (garbage collector), (program) and (idle), so a profile of the agent can be read without
 * DevTools.
 *
 *   node --import tsx bench/support/cpu-profile-summary.ts FILE.cpuprofile [--top 30]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' } },
  allowPositionals: true,
});
const profile = JSON.parse(await readFile(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self.entries()]
  .filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)')
  .reduce((a, [, t]) => a + t, 0);
const busy = total - idle;
const byFunction = new Map<string, number>();
for (const [id, time] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)') continue;
  const file = url.replace(/^.*\/(node_modules\/)?/, '');
  const key = `${functionName || '(anonymous)'}  ${file}${url === '' ? '' : `:${lineNumber + 1}`}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + time);
}
console.log(
  `profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(2)} s (idle ${(idle / 1e6).toFixed(2)} s); self time, share of busy:`,
);
for (const [key, time] of [...byFunction.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(values.top))) {
  console.log(
    `${((time / busy) * 100).toFixed(1).padStart(5)} %  ${(time / 1000).toFixed(0).padStart(6)} ms  ${key}`,
  );
}

const byFile = new Map<string, number>();
for (const [id, time] of self) {
  const { functionName, url } = byId.get(id)!.callFrame;
  if (functionName === '(idle)') continue;
  const file = url === '' ? functionName : url.replace(/^.*\/(node_modules\/)?/, '');
  byFile.set(file, (byFile.get(file) ?? 0) + time);
}
console.log('\nself time by file:');
for (const [file, time] of [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(
    `${((time / busy) * 100).toFixed(1).padStart(5)} %  ${(time / 1000).toFixed(0).padStart(6)} ms  ${file}`,
  );
}
