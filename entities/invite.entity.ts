import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Plan } from './plan.entity';
import { User } from './user.entity';

/**
 * sharing: the plex.tv shares are being made (a crash leaves it so; the same invite again resumes it);
 * awaiting-account: shared, but plex.tv has no account for the e-mail yet (the users sync attaches it);
 * attached: the user exists; failed: plex.tv refused a share; cancelled: unshared by an admin.
 */
export type InviteStatus = 'sharing' | 'awaiting-account' | 'attached' | 'failed' | 'cancelled';

/** An invite the bot sent on plex.tv, kept until (and after) the invitee's account is known. */
@Entity({ name: 'invites' })
@Index('idx_invites_status', ['status'])
@Index('idx_invites_user', ['userId'])
export class Invite {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  /** The e-mail or Plex username the invite went to, as the admin typed it. */
  @Column({ name: 'invited_as', type: 'varchar', length: 255 })
  invitedAs: string;

  @Column({ name: 'plan_id', type: 'int' })
  planId: number;

  @ManyToOne(() => Plan, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'plan_id' })
  plan?: Plan;

  /** The payment the user gets once they exist. */
  @Column({ name: 'starts_at', type: 'datetime', precision: 3 })
  startsAt: Date;

  @Column({ name: 'ends_at', type: 'datetime', precision: 3 })
  endsAt: Date;

  @Column({ name: 'discord_id', type: 'varchar', length: 20, nullable: true })
  discordId: string | null;

  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 16 })
  status: InviteStatus;

  /** JSON: [{ machineIdentifier, serverName, shareId, libraries }] for each share made. */
  @Column({ type: 'text' })
  shares: string;

  /** plex.tv's refusal, for a failed invite. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  failure: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<Invite>) {
    Object.assign(this, init);
  }
}
