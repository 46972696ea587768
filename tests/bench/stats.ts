/*
 * The stats benchmark (a script, never a timed test):
 *   npm run build && node dist/tests/bench/stats.js
 * 10,000 users and 100,000 payments (monthly periods over the last two years: growth, churn,
 * returning subscribers, three currencies, a few voided and amount-less payments, partial refunds),
 * on SQLite and on MariaDB. It measures the stats report (database time: time inside the store's
 * reads; SQL statements) and the report plus the chart, three times each, and checks the bars:
 * database ≤ 1 s, report + chart ≤ 1.5 s. The chart of the SQLite run is written to
 * docs/stats-chart.png (BENCH_CHART to write it elsewhere, BENCH_CHART=- not at all).
 * BENCH_USERS and BENCH_PAYMENTS change the sizes; BENCH_JSON=file writes the SQLite run's report there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createApp, type App } from '../../src/app';
import { renderStatsChart } from '../../src/charts/stats-chart';
import { FixedClock } from '../../src/config/clock';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { StatementCounter } from './statement-counter';
import { Sql, type SqlValue } from '../../src/repositories/sql';
import type { Store } from '../../src/repositories/store';
import type { StatsReport } from '../../src/services/stats.service';
import { seededRandom } from '../fakes/plex/plex-data';
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from '../support/databases';
import { printBars, runBenchmark, type Bar } from './bars';

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 100_000);
const NOW = new Date('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;
const DB_BAR_MS = 1_000;
const TOTAL_BAR_MS = 1_500;
const RUNS = 3;
const CHART = process.env.BENCH_CHART ?? path.resolve(__dirname, '../../../docs/stats-chart.png');

interface GenPayment {
  user: number;
  starts: Date;
  ends: Date;
}

const CURRENCIES: Array<[string, number]> = [
  ['USD', 1000],
  ['EUR', 900],
  ['GBP', 800],
];

/**
 * Each user pays monthly from the month they joined (more joined recently: the business grows),
 * a third leave after a while, some skip a month and come back. Then payments are added before a
 * user's first one, or their first one dropped, until there are exactly PAYMENTS of them.
 */
function generate(): { histories: GenPayment[][]; currency: string[]; price: number[] } {
  // Seeded, so both databases (and every run) get the same data.
  const rnd = seededRandom(42);
  const histories: GenPayment[][] = [];
  const currency: string[] = [];
  const price: number[] = [];
  for (let u = 0; u < USERS; u++) {
    const r = rnd();
    const [code, cents] = CURRENCIES[r < 0.7 ? 0 : r < 0.95 ? 1 : 2]!;
    currency.push(code);
    price.push(cents);
    const joinedMonthsAgo = Math.floor(Math.pow(rnd(), 1.6) * 22);
    const day = 1 + Math.floor(rnd() * 28);
    const stays = rnd() < 0.35 ? 1 + Math.floor(rnd() * 14) : Infinity;
    const skip = rnd() < 0.08 ? 1 + Math.floor(rnd() * 8) : -1;
    const list: GenPayment[] = [];
    for (let k = 0; k < stays; k++) {
      const starts = monthDay(-joinedMonthsAgo + k, day);
      if (starts.getTime() > NOW.getTime()) break;
      if (k === skip) continue;
      list.push({ user: u, starts, ends: monthDay(-joinedMonthsAgo + k + 1, day) });
    }
    if (list.length === 0) list.push({ user: u, starts: monthDay(-joinedMonthsAgo, day), ends: monthDay(-joinedMonthsAgo + 1, day) });
    histories.push(list);
  }
  let total = histories.reduce((n, h) => n + h.length, 0);
  // The longest histories first: trimming or extending them leaves the recent joiners as generated.
  const order = histories.map((h, u) => [h.length, u] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, u]) => u);
  for (let k = 0; total !== PAYMENTS; k = (k + 1) % USERS) {
    const u = order[k]!;
    const list = histories[u]!;
    if (total < PAYMENTS) {
      const first = list[0]!;
      list.unshift({ user: u, starts: addMonthsKeepDay(first.starts, -1), ends: first.starts });
      total++;
    } else if (list.length > 1) {
      list.shift();
      total--;
    }
  }
  return { histories, currency, price };
}

function monthDay(offset: number, day: number): Date {
  return new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth() + offset, day, 9, 0, 0));
}

function addMonthsKeepDay(date: Date, offset: number): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, date.getUTCDate(), date.getUTCHours()));
}

/** Bulk inserts through the same multi-row statements the repositories use. */
async function seed(app: App): Promise<void> {
  const { histories, currency, price } = generate();
  const rnd = seededRandom(7);
  await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', currency: 'USD', makeDefault: true });
  const planId = (await app.store.read((r) => r.plans.findDefault()))!.id;
  await app.store.transaction(async () => {
    const sql = new Sql(app.store.dataSource.manager, app.store.dialect);
    const users: SqlValue[][] = [];
    for (let u = 0; u < USERS; u++) {
      const permanent = rnd() < 0.03;
      const removed = !permanent && rnd() < 0.02 ? new Date(NOW.getTime() - Math.floor(rnd() * 90) * DAY) : null;
      const reviewed = rnd() < 0.8 ? NOW : null;
      users.push([1_000_000 + u, `user${u}`, `user${u}@example.com`, `User ${u}`, false, permanent ? 'permanent' : 'standard', removed, reviewed, reviewed, NOW, NOW]);
    }
    await sql.insertMany('users', ['plex_id', 'username', 'email', 'title', 'home', 'class', 'removed_at', 'profile_reviewed_at', 'payment_reviewed_at', 'created_at', 'updated_at'], users);
    const ids = new Map((await sql.query<{ id: number; plex_id: number }>('SELECT id, plex_id FROM users')).map((r) => [Number(r.plex_id) - 1_000_000, Number(r.id)]));
    const payments: SqlValue[][] = [];
    const refunds: SqlValue[][] = [];
    let n = 0;
    for (const list of histories) {
      for (const p of list) {
        n++;
        const noAmount = rnd() < 0.02;
        const voided = rnd() < 0.005 ? NOW : null;
        const recurring = p.user % 3 === 0 ? `I-${String(p.user).padStart(12, '0')}` : null;
        const transactionId = `BENCH-${n}`;
        payments.push([ids.get(p.user)!, planId, p.starts, p.ends, noAmount ? null : price[p.user]!, noAmount ? null : currency[p.user]!, recurring, transactionId, 'paypal', false, p.starts, voided, NOW, NOW]);
        if (!noAmount && !voided && rnd() < 0.005) refunds.push(['paypal', 'refund', `${transactionId}-R`, transactionId, 'completed', new Date(p.starts.getTime() + 3 * DAY), 200, currency[p.user]!, n, ids.get(p.user)!, NOW, NOW]);
      }
    }
    await sql.insertMany('payments', ['user_id', 'plan_id', 'starts_at', 'ends_at', 'amount_cents', 'currency', 'subscription_id', 'transaction_id', 'source', 'is_default', 'paid_at', 'voided_at', 'created_at', 'updated_at'], payments);
    // Payment ids follow insertion order on a fresh table: the refunds point at theirs by position.
    await sql.insertMany('payment_events', ['source', 'kind', 'transaction_id', 'reference_transaction_id', 'status', 'occurred_at', 'amount_cents', 'currency', 'payment_id', 'user_id', 'created_at', 'updated_at'], refunds);
  });
}

/** Sums the time spent inside the store: the database's share of a report. */
function timeStore(store: Store): { ms: number } {
  const total = { ms: 0 };
  const original = store.read.bind(store);
  store.read = (<T>(work: Parameters<Store['read']>[0]) => {
    const started = performance.now();
    return (original(work) as Promise<T>).finally(() => (total.ms += performance.now() - started));
  }) as Store['read'];
  return total;
}

interface Run {
  dbMs: number;
  reportMs: number;
  chartMs: number;
  totalMs: number;
  statements: number;
  report: StatsReport;
  png: Buffer;
}

async function measure(kind: DatabaseKind): Promise<{ runs: Run[]; seedMs: number; counts: { users: number; payments: number } }> {
  const db = await createTestDatabase(kind);
  const counter = new StatementCounter();
  const app = await createApp(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }), { clock: new FixedClock(NOW), logger: createLogger('silent'), queryLogger: counter });
  try {
    if (process.env.BENCH_KEEP) console.log(`  database kept: ${db.url}`);
    const seeding = performance.now();
    await seed(app);
    const seedMs = performance.now() - seeding;
    const [{ users }] = await app.store.dataSource.query('SELECT COUNT(*) AS users FROM users');
    const [{ payments }] = await app.store.dataSource.query('SELECT COUNT(*) AS payments FROM payments');
    const timer = timeStore(app.store);
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      timer.ms = 0;
      counter.reset();
      const started = performance.now();
      const report = await app.stats.report();
      const reported = performance.now();
      const png = renderStatsChart(report);
      const done = performance.now();
      runs.push({ dbMs: timer.ms, reportMs: reported - started, chartMs: done - reported, totalMs: done - started, statements: counter.statements, report, png });
    }
    return { runs, seedMs, counts: { users: Number(users), payments: Number(payments) } };
  } finally {
    await app.close();
    if (!process.env.BENCH_KEEP) await db.drop();
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  console.log(`Stats benchmark: ${USERS} users, ${PAYMENTS} payments, now = ${NOW.toISOString()}; Node ${process.version}`);
  const checks: Bar[] = [];
  for (const kind of DATABASE_KINDS) {
    const { runs, seedMs, counts } = await measure(kind);
    console.log(`\n${kind} (seeded ${counts.users} users, ${counts.payments} payments in ${s(seedMs)})`);
    runs.forEach((r, i) =>
      console.log(
        `  run ${i + 1}: database ${s(r.dbMs).padStart(8)} (${r.statements} SQL statements)  report ${s(r.reportMs).padStart(8)}  chart ${s(r.chartMs).padStart(8)}  total ${s(r.totalMs).padStart(8)}`,
      ),
    );
    const first = runs[0]!;
    const u = first.report.users;
    console.log(`  users: ${u.total} (active ${u.active}, expiring ${u.expiringWithin7Days}, expired ${u.expired}, removed ${u.removed}, permanent ${u.permanent}, needs review ${u.needsReview})`);
    console.log(`  months: ${first.report.months.map((m) => `${m.month} ${m.activeSubscribers}+${m.newSubscribers + m.returningSubscribers}-${m.lostSubscribers}`).join(', ')}`);
    const db = median(runs.map((r) => r.dbMs));
    const total = median(runs.map((r) => r.totalMs));
    checks.push(
      [`${kind}: seeded ${USERS} users and ${PAYMENTS} payments`, counts.users === USERS && counts.payments === PAYMENTS],
      [`${kind}: database time ≤ ${DB_BAR_MS / 1000} s (median of ${RUNS}: ${s(db)}; first ${s(first.dbMs)})`, db <= DB_BAR_MS],
      [`${kind}: report + chart ≤ ${TOTAL_BAR_MS / 1000} s (median of ${RUNS}: ${s(total)}; first ${s(first.totalMs)})`, total <= TOTAL_BAR_MS],
      [`${kind}: SQL statements not per user (${first.statements})`, first.statements <= 10],
    );
    if (kind === 'sqlite' && CHART !== '-') {
      fs.mkdirSync(path.dirname(CHART), { recursive: true });
      fs.writeFileSync(CHART, first.png);
      console.log(`  chart written to ${CHART}`);
    }
    if (kind === 'sqlite' && process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(first.report, null, 2)}\n`);
  }
  printBars(checks);
}

runBenchmark(main);
