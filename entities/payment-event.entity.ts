import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ImportSource = 'paypal' | 'stripe';
export type ImportStatus = 'completed' | 'pending' | 'denied' | 'reversed' | 'canceled' | 'other';
export type PaymentEventKind = 'refund' | 'reversal';

/**
 * A refund or reversal seen by an import. Once the completed ones of a payment add up to what it
 * paid, the payment is voided (it no longer buys time); a partial one waits for the admin.
 */
@Entity({ name: 'payment_events' })
@Index('uq_payment_events_transaction_id', ['transactionId'], { unique: true })
@Index('idx_payment_events_user', ['userId'])
@Index('idx_payment_events_reference', ['referenceTransactionId'])
export class PaymentEvent {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar', length: 16 })
  source: ImportSource;

  @Column({ type: 'varchar', length: 16 })
  kind: PaymentEventKind;

  /** The refund's own ID (or, for a payment whose status turned to Reversed, the payment's ID). */
  @Column({ name: 'transaction_id', type: 'varchar', length: 64 })
  transactionId: string;

  /** The original payment's transaction ID. */
  @Column({ name: 'reference_transaction_id', type: 'varchar', length: 64, nullable: true })
  referenceTransactionId: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: ImportStatus;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt: Date;

  /** The amount given back, positive. */
  @Column({ name: 'amount_cents', type: 'int' })
  amountCents: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ name: 'payer_email', type: 'varchar', length: 255, nullable: true })
  payerEmail: string | null;

  /** The payment it takes back, when that payment was imported; and its user. */
  @Column({ name: 'payment_id', type: 'int', nullable: true })
  paymentId: number | null;

  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<PaymentEvent>) {
    Object.assign(this, init);
  }
}
