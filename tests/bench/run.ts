/*
 * npm run bench — the sync benchmark (a script, never a timed test).
 * 10,000 users across 20 owned servers, each user sharing 1 to 3 of them (about 20,000 shares and
 * 23 MB of XML from plex.tv), served by the fake plex.tv in its own process. Each measured step is
 * the real CLI (`sync users`, then `sync shared-servers`) in a fresh process, timed from spawn to
 * exit, so start-up counts as it does for an owner; tests/bench/process-probe.ts counts its SQL
 * statements and writes and reads its peak RSS and CPU time. The wide case (every user on every
 * server: 200,000 shares, 175 MB of XML) is measured after it.
 *
 * BENCH_USERS / BENCH_SERVERS change the size; BENCH_SPREAD=1-3 or =all runs one case only;
 * BENCH_REPEAT (default 3) repeats each measurement and keeps the fastest, since the machine may be
 * busy; BENCH_NAIVE_SECONDS (default 0: off) time-boxes the row-by-row loop shown for comparison;
 * BENCH_PROFILE=dir passes --cpu-prof to the measured processes and writes their profiles there;
 * BENCH_BASELINE=path measures another build's CLI in the same run and prints the ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { childEnv } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from '../support/databases';
import { runBenchmark, type Bar } from './bars';
import { machineReference } from './machine';
import type { ProbeReport } from './process-probe';

type Spread = '1-3' | 'all';

interface Step {
  wallMs: number;
  cpuMs: number;
  statements: number;
  writes: number;
  peakRssMb: number;
}

interface Figures {
  mode: 'first' | 'resync';
  wallMs: number;
  cpuMs: number;
  users: Step;
  shares: Step;
  writes: number;
  statements: number;
  plexRequests: number;
  peakRssMb: number;
}

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const SERVERS = Number(process.env.BENCH_SERVERS ?? 20);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const NAIVE_SECONDS = Number(process.env.BENCH_NAIVE_SECONDS ?? 0);
const PROFILE_DIR = process.env.BENCH_PROFILE;
const SPREADS: Spread[] = process.env.BENCH_SPREAD === 'all' ? ['all'] : process.env.BENCH_SPREAD === '1-3' ? ['1-3'] : ['1-3', 'all'];
const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'launcher.js');
/**
 * BENCH_BASELINE=path/to/another/build's CLI entry (e.g. a checkout of an older main, built):
 * measured in the same run, each repeat right after this build's, on its own database, and shown
 * as a ratio. This machine is shared and its speed changes between sessions: a ratio measured in
 * one run says more than two figures from two runs.
 */
const BASELINE = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : null;
const PROBE = path.join(__dirname, 'process-probe.js');

/** The bars of issue 12, per database: whole CLI processes on a 2-core machine. */
const BARS = {
  sqlite: { firstMs: 1_200, resyncMs: 900, rssMb: 150, wideMs: 5_000, wideRssMb: 300 },
  mariadb: { firstMs: 1_800, resyncMs: 1_200, rssMb: 150, wideMs: 7_000, wideRssMb: 300 },
} as const;

interface Plex {
  url: string;
  token: string;
  requests(): Promise<number>;
  stop(): void;
}

async function startPlex(spread: Spread): Promise<Plex> {
  const child = spawn(process.execPath, [path.join(__dirname, 'plex-server.js'), String(USERS), String(SERVERS), spread], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve));
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  const requests = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => resolve((m as { requests: number }).requests));
      child.send('requests');
    });
  return { url, token, requests, stop: () => child.kill('SIGTERM') };
}

/** Runs the CLI once; answers its wall time (spawn to exit) and what the probe saw. */
function runCli(args: string[], env: Record<string, string>, label?: string, cli = CLI): Promise<Step> {
  const probeFile = path.join(os.tmpdir(), `bench-probe-${process.pid}-${Date.now()}.json`);
  const nodeArgs = ['--require', PROBE];
  if (PROFILE_DIR && label) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', `${label}.cpuprofile`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child: ChildProcess = spawn(process.execPath, [...nodeArgs, cli, ...args], {
      env: childEnv({ ...env, BENCH_PROBE_FILE: probeFile }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`streams-manager ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      const { cpuMs, statements, writes, peakRssMb } = JSON.parse(fs.readFileSync(probeFile, 'utf8')) as ProbeReport;
      fs.rmSync(probeFile, { force: true });
      resolve({ wallMs, cpuMs, statements, writes, peakRssMb });
    });
  });
}

async function syncBoth(mode: Figures['mode'], env: Record<string, string>, plex: Plex, label: string, cli = CLI): Promise<Figures> {
  const before = await plex.requests();
  const users = await runCli(['sync', 'users', '--json'], env, `${label}-${mode}-users`, cli);
  const shares = await runCli(['sync', 'shared-servers', '--json'], env, `${label}-${mode}-shares`, cli);
  return {
    mode,
    wallMs: users.wallMs + shares.wallMs,
    cpuMs: users.cpuMs + shares.cpuMs,
    users,
    shares,
    writes: users.writes + shares.writes,
    statements: users.statements + shares.statements,
    plexRequests: (await plex.requests()) - before,
    peakRssMb: Math.max(users.peakRssMb, shares.peakRssMb),
  };
}

/** The fastest of the repeats (the machine may be busy); writes and requests must agree anyway. */
function fastest(runs: Figures[]): Figures {
  return runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
}

/** First import then (with 1-3 servers per user) an unchanged re-sync, on a fresh database each time. */
async function importAndResync(kind: DatabaseKind, spread: Spread, plex: Plex, label: string, cli: string): Promise<{ first: Figures; resync: Figures | null }> {
  const db = await createTestDatabase(kind);
  try {
    const env = { DATABASE_URL: db.url, PLEX_TV_URL: plex.url, PLEX_TOKEN: plex.token, LOG_LEVEL: 'silent' };
    await runCli(['migrate'], env, undefined, cli);
    await runCli(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10.00', '--default'], env, undefined, cli);
    const first = await syncBoth('first', env, plex, label, cli);
    const resync = spread === '1-3' ? await syncBoth('resync', env, plex, label, cli) : null;
    return { first, resync };
  } finally {
    await db.drop();
  }
}

async function measure(kind: DatabaseKind, spread: Spread, plex: Plex) {
  const firsts: Figures[] = [];
  const resyncs: Figures[] = [];
  const baseline: { firsts: Figures[]; resyncs: Figures[] } = { firsts: [], resyncs: [] };
  const repeat = spread === 'all' ? 1 : REPEAT;
  for (let i = 0; i < repeat; i++) {
    const ours = await importAndResync(kind, spread, plex, `${kind}-${spread}-${i}`, CLI);
    firsts.push(ours.first);
    if (ours.resync) resyncs.push(ours.resync);
    if (BASELINE) {
      const theirs = await importAndResync(kind, spread, plex, `baseline-${kind}-${spread}-${i}`, BASELINE);
      baseline.firsts.push(theirs.first);
      if (theirs.resync) baseline.resyncs.push(theirs.resync);
    }
  }
  return {
    first: fastest(firsts),
    resync: resyncs.length > 0 ? fastest(resyncs) : null,
    allFirsts: firsts,
    allResyncs: resyncs,
    baseline: BASELINE ? { first: fastest(baseline.firsts), resync: baseline.resyncs.length > 0 ? fastest(baseline.resyncs) : null } : null,
  };
}

/** The row-by-row loop an ORM-first sync would be, time-boxed (for comparison only). */
function naive(kind: DatabaseKind, plex: Plex): Promise<{ wallMs: number; complete: boolean }> {
  return createTestDatabase(kind).then(async (db) => {
    try {
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(__dirname, 'sync-worker.js'), 'naive', db.url, plex.url, plex.token, String(NAIVE_SECONDS)], {
          env: childEnv({}),
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let text = '';
        child.stdout.on('data', (d) => (text += String(d)));
        child.on('close', (code) => (code === 0 ? resolve(text.trim().split('\n').pop() ?? '') : reject(new Error(`sync-worker exited ${code}`))));
      });
      return JSON.parse(out) as { wallMs: number; complete: boolean };
    } finally {
      await db.drop();
    }
  });
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (v: number) => `${v.toFixed(0)} MB`;

function line(f: Figures): string {
  return (
    `  ${f.mode.padEnd(7)} wall ${s(f.wallMs).padStart(7)} (users ${s(f.users.wallMs)}, shares ${s(f.shares.wallMs)}; CPU ${s(f.cpuMs)})` +
    `  SQL statements ${String(f.statements).padStart(5)}  domain writes ${String(f.writes).padStart(5)}` +
    `  plex.tv requests ${String(f.plexRequests).padStart(3)}  peak RSS ${mb(f.peakRssMb)}`
  );
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  if (PROFILE_DIR) fs.mkdirSync(PROFILE_DIR, { recursive: true });
  console.log(`Sync benchmark: ${USERS} users across ${SERVERS} owned servers; whole CLI processes, fastest of ${REPEAT}; Node ${process.version}, ${os.cpus().length} CPUs`);
  const checks: Bar[] = [];
  for (const spread of SPREADS) {
    const plex = await startPlex(spread);
    try {
      if (spread === SPREADS[0]) console.log(await machineReference(plex.url, plex.token));
      console.log(`\nEach user shares ${spread === 'all' ? 'every server' : '1 to 3 servers'}:`);
      for (const kind of DATABASE_KINDS) {
        const r = await measure(kind, spread, plex);
        const bar = BARS[kind];
        console.log(`${kind}`);
        console.log(line(r.first));
        if (r.resync) console.log(line(r.resync));
        if (r.baseline) {
          const ratio = (ours: Figures, theirs: Figures) =>
            `${s(theirs.wallMs)} → ${s(ours.wallMs)} (${(ours.wallMs / theirs.wallMs).toFixed(2)}×, CPU ${(ours.cpuMs / theirs.cpuMs).toFixed(2)}×, peak RSS ${mb(theirs.peakRssMb)} → ${mb(ours.peakRssMb)})`;
          console.log(`  against the baseline (${BASELINE}), same run: first ${ratio(r.first, r.baseline.first)}${r.resync && r.baseline.resync ? `; resync ${ratio(r.resync, r.baseline.resync)}` : ''}`);
        }
        if (REPEAT > 1 && spread === '1-3') {
          const runs = (fs: Figures[]) => fs.map((f) => `${s(f.wallMs)} (CPU ${s(f.cpuMs)})`).join(', ');
          console.log(`  all runs: first ${runs(r.allFirsts)}; resync ${runs(r.allResyncs)}`);
        }
        if (spread === '1-3' && r.resync) {
          if (NAIVE_SECONDS > 0) {
            const n = await naive(kind, plex);
            console.log(`  naive row-by-row loop: ${s(n.wallMs)}${n.complete ? '' : ` (extrapolated from ${NAIVE_SECONDS} s)`}, ${(n.wallMs / r.first.wallMs).toFixed(1)}× the first import`);
          }
          const requestsOk = [...r.allFirsts, ...r.allResyncs].every((f) => f.plexRequests === SERVERS + 3);
          checks.push(
            [`${kind}: first import (users + shares, two processes) ≤ ${s(bar.firstMs)}: ${s(r.first.wallMs)}`, r.first.wallMs <= bar.firstMs],
            [`${kind}: unchanged re-sync ≤ ${s(bar.resyncMs)}: ${s(r.resync.wallMs)}`, r.resync.wallMs <= bar.resyncMs],
            [`${kind}: unchanged re-sync writes nothing: ${Math.max(...r.allResyncs.map((f) => f.writes))} writes`, r.allResyncs.every((f) => f.writes === 0)],
            [`${kind}: plex.tv requests = 2 + 1 + ${SERVERS} servers in every run`, requestsOk],
            [`${kind}: peak RSS of any process ≤ ${mb(bar.rssMb)}: ${mb(Math.max(...[...r.allFirsts, ...r.allResyncs].map((f) => f.peakRssMb)))}`, [...r.allFirsts, ...r.allResyncs].every((f) => f.peakRssMb <= bar.rssMb)],
          );
        } else {
          checks.push(
            [`${kind}: every user on every server, first import ≤ ${s(bar.wideMs)}: ${s(r.first.wallMs)}`, r.first.wallMs <= bar.wideMs],
            [`${kind}: every user on every server, peak RSS ≤ ${mb(bar.wideRssMb)}: ${mb(r.first.peakRssMb)}`, r.first.peakRssMb <= bar.wideRssMb],
            [`${kind}: every user on every server, plex.tv requests = 2 + 1 + ${SERVERS} servers`, r.first.plexRequests === SERVERS + 3],
          );
        }
      }
    } finally {
      plex.stop();
    }
  }
  console.log('\nBars (issue 12):');
  for (const [name, ok] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
  const failed = checks.filter(([, ok]) => !ok).length;
  console.log(failed === 0 ? '\nEvery bar met.' : `\n${failed} bar(s) not met.`);
}

runBenchmark(main);
