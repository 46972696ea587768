import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { UserClass } from './media-server.entity';

export type DiscordLinkedVia = 'admin' | 'plex-sign-in';

/** A plex.tv account that is a friend of the owner or shares one of the owner's servers. */
@Entity({ name: 'users' })
@Index('uq_users_plex_id', ['plexId'], { unique: true })
@Index('uq_users_paypal_email', ['paypalEmail'], { unique: true })
@Index('uq_users_discord_id', ['discordId'], { unique: true })
export class User {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'plex_id', type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  plexId: number;

  /** Absent for managed (home) users. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  username: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  email: string | null;

  @Column({ type: 'varchar', length: 255 })
  title: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  thumb: string | null;

  @Column({ type: 'boolean', default: false })
  home: boolean;

  @Column({ name: 'class', type: 'varchar', length: 16 })
  userClass: UserClass;

  /** Admin-edited: the key for matching PayPal payments. Stored lower-case. */
  @Column({ name: 'paypal_email', type: 'varchar', length: 255, nullable: true })
  paypalEmail: string | null;

  /** Admin-edited: the key for roles and DMs. */
  @Column({ name: 'discord_id', type: 'varchar', length: 20, nullable: true })
  discordId: string | null;

  @Column({ name: 'discord_username', type: 'varchar', length: 64, nullable: true })
  discordUsername: string | null;

  /** Who made the Discord link: an admin in a form, or the member by signing in with Plex. */
  @Column({ name: 'discord_linked_via', type: 'varchar', length: 16, nullable: true })
  discordLinkedVia: DiscordLinkedVia | null;

  @Column({ name: 'discord_linked_at', type: 'datetime', precision: 3, nullable: true })
  discordLinkedAt: Date | null;

  /** Set when the user no longer appears on plex.tv; cleared if they come back. */
  @Column({ name: 'removed_at', type: 'datetime', precision: 3, nullable: true })
  removedAt: Date | null;

  /** When an admin last saved this user's profile (null: never reviewed since import). */
  @Column({ name: 'profile_reviewed_at', type: 'datetime', precision: 3, nullable: true })
  profileReviewedAt: Date | null;

  /** When an admin last saved this user's default payment. */
  @Column({ name: 'payment_reviewed_at', type: 'datetime', precision: 3, nullable: true })
  paymentReviewedAt: Date | null;

  /** Lifecycle: when a DM to this user last failed because they closed DMs (cleared by a DM that gets through). */
  @Column({ name: 'dms_closed_at', type: 'datetime', precision: 3, nullable: true })
  dmsClosedAt: Date | null;

  /** Lifecycle: when the Discord ID was last found not to be a member of the guild (cleared when found). */
  @Column({ name: 'discord_missing_at', type: 'datetime', precision: 3, nullable: true })
  discordMissingAt: Date | null;

  /** Lifecycle: marked for removal from the owner's Plex servers since; kept until the removal succeeds. */
  @Column({ name: 'plex_removal_due_at', type: 'datetime', precision: 3, nullable: true })
  plexRemovalDueAt: Date | null;

  /** Lifecycle: why the last removal attempt failed (plex.tv's answer). */
  @Column({ name: 'plex_removal_error', type: 'varchar', length: 255, nullable: true })
  plexRemovalError: string | null;

  /** Why the last attempt to bring the user's shares in line with their plan failed on plex.tv: set means retried next run. */
  @Column({ name: 'plex_access_error', type: 'varchar', length: 255, nullable: true })
  plexAccessError: string | null;

  /** Lifecycle: when the user's shares were last removed, and the payment end that removal was for. */
  @Column({ name: 'plex_removed_at', type: 'datetime', precision: 3, nullable: true })
  plexRemovedAt: Date | null;

  @Column({ name: 'plex_removed_end_at', type: 'datetime', precision: 3, nullable: true })
  plexRemovedEndAt: Date | null;

  /** Staged expiry: when the shares were reduced to the plan's renew libraries (cleared when full access is back). */
  @Column({ name: 'plex_reduced_at', type: 'datetime', precision: 3, nullable: true })
  plexReducedAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<User>) {
    Object.assign(this, init);
  }
}
