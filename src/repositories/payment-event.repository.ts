import type { ImportSource, ImportStatus, PaymentEventKind } from '../../entities';
import { readDate, type Sql, type SqlValue } from './sql';

export interface PaymentEventFields {
  source: ImportSource;
  kind: PaymentEventKind;
  transactionId: string;
  referenceTransactionId: string | null;
  status: ImportStatus;
  occurredAt: Date;
  amountCents: number;
  currency: string;
  payerEmail: string | null;
  paymentId: number | null;
  userId: number | null;
}

export interface PaymentEventRow extends PaymentEventFields {
  id: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS =
  'id, source, kind, transaction_id, reference_transaction_id, status, occurred_at, amount_cents, currency, payer_email, payment_id, user_id, created_at, updated_at';
const WRITTEN = ['source', 'kind', 'transaction_id', 'reference_transaction_id', 'status', 'occurred_at', 'amount_cents', 'currency', 'payer_email', 'payment_id', 'user_id'];

/** Refunds and reversals the imports saw: full ones void their payment, partial ones wait for the admin. */
export class PaymentEventRepository {
  constructor(private readonly sql: Sql) {}

  async findByTransactionIds(ids: string[]): Promise<PaymentEventRow[]> {
    const rows = await this.sql.queryIn((inList) => `SELECT ${COLUMNS} FROM payment_events WHERE transaction_id IN (${inList})`, ids);
    return rows.map(toRow);
  }

  /** The refunds and reversals already seen of these payments (by the payment's transaction ID). */
  async findByReferences(referenceIds: string[]): Promise<PaymentEventRow[]> {
    const rows = await this.sql.queryIn(
      (inList) => `SELECT ${COLUMNS} FROM payment_events WHERE reference_transaction_id IN (${inList}) ORDER BY occurred_at, id`,
      referenceIds,
    );
    return rows.map(toRow);
  }

  async listForUser(userId: number): Promise<PaymentEventRow[]> {
    const rows = await this.sql.query(`SELECT ${COLUMNS} FROM payment_events WHERE user_id = ? ORDER BY occurred_at, id`, [userId]);
    return rows.map(toRow);
  }

  /** Ties the refunds of a payment recorded before the payment found its user to that payment. */
  async linkToPayment(referenceTransactionId: string, paymentId: number, userId: number, now: Date): Promise<void> {
    await this.sql.query(
      'UPDATE payment_events SET payment_id = ?, user_id = ?, updated_at = ? WHERE reference_transaction_id = ? AND payment_id IS NULL',
      [paymentId, userId, now, referenceTransactionId],
    );
  }

  /** Inserts or, by transaction ID (a refund's status can change), overwrites. */
  async upsertMany(rows: PaymentEventFields[], now: Date): Promise<void> {
    const values: SqlValue[][] = rows.map((r) => [
      r.source, r.kind, r.transactionId, r.referenceTransactionId, r.status, r.occurredAt, r.amountCents, r.currency,
      r.payerEmail, r.paymentId, r.userId, now, now,
    ]);
    await this.sql.insertMany('payment_events', [...WRITTEN, 'created_at', 'updated_at'], values, {
      conflict: ['transaction_id'],
      update: [...WRITTEN.filter((c) => c !== 'transaction_id'), 'updated_at'],
    });
  }
}

function toRow(r: Record<string, unknown>): PaymentEventRow {
  return {
    id: Number(r.id),
    source: r.source as ImportSource,
    kind: r.kind as PaymentEventKind,
    transactionId: String(r.transaction_id),
    referenceTransactionId: (r.reference_transaction_id as string | null) ?? null,
    status: r.status as ImportStatus,
    occurredAt: readDate(r.occurred_at) as Date,
    amountCents: Number(r.amount_cents),
    currency: String(r.currency),
    payerEmail: (r.payer_email as string | null) ?? null,
    paymentId: r.payment_id === null || r.payment_id === undefined ? null : Number(r.payment_id),
    userId: r.user_id === null || r.user_id === undefined ? null : Number(r.user_id),
    createdAt: readDate(r.created_at) as Date,
    updatedAt: readDate(r.updated_at) as Date,
  };
}
