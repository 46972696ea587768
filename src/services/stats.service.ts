import type { Clock } from '../config/clock';
import type { MonthlyMoney, StatsPeriod, StatsUser } from '../repositories/stats.repository';
import type { Store } from '../repositories/store';
import { paymentEndingAt } from './lifecycle/rules';
import { computeStatus, standingOf } from './status';
import { needsReview } from './user-admin.service';

const DAY_MS = 86_400_000;
/** How many months the report covers, the current one included. */
export const STATS_MONTHS = 12;
/** "Expiring" in the user counts: the /expiring command's default window. */
export const EXPIRING_DAYS = 7;
/** The window of the expiries list. */
export const EXPIRIES_DAYS = 30;

/** Money in one currency: what came in, what went back (partial refunds), and the difference. */
export interface MoneyFigures {
  currency: string;
  /** grossCents − refundedCents. */
  amountCents: number;
  grossCents: number;
  refundedCents: number;
  /** How many payments make grossCents. */
  payments: number;
}

export interface MonthFigures {
  /** YYYY-MM, UTC. */
  month: string;
  /** Standard users with access at the month's last instant (the current month: now). */
  activeSubscribers: number;
  /** Standard users whose first access ever began this month. */
  newSubscribers: number;
  /** Standard users lost earlier whose access began again this month. */
  returningSubscribers: number;
  /** Standard users whose access ended this month with no payment within the grace days after. */
  lostSubscribers: number;
  /** One entry per currency seen this month, by currency code. */
  revenue: MoneyFigures[];
}

export interface UserCounts {
  total: number;
  /** active + expired + removed + permanent = total (as /users list files them). */
  active: number;
  /** Of the active: access ends within EXPIRING_DAYS (what /expiring lists by default). */
  expiringWithin7Days: number;
  expired: number;
  removed: number;
  permanent: number;
  /** Across the others: never reviewed by an admin since import (the /users list filter). */
  needsReview: number;
}

export interface StatsReport {
  /** When the figures were taken, ISO 8601 UTC. */
  at: string;
  /** Days after an access ends before the user counts as lost: REMOVE_AFTER_DAYS, the lifecycle's grace. */
  lostAfterDays: number;
  users: UserCounts;
  /** Oldest first; the last one is the current month. */
  months: MonthFigures[];
  /** The months' revenue added up, per currency. */
  revenueTotals: MoneyFigures[];
  /** Active standard users whose access ends within the next EXPIRIES_DAYS days, per UTC day (every day listed). */
  expiries: { days: number; total: number; recurring: number; byDay: Array<{ date: string; count: number }> };
}

/**
 * The numbers behind /stats and `stats`. Everything is read in four statements (users, counting
 * periods, revenue and refunds summed by month) and worked out in one pass per user with the same
 * rules as the rest of the bot: computeStatus for access, standingOf for how /users list files a
 * user, needsReview for the review flag.
 */
export class StatsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** REMOVE_AFTER_DAYS: a payment within this many days of the end keeps the user (their shares were never removed). */
    private readonly graceDays: number,
  ) {}

  async report(at?: Date): Promise<StatsReport> {
    const now = at ?? this.clock.now();
    const monthStarts = Array.from({ length: STATS_MONTHS + 1 }, (_, i) => addMonths(now, i - (STATS_MONTHS - 1)));
    const from = monthStarts[0]!;
    const to = monthStarts[STATS_MONTHS]!;
    const data = await this.store.read(async (r) => ({
      users: await r.stats.users(),
      periods: await r.stats.periods(),
      revenue: await r.stats.revenueByMonth(from, to),
      refunds: await r.stats.refundsByMonth(from, to),
    }));
    const months: MonthFigures[] = monthStarts.slice(0, STATS_MONTHS).map((start) => ({
      month: monthKey(start),
      activeSubscribers: 0,
      newSubscribers: 0,
      returningSubscribers: 0,
      lostSubscribers: 0,
      revenue: [],
    }));
    const monthIndex = (t: number): number => {
      if (t < from.getTime() || t >= to.getTime()) return -1;
      const d = new Date(t);
      return (d.getUTCFullYear() - from.getUTCFullYear()) * 12 + d.getUTCMonth() - from.getUTCMonth();
    };
    // The moment each month's "active" is taken: its last millisecond, or now for the current month.
    const snapshots = monthStarts.slice(1).map((next) => new Date(Math.min(next.getTime() - 1, now.getTime())));

    const users: UserCounts = { total: 0, active: 0, expiringWithin7Days: 0, expired: 0, removed: 0, permanent: 0, needsReview: 0 };
    const expiryDays = Array.from({ length: EXPIRIES_DAYS + 1 }, (_, i) => dayKey(new Date(now.getTime() + i * DAY_MS)));
    const expiriesByDay = new Map(expiryDays.map((d) => [d, 0]));
    const expiries = { days: EXPIRIES_DAYS, total: 0, recurring: 0, byDay: [] as Array<{ date: string; count: number }> };
    const periodsByUser = groupPeriods(data.periods);
    const graceMs = this.graceDays * DAY_MS;

    for (const user of data.users) {
      const periods = periodsByUser.get(user.id) ?? [];
      const status = computeStatus(user.userClass, periods, now);
      users.total++;
      users[standingOf(user.removedAt, status)]++;
      if (needsReview(user)) users.needsReview++;
      if (user.userClass !== 'standard') continue;

      if (user.removedAt === null && status.kind === 'active') {
        const left = status.endsAt.getTime() - now.getTime();
        if (left <= EXPIRING_DAYS * DAY_MS) users.expiringWithin7Days++;
        if (left <= EXPIRIES_DAYS * DAY_MS) {
          expiries.total++;
          // Recurring as the lifecycle sees it: the payment that carries the end date has a subscription ID.
          if (paymentEndingAt(periods, status.endsAt)?.subscriptionId != null) expiries.recurring++;
          const day = dayKey(status.endsAt);
          expiriesByDay.set(day, (expiriesByDay.get(day) ?? 0) + 1);
        }
      }

      snapshots.forEach((t, i) => {
        if (activeAt(user, periods, t)) months[i]!.activeSubscribers++;
      });

      accessRuns(periods, graceMs, user.removedAt).forEach((run, i) => {
        if (run.start.getTime() <= now.getTime()) {
          const m = monthIndex(run.start.getTime());
          if (m >= 0) months[m]![i === 0 ? 'newSubscribers' : 'returningSubscribers']++;
        }
        if (run.leftPlex || run.end.getTime() + graceMs <= now.getTime()) {
          const m = monthIndex(run.end.getTime());
          if (m >= 0 && run.end.getTime() <= now.getTime()) months[m]!.lostSubscribers++;
        }
      });
    }
    expiries.byDay = expiryDays.map((date) => ({ date, count: expiriesByDay.get(date) ?? 0 }));

    const money = mergeMoney(data.revenue, data.refunds);
    for (const m of months) m.revenue = money.get(m.month) ?? [];
    return {
      at: now.toISOString(),
      lostAfterDays: this.graceDays,
      users,
      months,
      revenueTotals: totals(months.flatMap((m) => m.revenue)),
      expiries,
    };
  }
}

/** Whether a standard user had access at t: on plex.tv then (not yet removed) and inside a paid period. */
function activeAt(user: StatsUser, periods: StatsPeriod[], t: Date): boolean {
  // computeStatus finds a standard user active only when one of their periods contains t: the
  // months where none does are settled without it (and without its copy and sort of the periods).
  const at = t.getTime();
  if (!periods.some((p) => p.startsAt.getTime() <= at && at < p.endsAt.getTime())) return false;
  const gone = user.removedAt !== null && user.removedAt.getTime() <= t.getTime() ? user.removedAt : null;
  return standingOf(gone, computeStatus(user.userClass, periods, t)) === 'active';
}

interface AccessRun {
  start: Date;
  end: Date;
  /** Cut short because the user left plex.tv (removed_at) while paid up: lost at once. */
  leftPlex: boolean;
}

/**
 * A user's stretches of continuous access: periods sorted by start, a period that starts no later
 * than `graceMs` after the stretch's end continues it (the lifecycle keeps the shares that long, so
 * the user never left). A user gone from plex.tv has no access after they left.
 */
export function accessRuns(periods: StatsPeriod[], graceMs: number, removedAt: Date | null): AccessRun[] {
  const runs: AccessRun[] = [];
  for (const p of periods) {
    const last = runs[runs.length - 1];
    if (last && p.startsAt.getTime() <= last.end.getTime() + graceMs) {
      if (p.endsAt.getTime() > last.end.getTime()) last.end = p.endsAt;
    } else {
      runs.push({ start: p.startsAt, end: p.endsAt, leftPlex: false });
    }
  }
  if (removedAt === null) return runs;
  const out: AccessRun[] = [];
  for (const run of runs) {
    if (run.start.getTime() >= removedAt.getTime()) break;
    if (run.end.getTime() > removedAt.getTime()) {
      out.push({ start: run.start, end: removedAt, leftPlex: true });
      break;
    }
    out.push(run);
  }
  return out;
}

/** Periods per user, each list sorted by start (computeStatus and accessRuns walk them in order). */
function groupPeriods(periods: StatsPeriod[]): Map<number, StatsPeriod[]> {
  const byUser = new Map<number, StatsPeriod[]>();
  for (const p of periods) {
    const list = byUser.get(p.userId);
    if (list) list.push(p);
    else byUser.set(p.userId, [p]);
  }
  for (const list of byUser.values()) if (list.length > 1) list.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  return byUser;
}

function mergeMoney(revenue: MonthlyMoney[], refunds: MonthlyMoney[]): Map<string, MoneyFigures[]> {
  const byKey = new Map<string, MoneyFigures & { month: string }>();
  const entry = (month: string, currency: string) => {
    const key = `${month} ${currency}`;
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { month, currency, amountCents: 0, grossCents: 0, refundedCents: 0, payments: 0 }));
    return e;
  };
  for (const r of revenue) {
    const e = entry(r.month, r.currency);
    e.grossCents += r.cents;
    e.payments += r.count;
  }
  for (const r of refunds) entry(r.month, r.currency).refundedCents += r.cents;
  const byMonth = new Map<string, MoneyFigures[]>();
  for (const { month, ...figures } of [...byKey.values()].sort((a, b) => a.currency.localeCompare(b.currency))) {
    figures.amountCents = figures.grossCents - figures.refundedCents;
    const list = byMonth.get(month);
    if (list) list.push(figures);
    else byMonth.set(month, [figures]);
  }
  return byMonth;
}

function totals(figures: MoneyFigures[]): MoneyFigures[] {
  const byCurrency = new Map<string, MoneyFigures>();
  for (const f of figures) {
    const t = byCurrency.get(f.currency) ?? { currency: f.currency, amountCents: 0, grossCents: 0, refundedCents: 0, payments: 0 };
    t.amountCents += f.amountCents;
    t.grossCents += f.grossCents;
    t.refundedCents += f.refundedCents;
    t.payments += f.payments;
    byCurrency.set(f.currency, t);
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/** The first instant (UTC) of the month `offset` months from the one `date` is in. */
export function addMonths(date: Date, offset: number): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
}

export function monthKey(date: Date): string {
  return date.toISOString().slice(0, 7);
}

function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}
