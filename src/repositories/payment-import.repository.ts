import type { UserClass } from '../../entities';
import { sharedInstants } from './instants';
import { readDate, type Sql } from './sql';

/** What matching knows of a user. */
export interface MatchUserRow {
  id: number;
  plexId: number;
  title: string;
  userClass: UserClass;
  email: string | null;
  paypalEmail: string | null;
}

export interface PeriodRow {
  userId: number;
  planId: number;
  startsAt: Date;
  endsAt: Date;
  subscriptionId: string | null;
  transactionId: string | null;
  /** When the money came in; null when unknown (default, manual and older payments). */
  paidAt: Date | null;
}

/** A recorded payment, as refunds and duplicates need it. */
export interface RecordedPayment {
  id: number;
  userId: number;
  amountCents: number | null;
  currency: string | null;
  startsAt: Date;
  endsAt: Date;
  voided: boolean;
}

/**
 * The batched reads the payments import needs across users and payments (a few queries for any
 * number of transactions), and the one user field it may write.
 */
export class PaymentImportRepository {
  constructor(private readonly sql: Sql) {}

  /** Every user, once: cheaper than one IN list per email for files of thousands of payers. */
  async usersForMatching(): Promise<MatchUserRow[]> {
    const rows = await this.sql.query('SELECT id, plex_id, title, class, email, paypal_email FROM users');
    return rows.map((r) => ({
      id: Number(r.id),
      plexId: Number(r.plex_id),
      title: String(r.title),
      userClass: r.class as UserClass,
      email: (r.email as string | null) ?? null,
      paypalEmail: (r.paypal_email as string | null) ?? null,
    }));
  }

  /** Payments already recorded under these transaction IDs, voided ones included. */
  async paymentsByTransactionId(ids: string[]): Promise<Map<string, RecordedPayment>> {
    const rows = await this.sql.queryIn(
      (inList) =>
        `SELECT id, user_id, transaction_id, amount_cents, currency, starts_at, ends_at, voided_at FROM payments WHERE transaction_id IN (${inList})`,
      ids,
    );
    return new Map(
      rows.map((r) => [
        String(r.transaction_id),
        {
          id: Number(r.id),
          userId: Number(r.user_id),
          amountCents: r.amount_cents === null || r.amount_cents === undefined ? null : Number(r.amount_cents),
          currency: (r.currency as string | null) ?? null,
          startsAt: readDate(r.starts_at) as Date,
          endsAt: readDate(r.ends_at) as Date,
          voided: readDate(r.voided_at) !== null,
        },
      ]),
    );
  }

  /** Which of these transaction IDs are recorded as payments already (voided ones too): IDs only, for telling duplicates. */
  async recordedTransactionIds(ids: string[]): Promise<Set<string>> {
    const rows = await this.sql.queryIn((inList) => `SELECT transaction_id FROM payments WHERE transaction_id IN (${inList})`, ids);
    return new Set(rows.map((r) => String(r.transaction_id)));
  }

  /** Which users' payments carry each subscription ID. */
  async subscriptionHolders(subscriptionIds: string[]): Promise<Map<string, Set<number>>> {
    const rows = await this.sql.queryIn(
      (inList) => `SELECT DISTINCT subscription_id, user_id FROM payments WHERE subscription_id IN (${inList})`,
      subscriptionIds,
    );
    const holders = new Map<string, Set<number>>();
    for (const r of rows) {
      const id = String(r.subscription_id);
      if (!holders.has(id)) holders.set(id, new Set());
      holders.get(id)!.add(Number(r.user_id));
    }
    return holders;
  }

  /** The periods that count (voided payments do not) of these users, for stacking renewals and finding their current plan. */
  async periodsOf(userIds: number[]): Promise<PeriodRow[]> {
    const rows = await this.sql.queryIn(
      (inList) =>
        `SELECT user_id, plan_id, starts_at, ends_at, subscription_id, transaction_id, paid_at FROM payments
          WHERE voided_at IS NULL AND user_id IN (${inList}) ORDER BY starts_at, id`,
      userIds,
    );
    const instant = sharedInstants();
    return rows.map((r) => ({
      userId: Number(r.user_id),
      planId: Number(r.plan_id),
      startsAt: instant(r.starts_at) as Date,
      endsAt: instant(r.ends_at) as Date,
      subscriptionId: (r.subscription_id as string | null) ?? null,
      transactionId: (r.transaction_id as string | null) ?? null,
      paidAt: instant(r.paid_at),
    }));
  }

  async setPaypalEmail(userId: number, email: string, now: Date): Promise<void> {
    await this.sql.query('UPDATE users SET paypal_email = ?, updated_at = ? WHERE id = ?', [email, now, userId]);
  }
}
