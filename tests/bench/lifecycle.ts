/*
 * The lifecycle benchmark (a script, never a timed test):
 *   npm run build && node dist/tests/bench/lifecycle.js
 * 10,000 standard users, all members of the fake Discord guild (served in this process), of whom
 * 2% changed state since the last run: 100 expired still holding the subscriber role, 100 renewed
 * without it. On SQLite and on MariaDB it measures three runs on the real app:
 *   roles   — the hourly job: must make exactly one Discord write per change
 *   daily   — the full run right after: the 100 expiry DMs (2 REST calls each: DM channel + message)
 *   steady  — the full run again: nothing to do, no writes anywhere
 * and prints Discord REST calls, SQL statements and database time (bar ≤ 1 s per run).
 * BENCH_USERS and BENCH_CHANGED change the sizes.
 */
import { createApp, type App } from '../../src/app';
import { FixedClock } from '../../src/config/clock';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { StatementCounter } from './statement-counter';
import type { Store } from '../../src/repositories/store';
import type { LifecycleRunResult } from '../../src/services/lifecycle.service';
import { FakeDiscord, type FakeMember } from '../fakes/discord';
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from '../support/databases';
import { APP_ID, DISCORD_TOKEN, discordIdOf, GUILD_ID, guildSpec, ROLE_SUB } from '../support/lifecycle';
import { printBars, runBenchmark, type Bar } from './bars';

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const CHANGED = Number(process.env.BENCH_CHANGED ?? Math.round(USERS * 0.02));
const NOW = new Date('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;
const PLEX_BASE = 3_000_000;
const DB_BAR_MS = 1_000;

interface Figures {
  run: string;
  wallMs: number;
  dbMs: number;
  statements: number;
  writes: number;
  restGets: number;
  restWrites: number;
  result: LifecycleRunResult;
}

/** Sums the time spent inside the store (the database's share of a run; Discord calls happen between). */
function timeStore(store: Store): { ms: number } {
  const total = { ms: 0 };
  for (const method of ['read', 'transaction'] as const) {
    const original = store[method].bind(store);
    store[method] = (<T>(work: Parameters<Store['read']>[0]) => {
      const started = performance.now();
      return (original(work) as Promise<T>).finally(() => (total.ms += performance.now() - started));
    }) as Store['read'];
  }
  return total;
}

/** 10,000 users with a Discord ID and one payment each, written in batches through the repositories. */
async function seed(app: App, kind: DatabaseKind): Promise<void> {
  await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', makeDefault: true });
  const planId = (await app.store.read((r) => r.plans.findDefault()))!.id;
  await app.store.transaction(async (r) => {
    const ids = await r.users.insertMany(
      Array.from({ length: USERS }, (_, i) => ({ plexId: PLEX_BASE + i, username: `user${i}`, email: `user${i}@example.com`, title: `User ${i}`, thumb: null, home: false, userClass: 'standard' as const })),
      NOW,
    );
    await r.payments.insertMany(
      [...ids].map(([plexId, userId]) => {
        const i = plexId - PLEX_BASE;
        // The first half of the changed users expired an hour ago; everyone else is paid for 30 to 60 days.
        const endsAt = i < CHANGED / 2 ? new Date(NOW.getTime() - 3_600_000) : new Date(NOW.getTime() + (30 + (i % 30)) * DAY);
        return { userId, planId, startsAt: new Date(NOW.getTime() - 30 * DAY), endsAt, amountCents: 1000, currency: 'USD', subscriptionId: null, transactionId: null, source: 'manual' as const, isDefault: true };
      }),
      NOW,
    );
  });
  const asText = kind === 'sqlite' ? 'TEXT' : 'CHAR';
  await app.store.dataSource.query(`UPDATE users SET discord_id = CAST(930000000000000000 + plex_id AS ${asText})`);
}

/** The guild: every user is a member; all hold the role they should, except the changed 2%. */
function members(): FakeMember[] {
  return Array.from({ length: USERS }, (_, i) => ({
    user: { id: discordIdOf(PLEX_BASE + i), username: `user${i}` },
    // [0, CHANGED/2): expired but still holding the role; [CHANGED/2, CHANGED): renewed, role missing.
    roles: i >= CHANGED / 2 && i < CHANGED ? [] : [ROLE_SUB],
  }));
}

async function measure(kind: DatabaseKind): Promise<Figures[]> {
  const spec = guildSpec([]);
  spec.members.push(...members());
  const discord = new FakeDiscord({ token: DISCORD_TOKEN, applicationId: APP_ID, botUser: { id: APP_ID, username: 'StreamsBot' }, guilds: [spec] });
  const { apiUrl } = await discord.start();
  const db = await createTestDatabase(kind);
  const counter = new StatementCounter();
  const config = loadConfig({
    DATABASE_URL: db.url,
    DISCORD_TOKEN,
    DISCORD_GUILD_ID: GUILD_ID,
    DISCORD_API_URL: apiUrl,
    DISCORD_SUBSCRIBER_ROLE_ID: ROLE_SUB,
    LOG_LEVEL: 'silent',
  });
  const app = await createApp(config, { clock: new FixedClock(NOW), logger: createLogger('silent'), queryLogger: counter });
  try {
    await seed(app, kind);
    const db = timeStore(app.store);
    const figures: Figures[] = [];
    const step = async (run: string, work: () => Promise<LifecycleRunResult>) => {
      const log = discord.restLog.length;
      counter.reset();
      db.ms = 0;
      const started = performance.now();
      const result = await work();
      const wallMs = performance.now() - started;
      const rest = discord.restLog.slice(log);
      figures.push({
        run,
        wallMs,
        dbMs: db.ms,
        statements: counter.statements,
        writes: counter.writes,
        restGets: rest.filter((e) => e.method === 'GET').length,
        restWrites: rest.filter((e) => e.method !== 'GET').length,
        result,
      });
    };
    await step('roles', () => app.lifecycle.syncRoles());
    await step('daily', () => app.lifecycle.run());
    await step('steady', () => app.lifecycle.run());
    if (discord.violations.length > 0) throw new Error(`fake Discord violations: ${discord.violations.join('; ')}`);
    return figures;
  } finally {
    await app.close();
    await discord.stop();
    await db.drop();
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

async function main(): Promise<void> {
  console.log(`Lifecycle benchmark: ${USERS} standard users in the guild, ${CHANGED} changed state (${CHANGED / 2} expired with the role, ${CHANGED / 2} renewed without it); Node ${process.version}`);
  const checks: Bar[] = [];
  for (const kind of DATABASE_KINDS) {
    const figures = await measure(kind);
    console.log(`\n${kind}`);
    for (const f of figures) {
      const r = f.result;
      console.log(
        `  ${f.run.padEnd(6)} wall ${s(f.wallMs).padStart(8)}  database ${s(f.dbMs).padStart(8)}  SQL statements ${String(f.statements).padStart(4)} (writes ${String(f.writes).padStart(3)})  ` +
          `Discord GET ${String(f.restGets).padStart(3)}  writes ${String(f.restWrites).padStart(4)}  ` +
          `roles +${r.rolesAdded}/-${r.rolesRemoved}, expiry DMs ${r.expiredNotified}, reminders ${r.remindersSent}, failures ${r.failures.length}`,
      );
    }
    const [roles, daily, steady] = figures as [Figures, Figures, Figures];
    const pages = Math.floor((USERS + 2) / 1000) + 1;
    checks.push(
      [`${kind}: roles run writes to Discord once per change (${roles.restWrites} = ${roles.result.rolesAdded} + ${roles.result.rolesRemoved} = ${CHANGED})`, roles.restWrites === roles.result.rolesAdded + roles.result.rolesRemoved && roles.restWrites === CHANGED],
      [`${kind}: members read in ${pages} pages of 1000, not per user`, roles.restGets === pages],
      [`${kind}: daily run sends one DM per expired user (2 calls each: DM channel + message)`, daily.result.expiredNotified === CHANGED / 2 && daily.restWrites === CHANGED],
      [`${kind}: steady run writes nothing (Discord and database)`, steady.restWrites === 0 && steady.writes === 0],
      ...figures.map((f): [string, boolean] => [`${kind}: ${f.run} database time ≤ ${DB_BAR_MS / 1000} s (${s(f.dbMs)})`, f.dbMs <= DB_BAR_MS]),
      [`${kind}: no failures`, figures.every((f) => f.result.failures.length === 0)],
    );
  }
  printBars(checks);
}

runBenchmark(main);
