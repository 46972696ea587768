/*
 * Summarises V8 CPU profiles (`node --cpu-prof`, or BENCH_PROFILE=dir on the sync and payments
 * benchmarks, which write one per measured process):
 *   node dist/tests/bench/profile-summary.js <file.cpuprofile | dir>... [--top N] [--packages]
 * prints, per profile, the time by phase (module loading, GC, XML parse, zod, database driver,
 * other), then the top N (default 12) functions by self time; --packages adds self time by npm
 * package or file of this project.
 *
 * The CLI runs as one bundled file (dist/src/cli/streams-manager.js); its positions are mapped
 * back to the files they came from through the bundle's source map, and the launcher's loading of
 * the bundle and the bundle's module bodies count as module loading, as require() did before.
 */
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
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
  // The bench probe wraps the drivers' calls: a native statement's time shows as the wrapper's.
  ['database driver', (f) => /typeorm|better-sqlite3|mysql2|process-probe/.test(f.url)],
];
const loading = (f: CallFrame) =>
  (f.url.startsWith('node:') && /^(Module\._load|require)$/.test(f.functionName)) ||
  // the launcher compiling and running the bundle, and a bundled module's body (named by its path)
  (f.url.endsWith('/src/cli/launcher.js') && f.functionName === 'loadBundle') ||
  (f.url.endsWith(BUNDLE) && /\.(c?js|json)$/.test(f.functionName));

const BUNDLE = '/dist/src/cli/streams-manager.js';
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Bundle positions → the file (and line) they came from; other frames as they are. */
function unbundler(): (frame: CallFrame) => CallFrame {
  const maps = new Map<string, SourceMap | null>();
  return (frame) => {
    if (!frame.url.endsWith(BUNDLE)) return frame;
    const file = frame.url.replace(/^file:\/\//, '');
    if (!maps.has(file)) {
      const mapFile = `${file}.map`;
      maps.set(file, fs.existsSync(mapFile) ? new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8'))) : null);
    }
    const entry = maps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (!entry?.originalSource) return frame;
    const source = path.resolve(path.dirname(file), entry.originalSource.replace(/^file:\/\//, ''));
    return { ...frame, url: `file://${source}`, lineNumber: entry.originalLine ?? frame.lineNumber };
  };
}

/** Where a function lives: an npm package, node's own code, or a file of this project. */
function placeOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/dist\/(.*)$/.exec(url);
  if (own) return own[1]!;
  const file = url.replace(/^file:\/\//, '');
  return file.startsWith(`${ROOT}/`) ? file.slice(ROOT.length + 1) : file;
}

function summarise(name: string, profile: Profile, options: { top: number; packages: boolean }): string {
  const unbundle = unbundler();
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
  const places = new Map<string, number>();
  for (const [id, t] of self) {
    const frame = unbundle(byId.get(id)!.callFrame);
    let phase = 'other';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (loading(byId.get(cur)!.callFrame)) {
        phase = 'module loading';
        break;
      }
    }
    if (phase === 'other') phase = PHASES.find(([, test]) => test(frame))?.[0] ?? 'other';
    phases.set(phase, (phases.get(phase) ?? 0) + t);
    const where = frame.url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '').replace(/.*node_modules\//, '').replace(/.*\/dist\//, '');
    const key = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + t);
    const place = placeOf(frame.url);
    places.set(place, (places.get(place) ?? 0) + t);
  }
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  const ranked = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, options.top).map(([k, v]) => `  ${ms(v).padStart(7)} ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  const lines = [`${name}: ${ms(total)} sampled`];
  lines.push(`  phases: ${[...phases].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}`);
  lines.push(...ranked(functions));
  if (options.packages) lines.push('  self time by package / file:', ...ranked(places));
  return lines.join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 12;
  if (!Number.isInteger(top) || top < 1) throw new Error(`--top needs a whole number of at least 1, not "${args[topAt + 1] ?? ''}"`);
  const unknown = args.find((a) => a.startsWith('--') && a !== '--top' && a !== '--packages');
  if (unknown) throw new Error(`unknown option ${unknown}: profile-summary takes --top N and --packages`);
  const targets = args.filter((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1));
  if (targets.length === 0) throw new Error('usage: profile-summary <file.cpuprofile | directory>... [--top N] [--packages]');
  const files = targets.flatMap((target) =>
    fs.statSync(target).isDirectory()
      ? fs.readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => path.join(target, f))
      : [target],
  );
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
    console.log(`${summarise(path.basename(file), profile, { top, packages: args.includes('--packages') })}\n`);
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
