import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity';

/** What an outbox entry does: a Discord DM, or a plex.tv share write (share, change libraries, unshare). */
export type OutboxKind = 'dm' | 'plex-share' | 'plex-update' | 'plex-unshare';

/**
 * An effect on the outside world, recorded before it is performed: pending while done_at and
 * failure are null (a crash leaves it so, and it is retried), done, or failed for good.
 */
@Entity({ name: 'outbox' })
@Index('uq_outbox_key', ['idempotencyKey'], { unique: true })
@Index('idx_outbox_pending', ['kind', 'doneAt'])
@Index('idx_outbox_user', ['userId'])
export class OutboxEntry {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  /** Says which decision the effect carries out, so one decision is performed at most once. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 100 })
  idempotencyKey: string;

  @Column({ type: 'varchar', length: 16 })
  kind: OutboxKind;

  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId: number | null;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** For whom: a Discord user ID for a DM, a server's machineIdentifier for a plex.tv write. */
  @Column({ type: 'varchar', length: 64 })
  target: string;

  /** What: the DM's text, or the plex.tv write as JSON. */
  @Column({ type: 'text' })
  payload: string;

  /** Why, for the admin: "3-day reminder (ends 2026-12-25)". */
  @Column({ type: 'varchar', length: 255 })
  reason: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'last_attempt_at', type: 'datetime', precision: 3, nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'done_at', type: 'datetime', precision: 3, nullable: true })
  doneAt: Date | null;

  /** A failure retrying will not fix (DMs closed): the entry is settled, not retried. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  failure: string | null;

  constructor(init?: Partial<OutboxEntry>) {
    Object.assign(this, init);
  }
}
