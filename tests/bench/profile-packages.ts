/*
 * Self time of V8 CPU profiles (`node --cpu-prof`, or the benchmarks' BENCH_PROFILE=dir) by function
 * and by npm package or file of this project (profile-summary.ts gives it by phase):
 *   node dist/tests/bench/profile-packages.js <file.cpuprofile | dir> [--top N]
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives: an npm package, node's own code, or a file of this project. */
function placeOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/dist\/(.*)$/.exec(url);
  return own ? own[1]! : url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const pkg = /node_modules\/(.*)$/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/dist\/(.*)$/.exec(url);
  return own ? own[1]! : url.replace(/^file:\/\//, '');
}

export function summarise(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = profile.endTime - profile.startTime;
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = `${functionName || '(anonymous)'}  ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const place = placeOf(url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  }
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
  const lines = [`total ${(totalUs / 1000).toFixed(0)} ms sampled`, '', `top ${top} functions by self time:`];
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${ms(us)}  ${name}`);
  lines.push('', 'self time by package / file:');
  for (const [place, us] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${ms(us)}  ${place}`);
  return lines.join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
  const target = args.find((a, i) => !a.startsWith('--') && i !== topAt + 1);
  if (!target) throw new Error('usage: profile-packages <file.cpuprofile | directory> [--top N]');
  const files = fs.statSync(target).isDirectory()
    ? fs.readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => path.join(target, f))
    : [target];
  for (const file of files) {
    console.log(`== ${path.basename(file)}`);
    console.log(summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, top));
    console.log('');
  }
}

if (require.main === module) main();
