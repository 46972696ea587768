import { formatCents } from '../payments/money';
import type { MoneyFigures, StatsReport } from './stats.service';

/** Words and small tables for the stats report, shared by /stats and the CLI so both say the same. */

export function moneyList(figures: MoneyFigures[]): string {
  return figures.length === 0 ? '-' : figures.map((f) => formatCents(f.amountCents, f.currency)).join(' + ');
}

export function usersLine(r: StatsReport): string {
  const u = r.users;
  return (
    `${u.total} users: ${u.active} active (${u.expiringWithin7Days} expiring within 7 days), ${u.expired} expired, ` +
    `${u.removed} removed, ${u.permanent} permanent; ${u.needsReview} need review`
  );
}

/** The month-by-month table (text, fixed columns). */
export function monthsTable(r: StatsReport, options: { revenue?: boolean } = {}): string {
  const withRevenue = options.revenue !== false;
  const headers = ['month', 'active', 'new', 'back', 'lost', ...(withRevenue ? ['revenue'] : [])];
  const rows = r.months.map((m) => [
    m.month,
    String(m.activeSubscribers),
    String(m.newSubscribers),
    String(m.returningSubscribers),
    String(m.lostSubscribers),
    ...(withRevenue ? [moneyList(m.revenue)] : []),
  ]);
  const cells = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((v, i) => (i === 0 || i === 5 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** Expiries ahead, by week: "days 0–7: 12 · 8–14: 3 · …". */
export function expiriesLine(r: StatsReport): string {
  const weeks: Array<[number, number]> = [
    [0, 7],
    [8, 14],
    [15, 21],
    [22, r.expiries.days],
  ];
  const parts = weeks.map(([from, to]) => `days ${from}–${to}: ${r.expiries.byDay.slice(from, to + 1).reduce((n, d) => n + d.count, 0)}`);
  return `${r.expiries.total} in the next ${r.expiries.days} days (${r.expiries.recurring} renew automatically) · ${parts.join(' · ')}`;
}

export function rulesLine(r: StatsReport): string {
  return `Months in UTC. Active: access at the month's end (this month: now). New: first access began. Back: access began again after being lost. Lost: access ended with no payment within ${r.lostAfterDays} days (REMOVE_AFTER_DAYS). Revenue: payments with an amount, by payment date, less partial refunds; fully refunded ones left out.`;
}
