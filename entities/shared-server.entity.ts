import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { MediaServer } from './media-server.entity';
import { User } from './user.entity';

/** A share of one of the owner's servers with one user. */
@Entity({ name: 'shared_servers' })
@Index('uq_shared_servers_user_server', ['userId', 'serverId'], { unique: true })
@Index('idx_shared_servers_server', ['serverId'])
export class SharedServer {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'server_id', type: 'int' })
  serverId: number;

  @ManyToOne(() => MediaServer, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'server_id' })
  server?: MediaServer;

  /** plex.tv's SharedServer id, needed to unshare. */
  @Column({ name: 'plex_share_id', type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  plexShareId: number;

  @Column({ name: 'invited_at', type: 'datetime', precision: 3, nullable: true })
  invitedAt: Date | null;

  @Column({ name: 'accepted_at', type: 'datetime', precision: 3, nullable: true })
  acceptedAt: Date | null;

  @Column({ type: 'boolean', default: false })
  pending: boolean;

  @Column({ name: 'all_libraries', type: 'boolean', default: false })
  allLibraries: boolean;

  /** Titles of the shared libraries, as a JSON array. */
  @Column({ type: 'simple-json' })
  libraries: string[];

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<SharedServer>) {
    Object.assign(this, init);
  }
}
