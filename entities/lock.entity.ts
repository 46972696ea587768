import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A named lease held by one process. The holder renews expires_at while it works;
 * a holder that dies stops renewing, so the lease runs out and another process may take it.
 */
@Entity({ name: 'locks' })
export class Lock {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'varchar', length: 128 })
  holder: string;

  @Column({ name: 'acquired_at', type: 'datetime', precision: 3 })
  acquiredAt: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt: Date;

  constructor(init?: Partial<Lock>) {
    Object.assign(this, init);
  }
}
