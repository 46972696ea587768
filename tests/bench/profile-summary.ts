/*
 * Summarises .cpuprofile files (BENCH_PROFILE=dir npm run bench writes one per measured process):
 *   node dist/tests/bench/profile-summary.js dir/*.cpuprofile
 * prints, per profile, the time by phase (module loading, GC, XML parse, zod, database driver,
 * other), then the top self-time functions.
 */
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const PHASES: Array<[string, (frame: CallFrame) => boolean]> = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['XML parse', (f) => /htmlparser2|saxes/.test(f.url)],
  ['zod', (f) => /node_modules\/zod/.test(f.url)],
  ['database driver', (f) => /typeorm|better-sqlite3|mysql2/.test(f.url)],
];
const loading = (f: CallFrame) => f.url.startsWith('node:') && /^(Module\._load|require)$/.test(f.functionName);

function summarise(file: string, top = 12): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const phases = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, t] of self) {
    const frame = byId.get(id)!.callFrame;
    let phase = 'other';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (loading(byId.get(cur)!.callFrame)) {
        phase = 'module loading';
        break;
      }
    }
    if (phase === 'other') phase = PHASES.find(([, test]) => test(frame))?.[0] ?? 'other';
    phases.set(phase, (phases.get(phase) ?? 0) + t);
    const where = frame.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '').replace(/.*\/dist\//, '');
    const key = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + t);
  }
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  const lines = [`${path.basename(file)}: ${ms(total)} sampled`];
  lines.push(`  phases: ${[...phases].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}`);
  for (const [k, v] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${ms(v).padStart(7)} ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
  return lines.join('\n');
}

for (const file of process.argv.slice(2)) console.log(`${summarise(file)}\n`);
