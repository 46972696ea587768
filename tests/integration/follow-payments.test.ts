import type { Logger as TypeOrmLogger } from 'typeorm';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';

/** Every SQL statement the app sends, as text. */
class StatementLog implements TypeOrmLogger {
  statements: string[] = [];
  logQuery(query: string): void {
    this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/**
 * Following the payments (what the CLI and the bot do after every import) changes shares only for
 * plans with access settings, and sends waiting "access is back" DMs. Without either, it reads
 * nobody: after an import of 50,000 rows, reading every user and payment was most of what was left.
 */
describe.each(DATABASE_KINDS)('following payments on %s', (kind) => {
  let db: TestDatabase;
  let app: App;
  const log = new StatementLog();
  beforeEach(async () => {
    db = await createTestDatabase(kind);
    app = await createApp(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }), { logger: createLogger('silent'), queryLogger: log });
    await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', currency: 'USD', makeDefault: true });
  });
  afterEach(async () => {
    await app.close();
    await db.drop();
  });
  const readsOfPayments = () => log.statements.filter((q) => /\bFROM\s+["`]?payments\b/i.test(q));

  it('reads no user or payment when no plan has access settings and no DM waits, and reads them once one has', async () => {
    log.statements = [];
    expect(await app.lifecycle.followPayments()).toMatchObject({ restoredToPlex: 0, plexAccessChanged: 0, steps: [], failures: [] });
    expect(readsOfPayments()).toEqual([]);

    const plan = (await app.store.read((r) => r.plans.list()))[0]!;
    await app.store.dataSource.query(
      'INSERT INTO plan_access (plan_id, machine_identifier, server_name, all_libraries, library_titles, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [plan.id, 'server-1', 'Living Room', kind === 'sqlite' ? 1 : true, '[]', new Date().toISOString().slice(0, 19).replace('T', ' '), new Date().toISOString().slice(0, 19).replace('T', ' ')],
    );
    log.statements = [];
    expect(await app.lifecycle.followPayments()).toMatchObject({ restoredToPlex: 0, plexAccessChanged: 0, failures: [] });
    expect(readsOfPayments().length).toBeGreaterThan(0);
  });
});
