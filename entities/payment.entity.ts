import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Plan } from './plan.entity';
import { User } from './user.entity';

export type PaymentSource = 'default' | 'manual' | 'paypal' | 'stripe';

/** A period [startsAt, endsAt) that a user has paid for (or was given by the default payment), unless voided. */
@Entity({ name: 'payments' })
@Index('idx_payments_user', ['userId'])
@Index('idx_payments_subscription', ['subscriptionId'])
@Index('uq_payments_transaction_id', ['transactionId'], { unique: true })
export class Payment {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'plan_id', type: 'int' })
  planId: number;

  @ManyToOne(() => Plan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'plan_id' })
  plan?: Plan;

  @Column({ name: 'starts_at', type: 'datetime', precision: 3 })
  startsAt: Date;

  @Column({ name: 'ends_at', type: 'datetime', precision: 3 })
  endsAt: Date;

  @Column({ name: 'amount_cents', type: 'int', nullable: true })
  amountCents: number | null;

  @Column({ type: 'varchar', length: 3, nullable: true })
  currency: string | null;

  /** PayPal I-… or Stripe sub_… of a recurring subscription. */
  @Column({ name: 'subscription_id', type: 'varchar', length: 64, nullable: true })
  subscriptionId: string | null;

  @Column({ name: 'transaction_id', type: 'varchar', length: 64, nullable: true })
  transactionId: string | null;

  @Column({ type: 'varchar', length: 16 })
  source: PaymentSource;

  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault: boolean;

  /** When the money came in (imported payments); a stacked renewal starts later than this. */
  @Column({ name: 'paid_at', type: 'datetime', precision: 3, nullable: true })
  paidAt: Date | null;

  /** Fully refunded or reversed: kept as history, no longer counts for status or stacking. */
  @Column({ name: 'voided_at', type: 'datetime', precision: 3, nullable: true })
  voidedAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<Payment>) {
    Object.assign(this, init);
  }
}
