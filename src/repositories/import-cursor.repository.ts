import { readDate, type Sql } from './sql';

/** Where each API sync stopped. */
export class ImportCursorRepository {
  constructor(private readonly sql: Sql) {}

  async get(source: string): Promise<Date | null> {
    const rows = await this.sql.query('SELECT synced_through FROM import_cursors WHERE source = ?', [source]);
    return readDate(rows[0]?.synced_through ?? null);
  }

  async set(source: string, syncedThrough: Date, now: Date): Promise<void> {
    await this.sql.insertMany('import_cursors', ['source', 'synced_through', 'updated_at'], [[source, syncedThrough, now]], {
      conflict: ['source'],
      update: ['synced_through', 'updated_at'],
    });
  }

  /** Every source's cursor, by source name. */
  async list(): Promise<Array<{ source: string; syncedThrough: Date; updatedAt: Date }>> {
    const rows = await this.sql.query('SELECT source, synced_through, updated_at FROM import_cursors ORDER BY source');
    return rows.map((r) => ({ source: String(r.source), syncedThrough: readDate(r.synced_through) as Date, updatedAt: readDate(r.updated_at) as Date }));
  }
}
