import { DataSource } from 'typeorm';
import { dataSourceOptions, openDatabase, parseDatabaseUrl } from '../../src/database/data-source';
import { MIGRATIONS } from '../../migrations';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../support/databases';

const TABLES = ['media_servers', 'users', 'plans', 'payments', 'shared_servers', 'sync_runs', 'locks', 'unmatched_payments', 'payment_events', 'import_cursors', 'payment_notices', 'plex_removals', 'outbox', 'plan_access', 'invites', 'plan_renew_access'];

describe.each(DATABASE_KINDS)('migrations on %s', (kind) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
    // With the entities, so the schema builder can compare them with what the migrations made.
    dataSource = await openDatabase(db.url, { migrate: false, entities: true });
  });
  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await db.drop();
  });

  const tables = async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const found = await runner.getTables(TABLES);
      return found.map((t) => t.name.split('.').pop()).sort();
    } finally {
      await runner.release();
    }
  };

  it('run up, down and up again', async () => {
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await tables()).toEqual([...TABLES].sort());
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await tables()).toEqual([...TABLES].sort());
  });

  it('agree with the entities: no pending schema change', async () => {
    await dataSource.runMigrations({ transaction: 'each' });
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('would be caught disagreeing with the entities', async () => {
    // The check above can fail: drop an index the entities declare and it reports it.
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.query(kind === 'sqlite' ? 'DROP INDEX "idx_payments_user"' : 'DROP INDEX `idx_payments_user` ON `payments`').catch(async () => {
      // MariaDB keeps an index a foreign key needs: drop the key's reliance by dropping another index instead.
      await dataSource.query('DROP INDEX `idx_payments_subscription` ON `payments`');
    });
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.length).toBeGreaterThan(0);
  });

  it('enforce exactly one default plan in the database itself', async () => {
    await dataSource.runMigrations({ transaction: 'each' });
    const now = kind === 'sqlite' ? '2026-01-01 00:00:00.000' : new Date('2026-01-01T00:00:00Z');
    const insert = 'INSERT INTO plans (name, duration_value, duration_unit, price_cents, currency, default_flag, created_at, updated_at) VALUES (?, 1, ?, 100, ?, ?, ?, ?)';
    await dataSource.query(insert, ['A', 'month', 'USD', 1, now, now]);
    await dataSource.query(insert, ['B', 'month', 'USD', null, now, now]);
    await dataSource.query(insert, ['C', 'month', 'USD', null, now, now]);
    await expect(dataSource.query(insert, ['D', 'month', 'USD', 1, now, now])).rejects.toThrow(/UNIQUE|Duplicate/i);
  });

  it('open the database with migrations applied at start', async () => {
    await dataSource.destroy();
    dataSource = await openDatabase(db.url);
    expect(await dataSource.showMigrations()).toBe(false);
    expect(parseDatabaseUrl(db.url).dialect).toBe(kind === 'sqlite' ? 'sqlite' : 'mysql');
    expect(dataSourceOptions(parseDatabaseUrl(db.url)).synchronize).toBe(false);
  });
});
