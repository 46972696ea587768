import type { Sql } from './sql';

export interface NewPlexRemoval {
  userId: number;
  machineIdentifier: string;
  serverName: string;
  plexShareId: number;
  endedAt: Date | null;
}

/** The log of shares removed on plex.tv by the lifecycle. */
export class PlexRemovalRepository {
  constructor(private readonly sql: Sql) {}

  async record(removal: NewPlexRemoval, at: Date): Promise<void> {
    await this.sql.insertMany(
      'plex_removals',
      ['user_id', 'machine_identifier', 'server_name', 'plex_share_id', 'ended_at', 'removed_at'],
      [[removal.userId, removal.machineIdentifier, removal.serverName, removal.plexShareId, removal.endedAt, at]],
    );
  }
}
