import type { InviteStatus } from '../../entities';
import { readDate, type Sql } from './sql';

/** One plex.tv share an invite made (or adopted). */
export interface InviteShare {
  machineIdentifier: string;
  serverName: string;
  shareId: number;
  libraries: string[];
}

export interface InviteRow {
  id: number;
  invitedAs: string;
  planId: number;
  planName: string;
  startsAt: Date;
  endsAt: Date;
  discordId: string | null;
  userId: number | null;
  /** The user's plex.tv account id, once known. */
  plexId: number | null;
  status: InviteStatus;
  shares: InviteShare[];
  failure: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewInvite = Pick<InviteRow, 'invitedAs' | 'planId' | 'startsAt' | 'endsAt' | 'discordId'>;

const SELECT = `SELECT i.id, i.invited_as, i.plan_id, pl.name AS plan_name, i.starts_at, i.ends_at, i.discord_id, i.user_id, u.plex_id,
       i.status, i.shares, i.failure, i.created_at, i.updated_at
  FROM invites i JOIN plans pl ON pl.id = i.plan_id LEFT JOIN users u ON u.id = i.user_id`;

/** The invites table: what the bot invited on plex.tv, before and after the account is known. */
export class InviteRepository {
  constructor(private readonly sql: Sql) {}

  async insert(invite: NewInvite, now: Date): Promise<number> {
    const { insertId } = await this.sql.execute(
      `INSERT INTO invites (invited_as, plan_id, starts_at, ends_at, discord_id, user_id, status, shares, failure, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, NULL, 'sharing', '[]', NULL, ?, ?)`,
      [invite.invitedAs, invite.planId, invite.startsAt, invite.endsAt, invite.discordId, now, now],
    );
    if (insertId !== null && insertId > 0) return insertId;
    const rows = await this.sql.query<{ id: number }>('SELECT MAX(id) AS id FROM invites');
    return Number(rows[0]!.id);
  }

  async findById(id: number): Promise<InviteRow | null> {
    const rows = await this.sql.query(`${SELECT} WHERE i.id = ?`, [id]);
    return rows[0] ? toInvite(rows[0]) : null;
  }

  /** Invites in these states, oldest first. */
  async listByStatus(statuses: InviteStatus[]): Promise<InviteRow[]> {
    const rows = await this.sql.query(`${SELECT} WHERE i.status IN (${statuses.map(() => '?').join(', ')}) ORDER BY i.id`, statuses);
    return rows.map(toInvite);
  }

  async listForUser(userId: number): Promise<InviteRow[]> {
    const rows = await this.sql.query(`${SELECT} WHERE i.user_id = ? ORDER BY i.id`, [userId]);
    return rows.map(toInvite);
  }

  async recordShare(id: number, share: InviteShare, now: Date): Promise<void> {
    const invite = await this.findById(id);
    if (!invite) return;
    const shares = [...invite.shares.filter((s) => s.machineIdentifier !== share.machineIdentifier), share];
    await this.sql.query('UPDATE invites SET shares = ?, updated_at = ? WHERE id = ?', [JSON.stringify(shares), now, id]);
  }

  async setStatus(id: number, status: InviteStatus, now: Date, changes: { userId?: number; failure?: string | null } = {}): Promise<void> {
    const sets = ['status = ?', 'updated_at = ?'];
    const params: Array<string | number | Date | null> = [status, now];
    if (changes.userId !== undefined) {
      sets.push('user_id = ?');
      params.push(changes.userId);
    }
    if (changes.failure !== undefined) {
      sets.push('failure = ?');
      params.push(changes.failure === null ? null : changes.failure.slice(0, 255));
    }
    await this.sql.query(`UPDATE invites SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }
}

function toInvite(r: Record<string, unknown>): InviteRow {
  return {
    id: Number(r.id),
    invitedAs: String(r.invited_as),
    planId: Number(r.plan_id),
    planName: String(r.plan_name),
    startsAt: readDate(r.starts_at) as Date,
    endsAt: readDate(r.ends_at) as Date,
    discordId: (r.discord_id as string | null) ?? null,
    userId: r.user_id === null || r.user_id === undefined ? null : Number(r.user_id),
    plexId: r.plex_id === null || r.plex_id === undefined ? null : Number(r.plex_id),
    status: r.status as InviteStatus,
    shares: JSON.parse(String(r.shares ?? '[]')) as InviteShare[],
    failure: (r.failure as string | null) ?? null,
    createdAt: readDate(r.created_at) as Date,
    updatedAt: readDate(r.updated_at) as Date,
  };
}
