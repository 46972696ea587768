import { readBool, type Sql } from './sql';

/** What a plan grants on one server. */
export interface PlanAccessRow {
  planId: number;
  machineIdentifier: string;
  serverName: string;
  allLibraries: boolean;
  /** Empty when allLibraries. */
  libraryTitles: string[];
}

const COLUMNS = 'plan_id, machine_identifier, server_name, all_libraries, library_titles';

export class PlanAccessRepository {
  constructor(private readonly sql: Sql) {}

  /** Every plan's access, ordered by plan then server name. */
  async listAll(): Promise<PlanAccessRow[]> {
    return (await this.sql.query(`SELECT ${COLUMNS} FROM plan_access ORDER BY plan_id, server_name, machine_identifier`)).map(toRow);
  }

  async listForPlan(planId: number): Promise<PlanAccessRow[]> {
    return (await this.sql.query(`SELECT ${COLUMNS} FROM plan_access WHERE plan_id = ? ORDER BY server_name, machine_identifier`, [planId])).map(toRow);
  }

  /** Sets the plan's access on one server, replacing what was there. */
  async upsert(row: PlanAccessRow, now: Date): Promise<void> {
    await this.sql.insertMany(
      'plan_access',
      ['plan_id', 'machine_identifier', 'server_name', 'all_libraries', 'library_titles', 'created_at', 'updated_at'],
      [[row.planId, row.machineIdentifier, row.serverName, row.allLibraries, JSON.stringify(row.allLibraries ? [] : row.libraryTitles), now, now]],
      { conflict: ['plan_id', 'machine_identifier'], update: ['server_name', 'all_libraries', 'library_titles', 'updated_at'] },
    );
  }

  /** Answers whether there was access to remove. */
  async remove(planId: number, machineIdentifier: string): Promise<boolean> {
    const { affected } = await this.sql.execute('DELETE FROM plan_access WHERE plan_id = ? AND machine_identifier = ?', [planId, machineIdentifier]);
    return affected > 0;
  }
}

function toRow(r: Record<string, unknown>): PlanAccessRow {
  const titles: unknown = JSON.parse(String(r.library_titles ?? '[]'));
  return {
    planId: Number(r.plan_id),
    machineIdentifier: String(r.machine_identifier),
    serverName: String(r.server_name),
    allLibraries: readBool(r.all_libraries),
    libraryTitles: Array.isArray(titles) ? titles.map(String) : [],
  };
}
