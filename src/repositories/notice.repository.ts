import type { NoticeKind } from '../../entities';
import { isDuplicateKey } from './lock.repository';
import { readDate, type Sql } from './sql';

export interface NoticeKey {
  paymentId: number;
  kind: NoticeKind;
  thresholdDays: number;
  endsAt: Date;
}

export interface NoticeRow extends NoticeKey {
  id: number;
  userId: number;
  deliveredAt: Date | null;
  failure: string | null;
}

/** The payment_notices table: a notice is claimed (inserted), with its DM in the outbox, before the DM is sent. */
export class NoticeRepository {
  constructor(private readonly sql: Sql) {}

  /** The notices already recorded for these payments, in batches of IN lists. */
  async findForPayments(paymentIds: number[]): Promise<NoticeRow[]> {
    return this.select('payment_id', [...new Set(paymentIds)]);
  }

  async findByIds(ids: number[]): Promise<NoticeRow[]> {
    return this.select('id', ids);
  }

  private async select(column: 'id' | 'payment_id', values: number[]): Promise<NoticeRow[]> {
    const rows = await this.sql.queryIn(
      (inList) => `SELECT id, user_id, payment_id, kind, threshold_days, ends_at, delivered_at, failure FROM payment_notices WHERE ${column} IN (${inList})`,
      values,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      userId: Number(r.user_id),
      paymentId: Number(r.payment_id),
      kind: r.kind as NoticeKind,
      thresholdDays: Number(r.threshold_days),
      endsAt: readDate(r.ends_at) as Date,
      deliveredAt: readDate(r.delivered_at),
      failure: (r.failure as string | null) ?? null,
    }));
  }

  /**
   * Inserts the notice; the unique key decides between two writers (two processes, or a run
   * that restarts). Answers the new row's id, or null when the notice was already claimed.
   */
  async claim(userId: number, key: NoticeKey, at: Date): Promise<number | null> {
    try {
      const { insertId } = await this.sql.execute(
        'INSERT INTO payment_notices (user_id, payment_id, kind, threshold_days, ends_at, claimed_at) VALUES (?, ?, ?, ?, ?, ?)',
        [userId, key.paymentId, key.kind, key.thresholdDays, key.endsAt, at],
      );
      if (insertId !== null && insertId > 0) return insertId;
      const rows = await this.sql.query(
        'SELECT id FROM payment_notices WHERE payment_id = ? AND kind = ? AND threshold_days = ? AND ends_at = ?',
        [key.paymentId, key.kind, key.thresholdDays, key.endsAt],
      );
      return rows[0] ? Number(rows[0].id) : null;
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  async markDelivered(ids: number[], at: Date): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE payment_notices SET delivered_at = ?, failure = NULL WHERE id IN (${inList})`, ids, [at]);
  }

  /** A failure that retrying will not fix (DMs closed, unknown user): kept, so it is not retried. */
  async markFailed(id: number, failure: string): Promise<void> {
    await this.sql.query('UPDATE payment_notices SET failure = ? WHERE id = ?', [failure.slice(0, 255), id]);
  }

  /** A notice no longer due before its DM went out: the claim goes, and the rules decide afresh. */
  async release(id: number): Promise<void> {
    await this.sql.query('DELETE FROM payment_notices WHERE id = ? AND delivered_at IS NULL', [id]);
  }
}
