/*
 * The restore benchmark (a script, never a timed test):
 *   npm run build && node dist/tests/bench/restore.js
 * 1,000 standard users the lifecycle removed from the owner's 2 Plex servers (one plan granting
 * both: all of one, two libraries of the other) pay again in one PayPal CSV import; the import is
 * followed by what the bot and the CLI do right after it: every user's shares restored on plex.tv.
 * On SQLite and on MariaDB it prints the plex.tv requests the restore sent (bar: about one per
 * share, ≤ 5 at once), its wall time and its database time. BENCH_RESTORE_USERS changes the size.
 */
import { createApp, type App } from '../../src/app';
import { FixedClock } from '../../src/config/clock';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { StatementCounter } from './statement-counter';
import type { Store } from '../../src/repositories/store';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import type { FakePlexAccount } from '../fakes/plex/plex-data';
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from '../support/databases';
import { paypalCsv } from '../support/payments';
import { runBenchmark } from './bars';

const USERS = Number(process.env.BENCH_RESTORE_USERS ?? 1_000);
const NOW = new Date('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;
const PLEX_BASE = 4_000_000;
const TOKEN = 'bench-restore-token';
const MOVIES = 'a'.repeat(40);
const SHOWS = 'b'.repeat(40);

function account(): FakePlexAccount {
  return {
    token: TOKEN,
    servers: [
      { machineIdentifier: MOVIES, name: 'Movies Box', sections: [{ id: 11, key: '1', title: 'Movies', type: 'movie' }, { id: 12, key: '2', title: '4K', type: 'movie' }] },
      {
        machineIdentifier: SHOWS,
        name: 'Shows Box',
        sections: [
          { id: 21, key: '1', title: 'TV Shows', type: 'show' },
          { id: 22, key: '2', title: 'Anime', type: 'show' },
          { id: 23, key: '3', title: 'Music', type: 'artist' },
        ],
      },
    ],
    // Removed by the lifecycle: known to plex.tv, sharing nothing.
    users: Array.from({ length: USERS }, (_, i) => ({ id: PLEX_BASE + i, title: `User ${i}`, username: `user${i}`, email: `user${i}@example.com`, shares: [] })),
  };
}

/** Time during which at least one database call was in flight (users are restored 5 at once, so calls overlap). */
function timeStore(store: Store): { ms: number } {
  const total = { ms: 0 };
  let active = 0;
  let since = 0;
  for (const method of ['read', 'transaction'] as const) {
    const original = store[method].bind(store);
    store[method] = (<T>(work: Parameters<Store['read']>[0]) => {
      if (active++ === 0) since = performance.now();
      return (original(work) as Promise<T>).finally(() => {
        if (--active === 0) total.ms += performance.now() - since;
      });
    }) as Store['read'];
  }
  return total;
}

async function seed(app: App, kind: DatabaseKind): Promise<void> {
  await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', makeDefault: true });
  await app.usersSync().run();
  await app.sharedServersSync().run();
  await app.planAccess.setAccess('Monthly', MOVIES, { kind: 'all' });
  await app.planAccess.setAccess('Monthly', SHOWS, { kind: 'libraries', titles: ['TV Shows', 'Anime'] });
  const planId = (await app.store.read((r) => r.plans.findDefault()))!.id;
  const ended = new Date(NOW.getTime() - 10 * DAY);
  await app.store.transaction(async (r) => {
    const users = await r.users.loadSyncSnapshot();
    await r.payments.insertMany(
      users.map((u) => ({ userId: u.id, planId, startsAt: new Date(ended.getTime() - 30 * DAY), endsAt: ended, amountCents: 1000, currency: 'USD', subscriptionId: null, transactionId: null, source: 'manual' as const, isDefault: true })),
      NOW,
    );
  });
  const at = kind === 'sqlite' ? ended.toISOString().replace('T', ' ').slice(0, 23) : ended;
  await app.store.dataSource.query("UPDATE users SET class = 'standard', paypal_email = email, plex_removed_at = ?, plex_removed_end_at = ?", [at, at]);
}

async function measure(kind: DatabaseKind) {
  const plex = new FakePlexTv(account());
  const plexUrl = await plex.start();
  const db = await createTestDatabase(kind);
  const counter = new StatementCounter();
  const config = loadConfig({ DATABASE_URL: db.url, PLEX_TV_URL: plexUrl, PLEX_TOKEN: TOKEN, LOG_LEVEL: 'silent' });
  const app = await createApp(config, { clock: new FixedClock(NOW), logger: createLogger('silent'), queryLogger: counter });
  try {
    await seed(app, kind);
    const day = NOW.toISOString().slice(0, 10).split('-');
    const csv = paypalCsv(Array.from({ length: USERS }, (_, i) => ({ date: `${day[1]}/${day[2]}/${day[0]}`, gross: '10.00', from: `user${i}@example.com`, id: `BENCH${String(i).padStart(6, '0')}` })));
    const importStarted = performance.now();
    const summary = await app.payments.importCsv(csv);
    const importMs = performance.now() - importStarted;
    const dbTime = timeStore(app.store);
    plex.resetRequests();
    counter.statements = 0;
    const started = performance.now();
    const result = await app.lifecycle.followPayments();
    const wallMs = performance.now() - started;
    const requests = plex.requests.filter((r) => r.path !== '/api/resources');
    const shares = [MOVIES, SHOWS].reduce((n, mid) => n + plex.sharesOf(mid).length, 0);
    return {
      kind,
      matched: summary.matched,
      importMs,
      restored: result.restoredToPlex,
      failures: result.failures.length,
      shares,
      plexRequests: requests.length,
      plexWrites: requests.filter((r) => r.method !== 'GET').length,
      wallMs,
      dbMs: dbTime.ms,
      statements: counter.statements,
    };
  } finally {
    await app.close();
    await db.drop();
    await plex.stop();
  }
}

async function main(): Promise<void> {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\nRestore after one import: ${USERS} removed users pay again (plan: 2 servers)`);
  for (const kind of DATABASE_KINDS) {
    const f = await measure(kind);
    console.log(
      `${kind.padEnd(8)} import ${s(f.importMs)} (${f.matched} matched) | restore: ${f.restored} restored, ${f.failures} failures, ${f.shares} shares on plex.tv, ` +
        `${f.plexRequests} plex.tv requests (${f.plexWrites} writes), wall ${s(f.wallMs)}, database ${s(f.dbMs)} (${f.statements} statements)`,
    );
    if (f.restored !== USERS || f.plexWrites > f.shares) process.exitCode = 1;
  }
}

runBenchmark(main);
