import type { Sql } from './sql';

/** The libraries a plan's expired users keep on one server during the renew stage. */
export interface PlanRenewAccessRow {
  planId: number;
  machineIdentifier: string;
  serverName: string;
  libraryTitles: string[];
}

/** A plan's renew stage: how long it lasts and what it keeps. */
export interface PlanRenewRow {
  planId: number;
  days: number;
  access: PlanRenewAccessRow[];
}

const COLUMNS = 'plan_id, machine_identifier, server_name, library_titles';

/** Staged expiry settings: `plans.renew_days` and the plan_renew_access rows. */
export class PlanRenewRepository {
  constructor(private readonly sql: Sql) {}

  /** Every plan with a renew stage (days set and at least one server). */
  async listAll(): Promise<PlanRenewRow[]> {
    const plans = await this.sql.query('SELECT id, renew_days FROM plans WHERE renew_days IS NOT NULL ORDER BY id');
    if (plans.length === 0) return [];
    const rows = (await this.sql.query(`SELECT ${COLUMNS} FROM plan_renew_access ORDER BY plan_id, server_name, machine_identifier`)).map(toRow);
    return plans
      .map((p) => ({ planId: Number(p.id), days: Number(p.renew_days), access: rows.filter((r) => r.planId === Number(p.id)) }))
      .filter((p) => p.access.length > 0);
  }

  async findForPlan(planId: number): Promise<PlanRenewRow | null> {
    const plans = await this.sql.query('SELECT renew_days FROM plans WHERE id = ?', [planId]);
    const days = plans[0]?.renew_days;
    if (days === null || days === undefined) return null;
    const access = (await this.sql.query(`SELECT ${COLUMNS} FROM plan_renew_access WHERE plan_id = ? ORDER BY server_name, machine_identifier`, [planId])).map(toRow);
    return access.length > 0 ? { planId, days: Number(days), access } : null;
  }

  /** Sets the renew libraries on one server and the stage's length. */
  async upsert(row: PlanRenewAccessRow, days: number, now: Date): Promise<void> {
    await this.sql.insertMany(
      'plan_renew_access',
      ['plan_id', 'machine_identifier', 'server_name', 'library_titles', 'created_at', 'updated_at'],
      [[row.planId, row.machineIdentifier, row.serverName, JSON.stringify(row.libraryTitles), now, now]],
      { conflict: ['plan_id', 'machine_identifier'], update: ['server_name', 'library_titles', 'updated_at'] },
    );
    await this.sql.query('UPDATE plans SET renew_days = ?, updated_at = ? WHERE id = ?', [days, now, row.planId]);
  }

  /** One server out of the renew set; the last one out (or no server named) turns the stage off. Answers whether there was something to remove. */
  async remove(planId: number, machineIdentifier: string | null, now: Date): Promise<boolean> {
    const { affected } =
      machineIdentifier === null
        ? await this.sql.execute('DELETE FROM plan_renew_access WHERE plan_id = ?', [planId])
        : await this.sql.execute('DELETE FROM plan_renew_access WHERE plan_id = ? AND machine_identifier = ?', [planId, machineIdentifier]);
    const left = await this.sql.query<{ n: number }>('SELECT COUNT(*) AS n FROM plan_renew_access WHERE plan_id = ?', [planId]);
    const had = await this.sql.query('SELECT renew_days FROM plans WHERE id = ?', [planId]);
    const daysSet = had[0]?.renew_days !== null && had[0]?.renew_days !== undefined;
    if (Number(left[0]?.n ?? 0) === 0 && daysSet) await this.sql.query('UPDATE plans SET renew_days = NULL, updated_at = ? WHERE id = ?', [now, planId]);
    return affected > 0 || (machineIdentifier === null && daysSet);
  }
}

function toRow(r: Record<string, unknown>): PlanRenewAccessRow {
  const titles: unknown = JSON.parse(String(r.library_titles ?? '[]'));
  return {
    planId: Number(r.plan_id),
    machineIdentifier: String(r.machine_identifier),
    serverName: String(r.server_name),
    libraryTitles: Array.isArray(titles) ? titles.map(String) : [],
  };
}
