/*
 * The payments import benchmark (a script, never a timed test):
 *   node dist/tests/bench/payments.js
 * 50,000 PayPal transactions (a generated activity download) against 10,000 users, on SQLite and
 * on MariaDB, each measured run in a fresh process: a first import, then the same file again
 * (all duplicates). Prints wall time, SQL statements and peak RSS; the bar is ≤ 10 s and no
 * query per transaction. BENCH_USERS / BENCH_TRANSACTIONS change the size.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { StatementCounter } from '../../src/database/data-source';
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from '../support/databases';

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 50_000);
const BAR_MS = 10_000;

interface Figures {
  mode: 'first' | 'again';
  wallMs: number;
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
async function seed(databaseUrl: string): Promise<void> {
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

/** One measured import in this process; prints one JSON line. */
async function worker(mode: 'first' | 'again', databaseUrl: string, file: string): Promise<void> {
  const counter = new StatementCounter();
  const app = await createApp(loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }), { logger: createLogger('silent'), queryLogger: counter });
  const text = fs.readFileSync(file, 'utf8');
  counter.reset();
  const started = performance.now();
  const summary = await app.payments.importCsv(text, { dateFormat: 'MDY' });
  const wallMs = performance.now() - started;
  const { notices, ...counts } = summary;
  const figures: Figures = { mode, wallMs, statements: counter.statements, writes: counter.writes, peakRssMb: process.resourceUsage().maxRSS / 1024, summary: { ...counts, notices: notices.length } };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  await app.close();
}

function runWorker(args: string[]): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, 'worker', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Figures) : reject(new Error(`worker exited ${code}`))));
  });
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'worker') return worker(args[0] as 'first' | 'again', args[1]!, args[2]!);
  console.log(`Payments import benchmark: ${TRANSACTIONS} PayPal transactions against ${USERS} users; Node ${process.version}`);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smb-bench-')), 'activity.csv');
  fs.writeFileSync(file, generateCsv(TRANSACTIONS, USERS));
  console.log(`CSV: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`);
  const checks: Array<[string, boolean]> = [];
  try {
    for (const kind of DATABASE_KINDS as readonly DatabaseKind[]) {
      const db = await createTestDatabase(kind);
      try {
        await seed(db.url);
        const first = await runWorker(['first', db.url, file]);
        const again = await runWorker(['again', db.url, file]);
        console.log(`\n${kind}`);
        for (const f of [first, again]) {
          console.log(`  ${f.mode.padEnd(6)} wall ${s(f.wallMs).padStart(8)}  SQL statements ${String(f.statements).padStart(5)}  writes ${String(f.writes).padStart(4)}  peak RSS ${f.peakRssMb.toFixed(0)} MB`);
          console.log(`         ${JSON.stringify(f.summary)}`);
        }
        checks.push(
          [`${kind}: first import ≤ ${BAR_MS / 1000} s`, first.wallMs <= BAR_MS],
          [`${kind}: SQL statements not per transaction (< ${TRANSACTIONS / 100})`, first.statements < TRANSACTIONS / 100],
          [`${kind}: the same file again creates nothing`, again.summary.imported === 0],
        );
      } finally {
        await db.drop();
      }
    }
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  console.log('\nBars:');
  for (const [name, ok] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
