import type { Logger as TypeOrmLogger } from 'typeorm';

/** Counts the SQL statements a piece of work sends (the benchmark's "no query per user" check). */
export class StatementCounter implements TypeOrmLogger {
  statements = 0;
  writes = 0;
  logQuery(query: string): void {
    this.statements++;
    // Bookkeeping tables (the lock and the sync log) are not the sync's data.
    if (/^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(query) && !/\b(locks|sync_runs)\b/.test(query)) this.writes++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
  reset(): void {
    this.statements = 0;
    this.writes = 0;
  }
}
