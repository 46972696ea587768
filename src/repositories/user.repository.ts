import type { UserClass } from '../../entities';
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
  createdAt: Date;
  updatedAt: Date;
}

const USER_COLUMNS =
  'id, plex_id, username, email, title, thumb, home, class, paypal_email, discord_id, discord_username, removed_at, created_at, updated_at';

export class UserRepository {
  constructor(private readonly sql: Sql) {}

  /** Every user, with just what a sync compares: one query. */
  async loadSyncSnapshot(): Promise<UserSyncRow[]> {
    const rows = await this.sql.query('SELECT id, plex_id, username, email, title, thumb, home, class, removed_at FROM users');
    return rows.map((r) => ({
      id: Number(r.id),
      plexId: Number(r.plex_id),
      username: (r.username as string | null) ?? null,
      email: (r.email as string | null) ?? null,
      title: String(r.title),
      thumb: (r.thumb as string | null) ?? null,
      home: readBool(r.home),
      userClass: r.class as UserClass,
      removedAt: readDate(r.removed_at),
    }));
  }

  async list(): Promise<UserRow[]> {
    const rows = await this.sql.query(`SELECT ${USER_COLUMNS} FROM users ORDER BY title, id`);
    return rows.map(toUser);
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

export function toUser(r: Record<string, unknown>): UserRow {
  return {
    id: Number(r.id),
    plexId: Number(r.plex_id),
    username: (r.username as string | null) ?? null,
    email: (r.email as string | null) ?? null,
    title: String(r.title),
    thumb: (r.thumb as string | null) ?? null,
    home: readBool(r.home),
    userClass: r.class as UserClass,
    paypalEmail: (r.paypal_email as string | null) ?? null,
    discordId: (r.discord_id as string | null) ?? null,
    discordUsername: (r.discord_username as string | null) ?? null,
    removedAt: readDate(r.removed_at),
    createdAt: readDate(r.created_at) as Date,
    updatedAt: readDate(r.updated_at) as Date,
  };
}
