import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Payment } from './payment.entity';
import { User } from './user.entity';

/** 'reminder': before the end (threshold_days > 0); 'expired': after it (threshold_days 0). */
export type NoticeKind = 'reminder' | 'expired';

/**
 * One lifecycle DM about one payment end. The row is written, with the DM in the outbox, before the
 * DM is sent, and the unique key (payment, kind, threshold, end) lets only one writer win, so a
 * notice is decided once; the end date is part of the key because an admin may move the end of
 * the same payment.
 */
@Entity({ name: 'payment_notices' })
@Index('uq_payment_notices_key', ['paymentId', 'kind', 'thresholdDays', 'endsAt'], { unique: true })
@Index('idx_payment_notices_user', ['userId'])
export class PaymentNotice {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'payment_id', type: 'int' })
  paymentId: number;

  @ManyToOne(() => Payment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'payment_id' })
  payment?: Payment;

  @Column({ type: 'varchar', length: 16 })
  kind: NoticeKind;

  @Column({ name: 'threshold_days', type: 'int' })
  thresholdDays: number;

  @Column({ name: 'ends_at', type: 'datetime', precision: 3 })
  endsAt: Date;

  @Column({ name: 'claimed_at', type: 'datetime', precision: 3 })
  claimedAt: Date;

  /** Null until the DM went out (its outbox entry is pending), or when it failed (then `failure` says why). */
  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true })
  deliveredAt: Date | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  failure: string | null;

  constructor(init?: Partial<PaymentNotice>) {
    Object.assign(this, init);
  }
}
