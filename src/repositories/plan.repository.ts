import type { DurationUnit } from '../../entities';
import { readBool, readDate, type Sql } from './sql';

export interface PlanRow {
  id: number;
  name: string;
  durationValue: number;
  durationUnit: DurationUnit;
  priceCents: number;
  currency: string;
  isDefault: boolean;
  /** How members pay for it: see PayService. */
  payUrlTemplate: string | null;
  stripePriceId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewPlan = Omit<PlanRow, 'id' | 'isDefault' | 'createdAt' | 'updatedAt' | 'payUrlTemplate' | 'stripePriceId'>;

export type PlanPayOptions = Pick<PlanRow, 'payUrlTemplate' | 'stripePriceId'>;

const PLAN_COLUMNS = 'id, name, duration_value, duration_unit, price_cents, currency, default_flag, pay_url_template, stripe_price_id, created_at, updated_at';

export class PlanRepository {
  constructor(private readonly sql: Sql) {}

  async list(): Promise<PlanRow[]> {
    return (await this.sql.query(`SELECT ${PLAN_COLUMNS} FROM plans ORDER BY name`)).map(toPlan);
  }

  async findDefault(): Promise<PlanRow | null> {
    const rows = await this.sql.query(`SELECT ${PLAN_COLUMNS} FROM plans WHERE default_flag = ?`, [true]);
    return rows[0] ? toPlan(rows[0]) : null;
  }

  async findByName(name: string): Promise<PlanRow | null> {
    const rows = await this.sql.query(`SELECT ${PLAN_COLUMNS} FROM plans WHERE name = ?`, [name]);
    return rows[0] ? toPlan(rows[0]) : null;
  }

  async count(): Promise<number> {
    const rows = await this.sql.query<{ n: number }>('SELECT COUNT(*) AS n FROM plans');
    return Number(rows[0]?.n ?? 0);
  }

  async insert(plan: NewPlan, isDefault: boolean, now: Date): Promise<void> {
    await this.sql.insertMany(
      'plans',
      ['name', 'duration_value', 'duration_unit', 'price_cents', 'currency', 'default_flag', 'created_at', 'updated_at'],
      [[plan.name, plan.durationValue, plan.durationUnit, plan.priceCents, plan.currency, isDefault ? true : null, now, now]],
    );
  }

  async update(id: number, plan: NewPlan, now: Date): Promise<void> {
    await this.sql.query(
      'UPDATE plans SET name = ?, duration_value = ?, duration_unit = ?, price_cents = ?, currency = ?, updated_at = ? WHERE id = ?',
      [plan.name, plan.durationValue, plan.durationUnit, plan.priceCents, plan.currency, now, id],
    );
  }

  async setPayOptions(id: number, pay: PlanPayOptions, now: Date): Promise<void> {
    await this.sql.query('UPDATE plans SET pay_url_template = ?, stripe_price_id = ?, updated_at = ? WHERE id = ?', [pay.payUrlTemplate, pay.stripePriceId, now, id]);
  }

  /** Moves the default flag to one plan; the unique index guarantees there is never a second. */
  async makeDefault(id: number, now: Date): Promise<void> {
    await this.sql.query('UPDATE plans SET default_flag = NULL, updated_at = ? WHERE default_flag = ? AND id <> ?', [now, true, id]);
    await this.sql.query('UPDATE plans SET default_flag = ?, updated_at = ? WHERE id = ?', [true, now, id]);
  }
}

function toPlan(r: Record<string, unknown>): PlanRow {
  return {
    id: Number(r.id),
    name: String(r.name),
    durationValue: Number(r.duration_value),
    durationUnit: r.duration_unit as DurationUnit,
    priceCents: Number(r.price_cents),
    currency: String(r.currency),
    isDefault: readBool(r.default_flag),
    payUrlTemplate: r.pay_url_template == null ? null : String(r.pay_url_template),
    stripePriceId: r.stripe_price_id == null ? null : String(r.stripe_price_id),
    createdAt: readDate(r.created_at) as Date,
    updatedAt: readDate(r.updated_at) as Date,
  };
}
