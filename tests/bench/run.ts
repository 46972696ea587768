/*
 * npm run bench — the sync benchmark (a script, never a timed test).
 * 10,000 users across 20 owned servers, each user sharing 1 to 3 of them (about 20,000 shares and
 * 21 MB of XML from plex.tv), served by the fake plex.tv in its own process; each measured run in a
 * fresh process. BENCH_USERS / BENCH_SERVERS change the size, BENCH_SPREAD=all makes every user
 * share every server (200,000 shares), BENCH_NAIVE_SECONDS time-boxes the naive loop.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from '../support/databases';

interface Figures {
  mode: string;
  wallMs: number;
  measuredMs?: number;
  rows: number;
  totalRows?: number;
  complete: boolean;
  statements: number;
  writes: number;
  plexRequests: number;
  peakRssMb: number;
}

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const SERVERS = Number(process.env.BENCH_SERVERS ?? 20);
const NAIVE_SECONDS = process.env.BENCH_NAIVE_SECONDS ?? '90';
const SPREAD = process.env.BENCH_SPREAD === 'all' ? 'all' : '1-3';

function runNode(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n').pop() ?? '') : reject(new Error(`${script} exited ${code}`))));
  });
}

async function startPlex(): Promise<{ url: string; token: string; stop: () => void }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'plex-server.js'), String(USERS), String(SERVERS), SPREAD], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve));
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return { url, token, stop: () => child.kill('SIGTERM') };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function measure(kind: DatabaseKind, plex: { url: string; token: string }) {
  const db = await createTestDatabase(kind);
  const naiveDb = await createTestDatabase(kind);
  try {
    const first = JSON.parse(await runNode('sync-worker.js', ['first', db.url, plex.url, plex.token])) as Figures;
    const resync = JSON.parse(await runNode('sync-worker.js', ['resync', db.url, plex.url, plex.token])) as Figures;
    const naive = JSON.parse(await runNode('sync-worker.js', ['naive', naiveDb.url, plex.url, plex.token, NAIVE_SECONDS])) as Figures;
    return { kind, first, resync, naive };
  } finally {
    await db.drop();
    await naiveDb.drop();
  }
}

async function main(): Promise<void> {
  console.log(`Sync benchmark: ${USERS} users across ${SERVERS} owned servers, each sharing ${SPREAD === 'all' ? 'all' : '1 to 3'} of them; Node ${process.version}`);
  const plex = await startPlex();
  const results = [];
  try {
    for (const kind of DATABASE_KINDS) results.push(await measure(kind, plex));
  } finally {
    plex.stop();
  }
  const bars = { sqlite: 3_000, mariadb: 6_000 } as const;
  const checks: Array<[string, boolean]> = [];
  for (const r of results) {
    console.log(`\n${r.kind}`);
    for (const f of [r.first, r.resync, r.naive]) {
      const note = f.complete ? '' : ` (time-boxed: ${f.rows}/${f.totalRows} rows in ${s(f.measuredMs ?? 0)}, whole data extrapolated)`;
      console.log(
        `  ${f.mode.padEnd(7)} wall ${s(f.wallMs).padStart(9)}  SQL statements ${String(f.statements).padStart(7)}  domain writes ${String(f.writes).padStart(6)}  plex.tv requests ${String(f.plexRequests).padStart(3)}  peak RSS ${f.peakRssMb.toFixed(0)} MB${note}`,
      );
    }
    const ratio = r.naive.wallMs / r.first.wallMs;
    console.log(`  first import is ${ratio.toFixed(1)}× faster than the naive loop`);
    checks.push(
      [`${r.kind}: first import ≤ ${bars[r.kind] / 1000} s`, r.first.wallMs <= bars[r.kind]],
      [`${r.kind}: unchanged re-sync ≤ 1.5 s`, r.resync.wallMs <= 1_500],
      [`${r.kind}: unchanged re-sync writes nothing`, r.resync.writes === 0],
      [`${r.kind}: plex.tv requests = 2 + 1 + servers (constant in users)`, r.first.plexRequests === SERVERS + 3 && r.resync.plexRequests === SERVERS + 3],
      [`${r.kind}: peak RSS ≤ 200 MB`, Math.max(r.first.peakRssMb, r.resync.peakRssMb) <= 200],
      [`${r.kind}: ≥ 10× faster than the naive loop`, ratio >= 10],
    );
  }
  console.log('\nBars:');
  for (const [name, ok] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
