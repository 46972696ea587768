import type { DataSource } from 'typeorm';
import { createApp, type App } from '../../src/app';
import { FixedClock } from '../../src/config/clock';
import { loadConfig } from '../../src/config/config';
import { createLogger, type Logger } from '../../src/config/logger';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, type FakePlexAccount } from '../fakes/plex/plex-data';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases';

export const T0 = new Date('2026-11-25T12:00:00.000Z');

export interface Harness {
  kind: DatabaseKind;
  plex: FakePlexTv;
  db: TestDatabase;
  clock: FixedClock;
  app: App;
  env: Record<string, string>;
  /** Every row of the domain tables, for "nothing changed" assertions. */
  snapshot(): Promise<Record<string, unknown[]>>;
  close(): Promise<void>;
}

/** A real app on a fresh database of `kind`, talking to a fake plex.tv over HTTP. */
export async function startHarness(kind: DatabaseKind, account: FakePlexAccount, env: Record<string, string> = {}, options: { logger?: Logger } = {}): Promise<Harness> {
  const plex = new FakePlexTv(account);
  const plexUrl = await plex.start();
  const db = await createTestDatabase(kind);
  const fullEnv = {
    DATABASE_URL: db.url,
    PLEX_TV_URL: plexUrl,
    PLEX_TOKEN: DEFAULT_TOKEN,
    PLEX_RETRIES: '2',
    PLEX_RETRY_DELAY_MS: '5',
    PLEX_TIMEOUT_MS: '3000',
    LOG_LEVEL: 'silent',
    ...env,
  };
  const clock = new FixedClock(T0);
  const app = await createApp(loadConfig(fullEnv), { clock, logger: options.logger ?? createLogger('silent') });
  return {
    kind,
    plex,
    db,
    clock,
    app,
    env: fullEnv,
    snapshot: () => domainSnapshot(app.store.dataSource),
    close: async () => {
      await app.close();
      await plex.stop();
      await db.drop();
    },
  };
}

export const DOMAIN_TABLES = ['media_servers', 'users', 'plans', 'payments', 'shared_servers'];

export async function domainSnapshot(dataSource: DataSource): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of DOMAIN_TABLES) out[table] = await dataSource.query(`SELECT * FROM ${table} ORDER BY id`);
  return out;
}

/** A plan the syncs can use as default. */
export async function createDefaultPlan(app: App, duration = '1m'): Promise<void> {
  await app.catalog.createPlan({ name: 'Monthly', duration, price: '10.00', currency: 'USD', makeDefault: true });
}
