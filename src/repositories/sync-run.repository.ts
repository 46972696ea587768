import type { SyncKind, SyncOutcome } from '../../entities';
import type { Sql } from './sql';

export class SyncRunRepository {
  constructor(private readonly sql: Sql) {}

  async start(kind: SyncKind, at: Date): Promise<number> {
    const { insertId } = await this.sql.execute('INSERT INTO sync_runs (kind, started_at, outcome) VALUES (?, ?, ?)', [kind, at, 'running']);
    if (insertId === null) throw new Error('the database did not return the id of the new sync run');
    return insertId;
  }

  async finish(id: number, outcome: SyncOutcome, at: Date, counts: Record<string, number> | null, error: string | null): Promise<void> {
    await this.sql.query('UPDATE sync_runs SET outcome = ?, finished_at = ?, counts = ?, error = ? WHERE id = ?', [
      outcome,
      at,
      counts ? JSON.stringify(counts) : null,
      error,
      id,
    ]);
  }

  /** Marks runs still "running" as abandoned (all, or all but the newest); answers how many. */
  async abandonRunning(at: Date, options: { keepNewest: boolean }): Promise<number> {
    let newest = Infinity;
    if (options.keepNewest) {
      const rows = await this.sql.query<{ id: number | null }>("SELECT MAX(id) AS id FROM sync_runs WHERE outcome = 'running'");
      if (rows[0]?.id === null || rows[0]?.id === undefined) return 0;
      newest = Number(rows[0].id);
    }
    const { affected } = await this.sql.execute(
      `UPDATE sync_runs SET outcome = 'abandoned', finished_at = ?, error = ? WHERE outcome = 'running'${Number.isFinite(newest) ? ' AND id < ?' : ''}`,
      [at, 'the process running it stopped before it finished', ...(Number.isFinite(newest) ? [newest] : [])],
    );
    return affected;
  }
}
