import type { UserClass } from '../../entities';
import { readBool, readDate, type Sql } from './sql';

export interface ServerRow {
  id: number;
  machineIdentifier: string;
  name: string;
  importAs: UserClass;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export class ServerRepository {
  constructor(private readonly sql: Sql) {}

  async list(): Promise<ServerRow[]> {
    const rows = await this.sql.query(
      'SELECT id, machine_identifier, name, import_as, enabled, created_at, updated_at FROM media_servers ORDER BY name, id',
    );
    return rows.map(toServer);
  }

  async findByMachineIdentifier(machineIdentifier: string): Promise<ServerRow | null> {
    const rows = await this.sql.query(
      'SELECT id, machine_identifier, name, import_as, enabled, created_at, updated_at FROM media_servers WHERE machine_identifier = ?',
      [machineIdentifier],
    );
    return rows[0] ? toServer(rows[0]) : null;
  }

  async insert(servers: Array<{ machineIdentifier: string; name: string; importAs: UserClass }>, now: Date): Promise<void> {
    await this.sql.insertMany(
      'media_servers',
      ['machine_identifier', 'name', 'import_as', 'enabled', 'created_at', 'updated_at'],
      servers.map((s) => [s.machineIdentifier, s.name, s.importAs, true, now, now]),
    );
  }

  async rename(id: number, name: string, now: Date): Promise<void> {
    await this.sql.query('UPDATE media_servers SET name = ?, updated_at = ? WHERE id = ?', [name, now, id]);
  }

  async updateSettings(id: number, settings: { importAs?: UserClass; enabled?: boolean }, now: Date): Promise<void> {
    const sets: string[] = [];
    const params: Array<string | boolean | Date> = [];
    if (settings.importAs !== undefined) {
      sets.push('import_as = ?');
      params.push(settings.importAs);
    }
    if (settings.enabled !== undefined) {
      sets.push('enabled = ?');
      params.push(settings.enabled);
    }
    if (sets.length === 0) return;
    await this.sql.query(`UPDATE media_servers SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`, [...params, now, id]);
  }
}

function toServer(r: Record<string, unknown>): ServerRow {
  return {
    id: Number(r.id),
    machineIdentifier: String(r.machine_identifier),
    name: String(r.name),
    importAs: r.import_as as UserClass,
    enabled: readBool(r.enabled),
    createdAt: readDate(r.created_at) as Date,
    updatedAt: readDate(r.updated_at) as Date,
  };
}
