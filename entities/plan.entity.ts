import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type DurationUnit = 'day' | 'month';

@Entity({ name: 'plans' })
@Index('uq_plans_name', ['name'], { unique: true })
@Index('uq_plans_default_flag', ['defaultFlag'], { unique: true })
export class Plan {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'duration_value', type: 'int' })
  durationValue: number;

  @Column({ name: 'duration_unit', type: 'varchar', length: 8 })
  durationUnit: DurationUnit;

  /** Price in minor units (cents). */
  @Column({ name: 'price_cents', type: 'int' })
  priceCents: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  /**
   * true on the default plan, NULL on every other: the unique index lets the database itself
   * refuse a second default (both SQLite and MariaDB allow many NULLs in a unique index).
   */
  @Column({ name: 'default_flag', type: 'boolean', nullable: true })
  defaultFlag: true | null;

  /** Staged expiry: days an expired user keeps the plan's renew libraries before removal (null: removed at once). */
  @Column({ name: 'renew_days', type: 'int', nullable: true })
  renewDays: number | null;

  /** A link members pay with: `{plexId}`, `{amount}`, `{currency}`, `{email}` are filled in (URL-encoded). */
  @Column({ name: 'pay_url_template', type: 'varchar', length: 500, nullable: true })
  payUrlTemplate: string | null;

  /** A Stripe price (`price_…`): "Pay with card" starts a subscription to it instead of a one-off payment. */
  @Column({ name: 'stripe_price_id', type: 'varchar', length: 100, nullable: true })
  stripePriceId: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<Plan>) {
    Object.assign(this, init);
  }
}
