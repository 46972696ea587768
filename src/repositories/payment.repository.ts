import type { PaymentSource } from '../../entities';
import { readBool, readDate, type Sql } from './sql';

export interface NewPayment {
  userId: number;
  planId: number;
  startsAt: Date;
  endsAt: Date;
  amountCents: number | null;
  currency: string | null;
  subscriptionId: string | null;
  transactionId: string | null;
  source: PaymentSource;
  isDefault: boolean;
  /** When the money came in (imported payments only): a stacked renewal starts later. */
  paidAt?: Date | null;
  /** Fully refunded or reversed: no longer counts. */
  voidedAt?: Date | null;
}

export interface PaymentRow extends NewPayment {
  id: number;
  paidAt: Date | null;
  voidedAt: Date | null;
  planName: string;
  createdAt: Date;
  updatedAt: Date;
}

const SELECT_WITH_PLAN = `SELECT p.id, p.user_id, p.plan_id, pl.name AS plan_name, p.starts_at, p.ends_at, p.amount_cents, p.currency,
       p.subscription_id, p.transaction_id, p.source, p.is_default, p.paid_at, p.voided_at, p.created_at, p.updated_at
  FROM payments p JOIN plans pl ON pl.id = p.plan_id`;

/** As many as one multi-row statement takes (Sql's own batch size). */
const PAYMENTS_PER_BATCH = 1000;

export class PaymentRepository {
  constructor(private readonly sql: Sql) {}

  async insertMany(payments: NewPayment[], now: Date): Promise<void> {
    // The rows of one statement at a time: an import of 50,000 payments never holds all of them as SQL values.
    for (let at = 0; at < payments.length; at += PAYMENTS_PER_BATCH) await this.insertBatch(payments.slice(at, at + PAYMENTS_PER_BATCH), now);
  }

  private async insertBatch(payments: NewPayment[], now: Date): Promise<void> {
    await this.sql.insertMany(
      'payments',
      [
        'user_id',
        'plan_id',
        'starts_at',
        'ends_at',
        'amount_cents',
        'currency',
        'subscription_id',
        'transaction_id',
        'source',
        'is_default',
        'paid_at',
        'voided_at',
        'created_at',
        'updated_at',
      ],
      payments.map((p) => [
        p.userId,
        p.planId,
        p.startsAt,
        p.endsAt,
        p.amountCents,
        p.currency,
        p.subscriptionId,
        p.transactionId,
        p.source,
        p.isDefault,
        p.paidAt ?? null,
        p.voidedAt ?? null,
        now,
        now,
      ]),
    );
  }

  /** Every payment's period that counts (voided ones do not), for status: one query for all users. */
  async listPeriods(): Promise<Array<{ userId: number; startsAt: Date; endsAt: Date; subscriptionId: string | null }>> {
    const rows = await this.sql.query('SELECT user_id, starts_at, ends_at, subscription_id FROM payments WHERE voided_at IS NULL');
    return rows.map((r) => ({
      userId: Number(r.user_id),
      startsAt: readDate(r.starts_at) as Date,
      endsAt: readDate(r.ends_at) as Date,
      subscriptionId: (r.subscription_id as string | null) ?? null,
    }));
  }

  /** A user's payments that count; with `includeVoided`, also the refunded and reversed ones (history). */
  async listForUser(userId: number, options: { includeVoided?: boolean } = {}): Promise<PaymentRow[]> {
    const counting = options.includeVoided ? '' : ' AND p.voided_at IS NULL';
    const rows = await this.sql.query(`${SELECT_WITH_PLAN} WHERE p.user_id = ?${counting} ORDER BY p.starts_at, p.id`, [userId]);
    return rows.map(toPayment);
  }

  /** Fully refunded or reversed: the payments stop counting (kept as history). */
  async voidByTransactionIds(transactionIds: string[], at: Date): Promise<void> {
    await this.sql.queryIn(
      (inList) => `UPDATE payments SET voided_at = ?, updated_at = ? WHERE voided_at IS NULL AND transaction_id IN (${inList})`,
      transactionIds,
      [at, at],
    );
  }

  /** New periods for payments re-stacked after a voided one (a handful per refund). */
  async movePeriods(moves: Array<{ transactionId: string; startsAt: Date; endsAt: Date }>, now: Date): Promise<void> {
    for (const m of moves) {
      await this.sql.query('UPDATE payments SET starts_at = ?, ends_at = ?, updated_at = ? WHERE transaction_id = ?', [m.startsAt, m.endsAt, now, m.transactionId]);
    }
  }

  async updateDefault(
    id: number,
    fields: { planId: number; startsAt: Date; endsAt: Date; subscriptionId: string | null; amountCents: number | null; currency: string | null },
    now: Date,
  ): Promise<void> {
    await this.sql.query(
      'UPDATE payments SET plan_id = ?, starts_at = ?, ends_at = ?, subscription_id = ?, amount_cents = ?, currency = ?, updated_at = ? WHERE id = ?',
      [fields.planId, fields.startsAt, fields.endsAt, fields.subscriptionId, fields.amountCents, fields.currency, now, id],
    );
  }

  /** Every user's default payment, with its plan's name: one query. */
  async listDefault(): Promise<PaymentRow[]> {
    const rows = await this.sql.query(`${SELECT_WITH_PLAN} WHERE p.is_default = ?`, [true]);
    return rows.map(toPayment);
  }
}

function toPayment(r: Record<string, unknown>): PaymentRow {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    planId: Number(r.plan_id),
    planName: String(r.plan_name),
    startsAt: readDate(r.starts_at) as Date,
    endsAt: readDate(r.ends_at) as Date,
    amountCents: r.amount_cents === null ? null : Number(r.amount_cents),
    currency: (r.currency as string | null) ?? null,
    subscriptionId: (r.subscription_id as string | null) ?? null,
    transactionId: (r.transaction_id as string | null) ?? null,
    source: r.source as NewPayment['source'],
    isDefault: readBool(r.is_default),
    paidAt: readDate(r.paid_at),
    voidedAt: readDate(r.voided_at),
    createdAt: readDate(r.created_at) as Date,
    updatedAt: readDate(r.updated_at) as Date,
  };
}
