import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ImportSource, ImportStatus } from './payment-event.entity';

/**
 * A transaction the import could not turn into a payment yet: no user matched it, or it is still
 * pending at the payment provider. Kept (upserted by transaction ID, as providers rewrite history)
 * until a later import or an admin resolves it into a payment.
 */
@Entity({ name: 'unmatched_payments' })
@Index('uq_unmatched_payments_transaction_id', ['transactionId'], { unique: true })
export class UnmatchedPayment {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar', length: 16 })
  source: ImportSource;

  @Column({ name: 'transaction_id', type: 'varchar', length: 64 })
  transactionId: string;

  /** The provider's status, normalized: only `completed` ones can become payments. */
  @Column({ type: 'varchar', length: 16 })
  status: ImportStatus;

  /** Why it is here, in words for the admin. */
  @Column({ type: 'varchar', length: 255 })
  reason: string;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt: Date;

  @Column({ name: 'amount_cents', type: 'int' })
  amountCents: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ name: 'payer_email', type: 'varchar', length: 255, nullable: true })
  payerEmail: string | null;

  @Column({ name: 'payer_name', type: 'varchar', length: 255, nullable: true })
  payerName: string | null;

  @Column({ name: 'subscription_id', type: 'varchar', length: 64, nullable: true })
  subscriptionId: string | null;

  /** The payment it became (matched by a later import, or assigned by an admin); null while open. */
  @Column({ name: 'payment_id', type: 'int', nullable: true })
  paymentId: number | null;

  @Column({ name: 'resolved_at', type: 'datetime', precision: 3, nullable: true })
  resolvedAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<UnmatchedPayment>) {
    Object.assign(this, init);
  }
}
