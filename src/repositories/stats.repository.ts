import type { UserClass } from '../../entities';
import { readDate, type Sql } from './sql';

/** What /stats needs of a user: class, whether they left plex.tv, whether an admin reviewed them. */
export interface StatsUser {
  id: number;
  userClass: UserClass;
  removedAt: Date | null;
  profileReviewedAt: Date | null;
  paymentReviewedAt: Date | null;
}

/** A payment that counts (not voided): the period it buys and whether it is recurring. */
export interface StatsPeriod {
  id: number;
  userId: number;
  startsAt: Date;
  endsAt: Date;
  subscriptionId: string | null;
}

/** Money per month (YYYY-MM, UTC) and currency. */
export interface MonthlyMoney {
  month: string;
  currency: string;
  cents: number;
  count: number;
}

/**
 * The reads behind /stats: four statements whatever the number of users and payments. Money is
 * summed by the database (grouped by month and currency); periods come back as compact rows the
 * service walks once in memory.
 */
export class StatsRepository {
  constructor(private readonly sql: Sql) {}

  async users(): Promise<StatsUser[]> {
    const rows = await this.sql.query('SELECT id, class, removed_at, profile_reviewed_at, payment_reviewed_at FROM users');
    return rows.map((r) => ({
      id: Number(r.id),
      userClass: r.class as UserClass,
      removedAt: readDate(r.removed_at),
      profileReviewedAt: readDate(r.profile_reviewed_at),
      paymentReviewedAt: readDate(r.payment_reviewed_at),
    }));
  }

  /** Every payment that counts for status (voided ones do not), in no particular order. */
  async periods(): Promise<StatsPeriod[]> {
    const rows = await this.sql.query('SELECT id, user_id, starts_at, ends_at, subscription_id FROM payments WHERE voided_at IS NULL');
    return rows.map((r) => ({
      id: Number(r.id),
      userId: Number(r.user_id),
      startsAt: readDate(r.starts_at) as Date,
      endsAt: readDate(r.ends_at) as Date,
      subscriptionId: (r.subscription_id as string | null) ?? null,
    }));
  }

  /**
   * Payments with an amount that count (not voided), by the month the money came in: `paid_at`,
   * or the period's start for payments recorded without it (default payments, invites).
   */
  async revenueByMonth(from: Date, to: Date): Promise<MonthlyMoney[]> {
    const when = 'COALESCE(paid_at, starts_at)';
    const rows = await this.sql.query(
      `SELECT ${this.month(when)} AS month, currency, SUM(amount_cents) AS cents, COUNT(*) AS n
         FROM payments
        WHERE voided_at IS NULL AND amount_cents IS NOT NULL AND currency IS NOT NULL AND ${when} >= ? AND ${when} < ?
        GROUP BY ${this.month(when)}, currency`,
      [from, to],
    );
    return rows.map(toMoney);
  }

  /**
   * Completed refunds and reversals of payments that still count (a payment given back in full is
   * voided and left out of revenue altogether), by the month they happened.
   */
  async refundsByMonth(from: Date, to: Date): Promise<MonthlyMoney[]> {
    const rows = await this.sql.query(
      `SELECT ${this.month('e.occurred_at')} AS month, e.currency AS currency, SUM(e.amount_cents) AS cents, COUNT(*) AS n
         FROM payment_events e JOIN payments p ON p.id = e.payment_id
        WHERE e.status = ? AND p.voided_at IS NULL AND p.amount_cents IS NOT NULL AND e.occurred_at >= ? AND e.occurred_at < ?
        GROUP BY ${this.month('e.occurred_at')}, e.currency`,
      ['completed', from, to],
    );
    return rows.map(toMoney);
  }

  /** "YYYY-MM" of a datetime column: both databases hold the UTC time as written (SQLite as text, MariaDB through mysql2 with timezone Z). */
  private month(column: string): string {
    return this.sql.dialect === 'sqlite' ? `substr(${column}, 1, 7)` : `DATE_FORMAT(${column}, '%Y-%m')`;
  }
}

function toMoney(r: Record<string, unknown>): MonthlyMoney {
  return { month: String(r.month), currency: String(r.currency), cents: Number(r.cents), count: Number(r.n) };
}
