import type { SyncKind, SyncOutcome } from '../../entities';
import { readDate, type Sql } from './sql';

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

  /** Every run still marked running, oldest first. */
  async running(): Promise<Array<{ id: number; kind: SyncKind }>> {
    const rows = await this.sql.query<{ id: number; kind: string }>("SELECT id, kind FROM sync_runs WHERE outcome = 'running' ORDER BY id");
    return rows.map((r) => ({ id: Number(r.id), kind: r.kind as SyncKind }));
  }

  /** Marks these runs abandoned (only those still running); answers how many. */
  async abandon(ids: number[], at: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const { affected } = await this.sql.execute(
      `UPDATE sync_runs SET outcome = 'abandoned', finished_at = ?, error = ? WHERE outcome = 'running' AND id IN (${ids.map(() => '?').join(', ')})`,
      [at, ABANDONED_ERROR, ...ids],
    );
    return affected;
  }

  /** The newest run of each kind given (a kind never run is left out). */
  async latestOf(kinds: SyncKind[]): Promise<SyncRunRow[]> {
    if (kinds.length === 0) return [];
    const marks = kinds.map(() => '?').join(', ');
    const rows = await this.sql.query(
      `SELECT id, kind, started_at, finished_at, outcome, counts, error FROM sync_runs WHERE id IN (SELECT MAX(id) FROM sync_runs WHERE kind IN (${marks}) GROUP BY kind) ORDER BY id`,
      kinds,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      kind: String(r.kind) as SyncKind,
      startedAt: readDate(r.started_at) as Date,
      finishedAt: readDate(r.finished_at),
      outcome: String(r.outcome) as SyncOutcome,
      counts: readCounts(r.counts),
      error: r.error === null || r.error === undefined ? null : String(r.error),
    }));
  }
}

/** What the status shows of one run. */
export interface SyncRunRow {
  id: number;
  kind: SyncKind;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: SyncOutcome;
  counts: Record<string, number> | null;
  error: string | null;
}

export const ABANDONED_ERROR = 'the process running it stopped before it finished';

function readCounts(v: unknown): Record<string, number> | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return v as Record<string, number>;
  try {
    const parsed = JSON.parse(String(v)) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : null;
  } catch {
    return null;
  }
}
