import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity';

/** A share removed on plex.tv because the user's subscription ended: the audit log of removals. */
@Entity({ name: 'plex_removals' })
@Index('idx_plex_removals_user', ['userId'])
export class PlexRemoval {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'machine_identifier', type: 'varchar', length: 64 })
  machineIdentifier: string;

  /** Kept by name: the server may be gone from the database later. */
  @Column({ name: 'server_name', type: 'varchar', length: 255 })
  serverName: string;

  @Column({ name: 'plex_share_id', type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  plexShareId: number;

  /** The end of the payment that ran out (null for a user who never paid). */
  @Column({ name: 'ended_at', type: 'datetime', precision: 3, nullable: true })
  endedAt: Date | null;

  @Column({ name: 'removed_at', type: 'datetime', precision: 3 })
  removedAt: Date;

  constructor(init?: Partial<PlexRemoval>) {
    Object.assign(this, init);
  }
}
