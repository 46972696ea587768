import { readDate, type Sql } from './sql';

/** A lease as the status shows it; `live` is false once it ran out (its holder stopped renewing). */
export interface LockRow {
  name: string;
  holder: string;
  acquiredAt: Date;
  expiresAt: Date;
  live: boolean;
}

export type LockAttempt = { acquired: true } | { acquired: false; holder: string; since: Date };

/** Leases in the `locks` table: the database both processes share is the arbiter. */
export class LockRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Takes the lease if nobody holds it or the holder's lease ran out. Both paths are single
   * statements whose success the database decides, so two processes cannot both win. "Now" is
   * the database's clock, never a process's: processes on machines whose clocks disagree still
   * agree on when a lease ends.
   */
  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<LockAttempt> {
    const now = this.now();
    const later = this.later(ttlMs);
    const taken = await this.affected(
      `UPDATE locks SET holder = ?, acquired_at = ${now}, expires_at = ${later.sql} WHERE name = ? AND expires_at < ${now}`,
      [holder, later.param, name],
    );
    if (taken > 0) return { acquired: true };
    try {
      await this.sql.query(`INSERT INTO locks (name, holder, acquired_at, expires_at) VALUES (?, ?, ${now}, ${later.sql})`, [name, holder, later.param]);
      return { acquired: true };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const rows = await this.sql.query('SELECT holder, acquired_at FROM locks WHERE name = ?', [name]);
    const row = rows[0];
    if (!row) return this.tryAcquire(name, holder, ttlMs);
    return { acquired: false, holder: String(row.holder), since: readDate(row.acquired_at) as Date };
  }

  /** Pushes the end of the lease `ttlMs` past the database's now; false when `holder` no longer holds it. */
  async renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const later = this.later(ttlMs);
    return (await this.affected(`UPDATE locks SET expires_at = ${later.sql} WHERE name = ? AND holder = ?`, [later.param, name, holder])) > 0;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.sql.query('DELETE FROM locks WHERE name = ? AND holder = ?', [name, holder]);
  }

  /** The holder of a lease that has not run out, by the database's clock. */
  async liveHolder(name: string): Promise<string | null> {
    const rows = await this.sql.query(`SELECT holder FROM locks WHERE name = ? AND expires_at >= ${this.now()}`, [name]);
    return rows[0] ? String(rows[0].holder) : null;
  }

  /** The names of the locks whose lease has not run out, by the database's clock. */
  async liveNames(): Promise<string[]> {
    const rows = await this.sql.query(`SELECT name FROM locks WHERE expires_at >= ${this.now()} ORDER BY name`);
    return rows.map((r) => String(r.name));
  }

  /** Every lock row, with whether its lease still runs (by the database's clock) and for how long. */
  async list(): Promise<LockRow[]> {
    const rows = await this.sql.query(
      `SELECT name, holder, acquired_at, expires_at, CASE WHEN expires_at >= ${this.now()} THEN 1 ELSE 0 END AS live FROM locks ORDER BY name`,
    );
    return rows.map((r) => ({
      name: String(r.name),
      holder: String(r.holder),
      acquiredAt: readDate(r.acquired_at) as Date,
      expiresAt: readDate(r.expires_at) as Date,
      live: Number(r.live) === 1,
    }));
  }

  /** The database's "now" in the format the datetime(3) columns hold (UTC, as every date here). */
  private now(): string {
    return this.sql.dialect === 'mysql' ? 'UTC_TIMESTAMP(3)' : "strftime('%Y-%m-%d %H:%M:%f', 'now')";
  }

  private later(ttlMs: number): { sql: string; param: string | number } {
    const ms = Math.max(0, Math.round(ttlMs));
    return this.sql.dialect === 'mysql'
      ? { sql: 'DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND)', param: ms * 1000 }
      : { sql: "strftime('%Y-%m-%d %H:%M:%f', 'now', ?)", param: `+${(ms / 1000).toFixed(3)} seconds` };
  }

  private async affected(sql: string, params: Array<string | number>): Promise<number> {
    return (await this.sql.execute(sql, params)).affected;
  }
}

export function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e.driverError?.code ?? e.code ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT') || /UNIQUE constraint failed|Duplicate entry/i.test(e.message ?? '');
}
