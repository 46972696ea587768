import type { SyncKind, SyncOutcome } from '../../entities';
import { readDate, type Sql } from './sql';

export interface SyncRunRow {
  id: number;
  kind: SyncKind;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: SyncOutcome;
  counts: Record<string, number> | null;
  error: string | null;
}

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

  async latest(limit = 20): Promise<SyncRunRow[]> {
    const rows = await this.sql.query(
      `SELECT id, kind, started_at, finished_at, outcome, counts, error FROM sync_runs ORDER BY id DESC LIMIT ${Math.floor(limit)}`,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind as SyncKind,
      startedAt: readDate(r.started_at) as Date,
      finishedAt: readDate(r.finished_at),
      outcome: r.outcome as SyncOutcome,
      counts: r.counts ? (JSON.parse(String(r.counts)) as Record<string, number>) : null,
      error: (r.error as string | null) ?? null,
    }));
  }
}
