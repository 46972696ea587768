import type { DiscordLinkedVia, UserClass } from '../../entities';
import { foldText, SQLITE_FOLD } from '../database/data-source';
import { readBool, readDate, type Sql, type SqlValue } from './sql';

/** The fields plex.tv owns: a sync may overwrite these and nothing else. */
export interface PlexFields {
  plexId: number;
  username: string | null;
  email: string | null;
  title: string;
  thumb: string | null;
  home: boolean;
}

export interface UserSyncRow extends PlexFields {
  id: number;
  userClass: UserClass;
  removedAt: Date | null;
}

export interface UserRow extends UserSyncRow {
  paypalEmail: string | null;
  discordId: string | null;
  discordUsername: string | null;
  /** How and when the Discord ID was set: an admin's form, or the member's own Plex sign-in. */
  discordLinkedVia: DiscordLinkedVia | null;
  discordLinkedAt: Date | null;
  profileReviewedAt: Date | null;
  paymentReviewedAt: Date | null;
  /** Lifecycle marks: DMs refused (50007), not a member of the guild (10007), removal from Plex due / failed / done. */
  dmsClosedAt: Date | null;
  discordMissingAt: Date | null;
  plexRemovalDueAt: Date | null;
  plexRemovalError: string | null;
  plexRemovedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProfileFields {
  paypalEmail: string | null;
  discordId: string | null;
  discordUsername: string | null;
}

const USER_COLUMNS =
  'id, plex_id, username, email, title, thumb, home, class, paypal_email, discord_id, discord_username, discord_linked_via, discord_linked_at, removed_at, profile_reviewed_at, payment_reviewed_at, ' +
  'dms_closed_at, discord_missing_at, plex_removal_due_at, plex_removal_error, plex_removed_at, created_at, updated_at';

export class UserRepository {
  constructor(private readonly sql: Sql) {}

  /** Every user, with just what a sync compares: one query. */
  async loadSyncSnapshot(): Promise<UserSyncRow[]> {
    const rows = await this.sql.query('SELECT id, plex_id, username, email, title, thumb, home, class, removed_at FROM users');
    return rows.map(toSyncRow);
  }

  /** Every user's id by plex.tv id (what the shares sync matches shares with): one query, two columns. */
  async idsByPlexId(): Promise<Map<number, number>> {
    const rows = await this.sql.query<{ id: number; plex_id: number }>('SELECT id, plex_id FROM users');
    const ids = new Map<number, number>();
    for (const r of rows) ids.set(Number(r.plex_id), Number(r.id));
    return ids;
  }

  async list(): Promise<UserRow[]> {
    const rows = await this.sql.query(`SELECT ${USER_COLUMNS} FROM users ORDER BY title, id`);
    return rows.map(toUser);
  }

  async findByPlexId(plexId: number): Promise<UserRow | null> {
    const rows = await this.sql.query(`SELECT ${USER_COLUMNS} FROM users WHERE plex_id = ?`, [plexId]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  /** Candidates for a search box: a substring of username, email, title or Discord username, without case or accents. */
  async search(text: string, limit: number): Promise<UserRow[]> {
    const where = this.matching(text);
    const rows = await this.sql.query(`SELECT ${USER_COLUMNS} FROM users WHERE ${where.sql} ORDER BY title, id LIMIT ${Math.floor(limit)}`, where.params);
    return rows.map(toUser);
  }

  /** How many users `search` would find without a limit. */
  async countMatching(text: string): Promise<number> {
    const where = this.matching(text);
    const rows = await this.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM users WHERE ${where.sql}`, where.params);
    return Number(rows[0]?.n ?? 0);
  }

  private matching(text: string): { sql: string; params: string[] } {
    // '!' escapes LIKE's wildcards: a backslash means different things in SQLite and MySQL literals.
    const like = `%${foldText(text).replace(/[!%_]/g, (c) => `!${c}`)}%`;
    const columns = ['title', "COALESCE(username, '')", "COALESCE(email, '')", "COALESCE(discord_username, '')"];
    return { sql: columns.map((c) => `${this.folded(c)} LIKE ? ESCAPE '!'`).join(' OR '), params: columns.map(() => like) };
  }

  /** Users whose plex.tv username, plex.tv email or Discord username is `text` (without case or accents): names that each belong to one account. */
  async findByIdentifier(text: string): Promise<UserRow[]> {
    const folded = foldText(text);
    const rows = await this.sql.query(
      `SELECT ${USER_COLUMNS} FROM users
        WHERE ${this.folded('username')} = ? OR ${this.folded('email')} = ? OR ${this.folded('discord_username')} = ?
        ORDER BY title, id`,
      [folded, folded, folded],
    );
    return rows.map(toUser);
  }

  /** A column compared without case or accents on both databases (SQLite's LOWER stops at ASCII; MariaDB's collation ignores both). */
  private folded(column: string): string {
    return this.sql.dialect === 'sqlite' ? `${SQLITE_FOLD}(${column})` : `LOWER(${column})`;
  }

  /** Users other than `exceptId` that already hold this PayPal email or Discord ID. */
  async findHolders(fields: { paypalEmail: string | null; discordId: string | null }, exceptId: number): Promise<UserRow[]> {
    if (!fields.paypalEmail && !fields.discordId) return [];
    const rows = await this.sql.query(
      `SELECT ${USER_COLUMNS} FROM users WHERE id <> ? AND ((paypal_email IS NOT NULL AND paypal_email = ?) OR (discord_id IS NOT NULL AND discord_id = ?))`,
      [exceptId, fields.paypalEmail ?? '', fields.discordId ?? ''],
    );
    return rows.map(toUser);
  }

  async updateProfile(id: number, profile: ProfileFields, now: Date): Promise<void> {
    await this.sql.query(
      'UPDATE users SET paypal_email = ?, discord_id = ?, discord_username = ?, profile_reviewed_at = ?, updated_at = ? WHERE id = ?',
      [profile.paypalEmail, profile.discordId, profile.discordUsername, now, now, id],
    );
  }

  /** The user whose Discord ID this is, if any. */
  async findByDiscordId(discordId: string): Promise<UserRow | null> {
    const rows = await this.sql.query(`SELECT ${USER_COLUMNS} FROM users WHERE discord_id = ?`, [discordId]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  /** Records who linked the Discord ID and when (null when it was cleared). */
  async markDiscordLink(id: number, via: DiscordLinkedVia | null, at: Date | null): Promise<void> {
    await this.sql.query('UPDATE users SET discord_linked_via = ?, discord_linked_at = ? WHERE id = ?', [via, at, id]);
  }

  /** A member linked themselves: only when the user has no Discord ID yet, so a concurrent link cannot be overwritten. Answers whether it was set. */
  async linkDiscordIfFree(id: number, discordId: string, discordUsername: string, via: DiscordLinkedVia, now: Date): Promise<boolean> {
    const before = await this.sql.query('SELECT discord_id FROM users WHERE id = ?', [id]);
    if (!before[0] || before[0].discord_id !== null) return false;
    await this.sql.query(
      'UPDATE users SET discord_id = ?, discord_username = ?, discord_linked_via = ?, discord_linked_at = ?, discord_missing_at = NULL, updated_at = ? WHERE id = ? AND discord_id IS NULL',
      [discordId, discordUsername, via, now, now, id],
    );
    return true;
  }

  async unlinkDiscord(id: number, now: Date): Promise<void> {
    await this.sql.query(
      'UPDATE users SET discord_id = NULL, discord_username = NULL, discord_linked_via = NULL, discord_linked_at = NULL, discord_missing_at = NULL, dms_closed_at = NULL, updated_at = ? WHERE id = ?',
      [now, id],
    );
  }

  async setClass(id: number, userClass: UserClass, now: Date): Promise<void> {
    await this.sql.query('UPDATE users SET class = ?, updated_at = ? WHERE id = ?', [userClass, now, id]);
  }

  async markPaymentReviewed(id: number, now: Date): Promise<void> {
    await this.sql.query('UPDATE users SET payment_reviewed_at = ?, updated_at = ? WHERE id = ?', [now, now, id]);
  }

  /** Inserts new users; answers their ids by plex.tv id. */
  async insertMany(users: Array<PlexFields & { userClass: UserClass }>, now: Date): Promise<Map<number, number>> {
    await this.sql.insertMany(
      'users',
      ['plex_id', 'username', 'email', 'title', 'thumb', 'home', 'class', 'created_at', 'updated_at'],
      users.map((u) => [u.plexId, u.username, u.email, u.title, u.thumb, u.home, u.userClass, now, now]),
    );
    const rows = await this.sql.queryIn<{ id: number; plex_id: number }>(
      (inList) => `SELECT id, plex_id FROM users WHERE plex_id IN (${inList})`,
      users.map((u) => u.plexId),
    );
    return new Map(rows.map((r) => [Number(r.plex_id), Number(r.id)]));
  }

  /**
   * Overwrites the plex.tv fields of existing users (and clears removed_at) in batches: an
   * upsert on plex_id whose update list holds only those fields, so admin edits stay.
   */
  async updatePlexFields(users: Array<PlexFields & { userClass: UserClass }>, now: Date): Promise<void> {
    const columns = ['plex_id', 'username', 'email', 'title', 'thumb', 'home', 'class', 'removed_at', 'created_at', 'updated_at'];
    const rows: SqlValue[][] = users.map((u) => [u.plexId, u.username, u.email, u.title, u.thumb, u.home, u.userClass, null, now, now]);
    await this.sql.insertMany('users', columns, rows, {
      conflict: ['plex_id'],
      update: ['username', 'email', 'title', 'thumb', 'home', 'removed_at', 'updated_at'],
    });
  }

  async markRemoved(ids: number[], at: Date): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE users SET removed_at = ?, updated_at = ? WHERE id IN (${inList})`, ids, [at, at]);
  }
}

function toSyncRow(r: Record<string, unknown>): UserSyncRow {
  return {
    id: Number(r.id),
    plexId: Number(r.plex_id),
    username: (r.username as string | null) ?? null,
    email: (r.email as string | null) ?? null,
    title: String(r.title),
    thumb: (r.thumb as string | null) ?? null,
    home: readBool(r.home),
    userClass: r.class as UserClass,
    removedAt: readDate(r.removed_at),
  };
}

export function toUser(r: Record<string, unknown>): UserRow {
  return {
    ...toSyncRow(r),
    paypalEmail: (r.paypal_email as string | null) ?? null,
    discordId: (r.discord_id as string | null) ?? null,
    discordUsername: (r.discord_username as string | null) ?? null,
    discordLinkedVia: (r.discord_linked_via as DiscordLinkedVia | null) ?? null,
    discordLinkedAt: readDate(r.discord_linked_at),
    profileReviewedAt: readDate(r.profile_reviewed_at),
    paymentReviewedAt: readDate(r.payment_reviewed_at),
    dmsClosedAt: readDate(r.dms_closed_at),
    discordMissingAt: readDate(r.discord_missing_at),
    plexRemovalDueAt: readDate(r.plex_removal_due_at),
    plexRemovalError: (r.plex_removal_error as string | null) ?? null,
    plexRemovedAt: readDate(r.plex_removed_at),
    createdAt: readDate(r.created_at) as Date,
    updatedAt: readDate(r.updated_at) as Date,
  };
}
