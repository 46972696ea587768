import type { ImportSource, ImportStatus } from '../../entities';
import { readDate, type Sql, type SqlValue } from './sql';

export interface UnmatchedFields {
  source: ImportSource;
  transactionId: string;
  status: ImportStatus;
  reason: string;
  occurredAt: Date;
  amountCents: number;
  currency: string;
  payerEmail: string | null;
  payerName: string | null;
  subscriptionId: string | null;
  paymentId: number | null;
  resolvedAt: Date | null;
}

export interface UnmatchedRow extends UnmatchedFields {
  id: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS =
  'id, source, transaction_id, status, reason, occurred_at, amount_cents, currency, payer_email, payer_name, subscription_id, payment_id, resolved_at, created_at, updated_at';
const WRITTEN = ['source', 'transaction_id', 'status', 'reason', 'occurred_at', 'amount_cents', 'currency', 'payer_email', 'payer_name', 'subscription_id', 'payment_id', 'resolved_at'];

/** Transactions waiting to become payments (no user matched, or still pending). */
export class UnmatchedPaymentRepository {
  constructor(private readonly sql: Sql) {}

  async findByTransactionIds(ids: string[]): Promise<UnmatchedRow[]> {
    const rows = await this.sql.queryIn((inList) => `SELECT ${COLUMNS} FROM unmatched_payments WHERE transaction_id IN (${inList})`, ids);
    return rows.map(toRow);
  }

  async findById(id: number): Promise<UnmatchedRow | null> {
    const rows = await this.sql.query(`SELECT ${COLUMNS} FROM unmatched_payments WHERE id = ?`, [id]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Open ones: not yet a payment, and still money or about to be. */
  async listOpen(): Promise<UnmatchedRow[]> {
    const rows = await this.sql.query(
      `SELECT ${COLUMNS} FROM unmatched_payments WHERE payment_id IS NULL AND status IN (?, ?) ORDER BY occurred_at, id`,
      ['completed', 'pending'],
    );
    return rows.map(toRow);
  }

  /** When the oldest transaction still pending at a source happened: a sync looks back that far to see it complete. */
  async oldestPending(source: ImportSource): Promise<Date | null> {
    const rows = await this.sql.query('SELECT MIN(occurred_at) AS oldest FROM unmatched_payments WHERE source = ? AND status = ? AND payment_id IS NULL', [
      source,
      'pending',
    ]);
    return readDate(rows[0]?.oldest ?? null);
  }

  /** Inserts or, by transaction ID (providers rewrite history), overwrites. */
  async upsertMany(rows: UnmatchedFields[], now: Date): Promise<void> {
    const values: SqlValue[][] = rows.map((r) => [
      r.source, r.transactionId, r.status, r.reason.slice(0, 255), r.occurredAt, r.amountCents, r.currency,
      r.payerEmail, r.payerName, r.subscriptionId, r.paymentId, r.resolvedAt, now, now,
    ]);
    await this.sql.insertMany('unmatched_payments', [...WRITTEN, 'created_at', 'updated_at'], values, {
      conflict: ['transaction_id'],
      update: [...WRITTEN.filter((c) => c !== 'transaction_id'), 'updated_at'],
    });
  }

  async resolve(id: number, paymentId: number, at: Date): Promise<void> {
    await this.sql.query('UPDATE unmatched_payments SET payment_id = ?, resolved_at = ?, updated_at = ? WHERE id = ?', [paymentId, at, at, id]);
  }
}

function toRow(r: Record<string, unknown>): UnmatchedRow {
  return {
    id: Number(r.id),
    source: r.source as ImportSource,
    transactionId: String(r.transaction_id),
    status: r.status as ImportStatus,
    reason: String(r.reason),
    occurredAt: readDate(r.occurred_at) as Date,
    amountCents: Number(r.amount_cents),
    currency: String(r.currency),
    payerEmail: (r.payer_email as string | null) ?? null,
    payerName: (r.payer_name as string | null) ?? null,
    subscriptionId: (r.subscription_id as string | null) ?? null,
    paymentId: r.payment_id === null || r.payment_id === undefined ? null : Number(r.payment_id),
    resolvedAt: readDate(r.resolved_at),
    createdAt: readDate(r.created_at) as Date,
    updatedAt: readDate(r.updated_at) as Date,
  };
}
