/*
 * The payments import benchmark (a script, never a timed test):
 *   node dist/tests/bench/payments.js
 * 50,000 PayPal transactions (a generated activity download) against 10,000 users, on SQLite and
 * on MariaDB. Each measured run is the real CLI (`streams-manager payments import file.csv`) as
 * its own process: a first import, then the same file again (all duplicates). Prints wall time
 * from spawn to exit and where it went, SQL statements and peak RSS, and PASS/FAIL against the
 * bars (≤ 2.5 s SQLite, ≤ 3.5 s MariaDB, ≤ 200 MB, no query per transaction).
 * BENCH_USERS / BENCH_TRANSACTIONS change the size, BENCH_DATABASES=sqlite measures one database; BENCH_PROFILE=dir writes a CPU profile of
 * each measured process there.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import type { ImportSummary } from '../../src/services/payments-import.service';
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from '../support/databases';
import { printBars, runBenchmark, type Bar } from './bars';
import type { ProbeReport } from './process-probe';

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 50_000);
/** The bars of the issue, for a whole CLI process on the 2-core development machine. */
/** BENCH_DATABASES=sqlite (or mariadb) measures one only, while working on it. */
const KINDS = (process.env.BENCH_DATABASES?.split(',') ?? DATABASE_KINDS).filter((k): k is DatabaseKind => (DATABASE_KINDS as readonly string[]).includes(k));
const BARS: Record<DatabaseKind, { ms: number; rssMb: number }> = {
  sqlite: { ms: 2_500, rssMb: 200 },
  mariadb: { ms: 3_500, rssMb: 200 },
};

interface Figures {
  mode: 'first' | 'again';
  /** From spawn to exit. */
  wallMs: number;
  /** The import's own duration, as its summary says. */
  importMs: number;
  split: { startupMs: number; readMs: number; lockedMs: number; afterMs: number; importMs: number };
  /** CPU time of the process (user + system). */
  cpuMs: number;
  statements: number;
  writes: number;
  peakRssMb: number;
  summary: Record<string, unknown>;
}

/** Deterministic pseudo-random numbers, so every run imports the same file. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A PayPal download of `count` rows: about 80% subscribers' payments (by email, PayPal email or
 * subscription), 8% strangers, 5% currency conversions, 3% refunds, 2% pending, 2% memos.
 */
export function generateCsv(count: number, users: number): string {
  const next = random(42);
  const header = ['Date', 'Time', 'TimeZone', 'Name', 'Type', 'Status', 'Currency', 'Gross', 'Fee', 'Net', 'From Email Address', 'To Email Address', 'Transaction ID', 'Item Title', 'Reference Txn ID', 'Receipt ID', 'Balance', 'Subject', 'Note', 'Balance Impact'];
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const lines = [header.map(q).join(',')];
  const start = Date.UTC(2025, 11, 1);
  const paid: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(start + Math.floor((i / count) * 360 * 86_400_000) + Math.floor(next() * 3_600_000));
    const date = `${String(at.getUTCMonth() + 1).padStart(2, '0')}/${String(at.getUTCDate()).padStart(2, '0')}/${at.getUTCFullYear()}`;
    const time = at.toISOString().slice(11, 19);
    const id = `BENCH${String(i).padStart(12, '0')}`;
    const plexId = 100_000 + Math.floor(next() * users);
    const r = next();
    let row: string[];
    if (r < 0.8) {
      const byPaypal = plexId % 2 === 0 && next() < 0.5;
      const email = byPaypal ? `user${plexId}@paypal.example` : `User${plexId}@Example.com`;
      const subscription = plexId % 5 === 0 ? `I-BENCH0${plexId}` : '';
      const yearly = next() < 0.1;
      const gross = yearly ? '100.00' : '10.00';
      row = [date, time, 'PST', `User ${plexId}`, subscription ? 'Subscription Payment' : 'General Payment', 'Completed', 'USD', gross, '-0.59', gross, subscription ? 'nobody@example.net' : email, 'owner@example.com', id, 'Plex', subscription, '', '', '', 'thanks, see you', 'Credit'];
      paid.push(id);
    } else if (r < 0.88) {
      row = [date, time, 'PST', 'Stranger', 'Website Payment', 'Completed', 'USD', '1,560.00', '-45.54', '1,514.46', `stranger${i}@example.net`, 'owner@example.com', id, '', '', '', '', '', '', 'Credit'];
    } else if (r < 0.93) {
      row = [date, time, 'PST', '', 'General Currency Conversion', 'Completed', 'EUR', '-8.44', '0.00', '-8.44', 'owner@example.com', '', id, '', paid[paid.length - 1] ?? '', '', '', '', '', 'Debit'];
    } else if (r < 0.96 && paid.length > 0) {
      row = [date, time, 'PST', 'Refunded', 'Payment Refund', 'Completed', 'USD', '-10.00', '0.00', '-10.00', 'owner@example.com', `user${plexId}@example.com`, id, '', paid[Math.floor(next() * paid.length)]!, '', '', '', '', 'Debit'];
    } else if (r < 0.98) {
      row = [date, time, 'PST', `User ${plexId}`, 'Subscription Payment', 'Pending', 'USD', '10.00', '-0.59', '9.41', `user${plexId}@example.com`, 'owner@example.com', id, '', '', '', '', '', '', 'Credit'];
    } else {
      row = [date, time, 'PST', 'Shop', 'General Authorization', 'Pending', 'USD', '-25.00', '0.00', '-25.00', 'owner@example.com', 'shop@example.com', id, '', '', '', '', '', '', 'Memo'];
    }
    lines.push(row.map(q).join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/** 10,000 standard users, each with a default payment; half with a PayPal email, a fifth on a subscription. */
export async function seed(databaseUrl: string): Promise<void> {
  const app = await createApp(loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }), { logger: createLogger('silent') });
  try {
    await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', currency: 'USD', makeDefault: true });
    await app.catalog.createPlan({ name: 'Yearly', duration: '12m', price: '100.00', currency: 'USD' });
    const now = new Date(Date.UTC(2025, 10, 1));
    await app.store.transaction(async (repos) => {
      const plan = (await repos.plans.findDefault())!;
      const users = Array.from({ length: USERS }, (_, i) => ({
        plexId: 100_000 + i,
        username: `user${100_000 + i}`,
        email: `user${100_000 + i}@example.com`,
        title: `User ${100_000 + i}`,
        thumb: null,
        home: false,
        userClass: 'standard' as const,
      }));
      const ids = await repos.users.insertMany(users, now);
      await repos.payments.insertMany(
        users.map((u) => ({
          userId: ids.get(u.plexId)!,
          planId: plan.id,
          startsAt: now,
          endsAt: new Date(Date.UTC(2025, 11, 1)),
          amountCents: 1000,
          currency: 'USD',
          subscriptionId: u.plexId % 5 === 0 ? `I-BENCH0${u.plexId}` : null,
          transactionId: null,
          source: 'default' as const,
          isDefault: true,
        })),
        now,
      );
    });
    await app.store.dataSource.query("UPDATE users SET paypal_email = REPLACE(email, '@example.com', '@paypal.example') WHERE plex_id % 2 = 0");
  } finally {
    await app.close();
  }
}

/** The built CLI, the program an admin runs. */
const CLI = path.resolve(__dirname, '../../src/cli/launcher.js');
const PROBE = path.join(__dirname, 'process-probe.js');
/** BENCH_PROFILE=dir: each measured process writes a V8 CPU profile there (tests/bench/profile-summary.ts sums them up). */
const PROFILE_DIR = process.env.BENCH_PROFILE ? path.resolve(process.env.BENCH_PROFILE) : null;

/**
 * One measured import: `streams-manager payments import <file> --json` as its own process, wall
 * time from spawn to exit. The probe adds its peak RSS, SQL statements and their times, which split
 * the wall into start-up, reading the file, the import's transaction, and what follows it.
 */
async function measureCli(mode: 'first' | 'again', databaseUrl: string, file: string, kind: DatabaseKind): Promise<Figures> {
  const probeFile = path.join(PROFILE_DIR ?? path.dirname(file), `probe-${kind}-${mode}.json`);
  const profile = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', `payments-${kind}-${mode}.cpuprofile`] : [];
  const args = [...profile, '--require', PROBE, CLI, 'payments', 'import', file, '--date-format', 'MDY', '--json'];
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      // No .env of a checkout is read: only what the benchmark gives.
      cwd: path.dirname(file),
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', BENCH_PROBE_FILE: probeFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: Buffer.concat(out).toString('utf8'), stderr: err }));
  });
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`payments import (${kind}, ${mode}) exited ${code}: ${stderr.trim() || stdout.slice(0, 2000)}`);
  const probe = JSON.parse(fs.readFileSync(probeFile, 'utf8')) as ProbeReport;
  const { notices, refundsApplied, refundsToReview, rejected, plexAccess, ...counts } = JSON.parse(stdout) as ImportSummary & { plexAccess?: unknown };
  return {
    mode,
    wallMs,
    importMs: counts.durationMs,
    split: splitOf(probe, counts.durationMs),
    cpuMs: probe.cpuMs,
    statements: probe.statements,
    writes: probe.writes,
    peakRssMb: probe.peakRssMb,
    summary: { ...counts, refundsApplied: refundsApplied.length, refundsToReview: refundsToReview.length, rejected: rejected.length, notices: notices.length, plexAccess: plexAccess ?? null },
  };
}

/**
 * Where a measured process's time went, from its statements' times: start-up until the app is
 * ready (Node, modules, opening the database, its last statement before the import), reading and
 * checking the file (no SQL until the import takes its lock), the import under the lock (matching
 * and writing, one transaction), and what follows (plex access following the payments, closing).
 */
function splitOf(probe: ProbeReport, importMs: number): Figures['split'] {
  // Start-up reads the locks table too (abandoned runs): the import's lock is the first write to it.
  const firstLock = probe.timeline.findIndex(([, q]) => /^\s*(INSERT INTO|UPDATE) locks\b/i.test(q));
  const ready = firstLock > 0 ? probe.timeline[firstLock - 1]![0] : 0;
  const locked = firstLock >= 0 ? probe.timeline[firstLock]![0] : ready;
  let released = locked;
  for (const [at, q] of probe.timeline) if (/^\s*DELETE FROM locks\b/i.test(q)) released = at;
  return {
    startupMs: ready,
    readMs: locked - ready,
    lockedMs: released - locked,
    afterMs: probe.exitAtMs - released,
    importMs,
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  console.log(`Payments import benchmark: ${TRANSACTIONS} PayPal transactions against ${USERS} users; whole CLI processes; Node ${process.version}`);
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smb-bench-')), 'activity.csv');
  fs.writeFileSync(file, generateCsv(TRANSACTIONS, USERS));
  console.log(`CSV: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB${PROFILE_DIR ? `; CPU profiles in ${PROFILE_DIR}` : ''}`);
  if (PROFILE_DIR) fs.mkdirSync(PROFILE_DIR, { recursive: true });
  const checks: Bar[] = [];
  try {
    for (const kind of KINDS) {
      const db = await createTestDatabase(kind);
      try {
        await seed(db.url);
        const first = await measureCli('first', db.url, file, kind);
        const again = await measureCli('again', db.url, file, kind);
        console.log(`\n${kind}`);
        for (const f of [first, again]) {
          const sp = f.split;
          console.log(`  ${f.mode.padEnd(6)} wall ${s(f.wallMs).padStart(8)}  CPU ${s(f.cpuMs).padStart(8)}  SQL statements ${String(f.statements).padStart(5)}  writes ${String(f.writes).padStart(4)}  peak RSS ${f.peakRssMb.toFixed(0)} MB`);
          console.log(
            `         start-up ${s(sp.startupMs)}, reading the file ${s(sp.readMs)}, import under the lock ${s(sp.lockedMs)}, after it ${s(sp.afterMs)} (the import's own duration ${s(sp.importMs)})`,
          );
          console.log(`         ${JSON.stringify(f.summary)}`);
        }
        const bar = BARS[kind];
        checks.push(
          [`${kind}: first import ≤ ${bar.ms / 1000} s (whole process)`, first.wallMs <= bar.ms],
          [`${kind}: first import peak RSS ≤ ${bar.rssMb} MB`, first.peakRssMb <= bar.rssMb],
          [`${kind}: the same file again ≤ ${bar.ms / 1000} s, peak RSS ≤ ${bar.rssMb} MB`, again.wallMs <= bar.ms && again.peakRssMb <= bar.rssMb],
          [`${kind}: SQL statements not per transaction (< ${TRANSACTIONS / 100})`, first.statements < TRANSACTIONS / 100],
          [`${kind}: the same file again creates nothing`, again.summary.imported === 0 && again.writes === 0],
        );
      } finally {
        await db.drop();
      }
    }
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  printBars(checks);
}

if (require.main === module) runBenchmark(main);
