import { readDate, type Sql } from './sql';

export type LockAttempt = { acquired: true } | { acquired: false; holder: string; since: Date };

/** Leases in the `locks` table: the database both processes share is the arbiter. */
export class LockRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Takes the lease if nobody holds it or the holder's lease ran out. Both paths are single
   * statements whose success the database decides, so two processes cannot both win.
   */
  async tryAcquire(name: string, holder: string, now: Date, expiresAt: Date): Promise<LockAttempt> {
    const taken = await this.affected(
      'UPDATE locks SET holder = ?, acquired_at = ?, expires_at = ? WHERE name = ? AND expires_at < ?',
      [holder, now, expiresAt, name, now],
    );
    if (taken > 0) return { acquired: true };
    try {
      await this.sql.insertMany('locks', ['name', 'holder', 'acquired_at', 'expires_at'], [[name, holder, now, expiresAt]]);
      return { acquired: true };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const rows = await this.sql.query('SELECT holder, acquired_at FROM locks WHERE name = ?', [name]);
    const row = rows[0];
    if (!row) return this.tryAcquire(name, holder, now, expiresAt);
    return { acquired: false, holder: String(row.holder), since: readDate(row.acquired_at) as Date };
  }

  async renew(name: string, holder: string, expiresAt: Date): Promise<boolean> {
    return (await this.affected('UPDATE locks SET expires_at = ? WHERE name = ? AND holder = ?', [expiresAt, name, holder])) > 0;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.sql.query('DELETE FROM locks WHERE name = ? AND holder = ?', [name, holder]);
  }

  private async affected(sql: string, params: Array<string | Date>): Promise<number> {
    return (await this.sql.execute(sql, params)).affected;
  }
}

export function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e.driverError?.code ?? e.code ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT') || /UNIQUE constraint failed|Duplicate entry/i.test(e.message ?? '');
}
