import { readBool, readDate, type Sql, type SqlValue } from './sql';

export interface ShareFields {
  userId: number;
  serverId: number;
  plexShareId: number;
  invitedAt: Date | null;
  acceptedAt: Date | null;
  pending: boolean;
  allLibraries: boolean;
  libraries: string[];
}

export interface ShareRow extends ShareFields {
  id: number;
}

export interface ShareListRow extends ShareRow {
  plexUserId: number;
  username: string | null;
  title: string;
  machineIdentifier: string;
  serverName: string;
}

const SHARE_COLUMNS = 's.id, s.user_id, s.server_id, s.plex_share_id, s.invited_at, s.accepted_at, s.pending, s.all_libraries, s.libraries';

export class SharedServerRepository {
  constructor(private readonly sql: Sql) {}

  async listForServer(serverId: number): Promise<ShareRow[]> {
    const rows = await this.sql.query(`SELECT ${SHARE_COLUMNS} FROM shared_servers s WHERE s.server_id = ?`, [serverId]);
    return rows.map(toShare);
  }

  /** Every share with its user's and server's names: one query. */
  async listAll(): Promise<ShareListRow[]> {
    return this.listWithNames('', []);
  }

  async listForUser(userId: number): Promise<ShareListRow[]> {
    return this.listWithNames('WHERE s.user_id = ?', [userId]);
  }

  private async listWithNames(where: string, params: number[]): Promise<ShareListRow[]> {
    const rows = await this.sql.query(
      `SELECT ${SHARE_COLUMNS}, u.plex_id, u.username, u.title, m.machine_identifier, m.name AS server_name
         FROM shared_servers s
         JOIN users u ON u.id = s.user_id
         JOIN media_servers m ON m.id = s.server_id
        ${where}
        ORDER BY m.name, u.title, s.id`,
      params,
    );
    return rows.map((r) => ({
      ...toShare(r),
      plexUserId: Number(r.plex_id),
      username: (r.username as string | null) ?? null,
      title: String(r.title),
      machineIdentifier: String(r.machine_identifier),
      serverName: String(r.server_name),
    }));
  }

  /** Inserts new shares and overwrites changed ones, keyed by (user, server), in batches. */
  async upsertMany(shares: ShareFields[], now: Date): Promise<void> {
    const columns = [
      'user_id',
      'server_id',
      'plex_share_id',
      'invited_at',
      'accepted_at',
      'pending',
      'all_libraries',
      'libraries',
      'created_at',
      'updated_at',
    ];
    const rows: SqlValue[][] = shares.map((s) => [
      s.userId,
      s.serverId,
      s.plexShareId,
      s.invitedAt,
      s.acceptedAt,
      s.pending,
      s.allLibraries,
      JSON.stringify(s.libraries),
      now,
      now,
    ]);
    await this.sql.insertMany('shared_servers', columns, rows, {
      conflict: ['user_id', 'server_id'],
      update: ['plex_share_id', 'invited_at', 'accepted_at', 'pending', 'all_libraries', 'libraries', 'updated_at'],
    });
  }

  async deleteByIds(ids: number[]): Promise<void> {
    await this.sql.queryIn((inList) => `DELETE FROM shared_servers WHERE id IN (${inList})`, ids);
  }
}

function toShare(r: Record<string, unknown>): ShareRow {
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    serverId: Number(r.server_id),
    plexShareId: Number(r.plex_share_id),
    invitedAt: readDate(r.invited_at),
    acceptedAt: readDate(r.accepted_at),
    pending: readBool(r.pending),
    allLibraries: readBool(r.all_libraries),
    libraries: JSON.parse(String(r.libraries)) as string[],
  };
}
