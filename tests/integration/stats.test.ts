import { PNG } from 'pngjs';
import { smallAccount } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { startHarness, type Harness } from '../support/harness';
import { CHART_HEIGHT, CHART_WIDTH, renderStatsChart } from '../../src/charts/stats-chart';
import { Sql, type SqlValue } from '../../src/repositories/sql';
import { addMonths, monthKey } from '../../src/services/stats.service';

const DAY = 86_400_000;
const MS = 1;

interface SeedPayment {
  starts: Date;
  ends: Date;
  amountCents?: number | null;
  currency?: string;
  paidAt?: Date | null;
  subscriptionId?: string;
  voided?: boolean;
  /** Completed (or other status) refunds of this payment: [when, cents, status]. */
  refunds?: Array<[Date, number, string]>;
}

interface SeedUser {
  name: string;
  userClass?: 'standard' | 'permanent';
  removedAt?: Date;
  reviewed?: boolean;
  payments: SeedPayment[];
}

/**
 * Users covering every status, stacked and returning subscribers, refunds (partial, pending,
 * on a voided payment), a payment without an amount, three currencies and payments on either side
 * of month boundaries, all placed relative to `now`.
 */
function seedUsers(now: Date): SeedUser[] {
  const at = (days: number) => new Date(now.getTime() + days * DAY);
  const month = (offset: number, days = 0) => new Date(addMonths(now, offset).getTime() + days * DAY);
  return [
    { name: 'active', reviewed: true, payments: [{ starts: at(-10), ends: at(20), amountCents: 1000, currency: 'USD', paidAt: at(-10) }] },
    { name: 'expiring-recurring-no-amount', payments: [{ starts: at(-25), ends: at(3), amountCents: null, subscriptionId: 'I-ABCDEFGHIJKL' }] },
    { name: 'expired-in-grace', payments: [{ starts: at(-40), ends: at(-2), amountCents: 1500, currency: 'EUR', paidAt: at(-40) }] },
    { name: 'lost', payments: [{ starts: month(-4, 1), ends: month(-3, 1), amountCents: 1000, currency: 'USD', paidAt: month(-4, 1) }] },
    {
      name: 'returning',
      payments: [
        { starts: month(-6, 1), ends: month(-5, 1), amountCents: 1000, currency: 'USD', paidAt: month(-6, 1) },
        // No paid_at: counted at its start.
        { starts: month(-2, 1), ends: at(30), amountCents: 2500, currency: 'USD', paidAt: null },
      ],
    },
    {
      name: 'renewed-within-grace',
      payments: [
        // Paid in the last millisecond of the month before its period.
        { starts: month(-8), ends: month(-7), amountCents: 1000, currency: 'USD', paidAt: new Date(month(-7).getTime() - MS) },
        { starts: month(-7, 3), ends: month(-6, 3), amountCents: 1000, currency: 'USD', paidAt: month(-7, 3) },
      ],
    },
    { name: 'voided', payments: [{ starts: at(-5), ends: at(25), amountCents: 2000, currency: 'USD', paidAt: at(-5), voided: true, refunds: [[now, 2000, 'completed']] }] },
    {
      name: 'partly-refunded',
      payments: [{ starts: at(-15), ends: at(15), amountCents: 3000, currency: 'USD', paidAt: at(-15), refunds: [[now, 500, 'completed'], [now, 700, 'pending']] }],
    },
    { name: 'permanent', userClass: 'permanent', reviewed: true, payments: [] },
    { name: 'removed', removedAt: at(-5), payments: [{ starts: at(-20), ends: at(10), amountCents: 1000, currency: 'USD', paidAt: at(-20) }] },
    { name: 'upcoming', payments: [{ starts: at(2), ends: at(32), amountCents: 1000, currency: 'USD', paidAt: now }] },
    {
      name: 'window-edges',
      payments: [
        // Paid a millisecond before the 12 months begin: left out; paid at their first instant: in.
        { starts: new Date(month(-11).getTime() - MS - 30 * DAY), ends: new Date(month(-11).getTime() - MS), amountCents: 150000, currency: 'JPY', paidAt: new Date(month(-11).getTime() - MS) },
        { starts: month(-11), ends: month(-11, 30), amountCents: 150000, currency: 'JPY', paidAt: month(-11) },
      ],
    },
  ];
}

async function seed(h: Harness, users: SeedUser[], now: Date): Promise<void> {
  const sql = new Sql(h.app.store.dataSource.manager, h.app.store.dialect);
  await h.app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', currency: 'USD', makeDefault: true });
  const planId = (await h.app.store.read((r) => r.plans.findDefault()))!.id;
  await sql.insertMany(
    'users',
    ['plex_id', 'title', 'home', 'class', 'removed_at', 'profile_reviewed_at', 'payment_reviewed_at', 'created_at', 'updated_at'],
    users.map((u, i) => [5000 + i, u.name, false, u.userClass ?? 'standard', u.removedAt ?? null, u.reviewed ? now : null, u.reviewed ? now : null, now, now]),
  );
  let tx = 0;
  for (const [i, u] of users.entries()) {
    const [{ id: userId }] = await sql.query<{ id: number }>('SELECT id FROM users WHERE plex_id = ?', [5000 + i]);
    for (const p of u.payments) {
      const transactionId = `TX-${++tx}`;
      const row: SqlValue[] = [Number(userId), planId, p.starts, p.ends, p.amountCents === undefined ? null : p.amountCents, p.amountCents == null ? null : (p.currency ?? 'USD'),
        p.subscriptionId ?? null, transactionId, 'paypal', false, p.paidAt ?? null, p.voided ? now : null, now, now];
      await sql.insertMany('payments', ['user_id', 'plan_id', 'starts_at', 'ends_at', 'amount_cents', 'currency', 'subscription_id', 'transaction_id', 'source', 'is_default', 'paid_at', 'voided_at', 'created_at', 'updated_at'], [row]);
      const [{ id: paymentId }] = await sql.query<{ id: number }>('SELECT id FROM payments WHERE transaction_id = ?', [transactionId]);
      for (const [j, [when, cents, status]] of (p.refunds ?? []).entries()) {
        await sql.insertMany(
          'payment_events',
          ['source', 'kind', 'transaction_id', 'reference_transaction_id', 'status', 'occurred_at', 'amount_cents', 'currency', 'payment_id', 'user_id', 'created_at', 'updated_at'],
          [['paypal', 'refund', `${transactionId}-R${j}`, transactionId, status, when, cents, p.currency ?? 'USD', Number(paymentId), Number(userId), now, now]],
        );
      }
    }
  }
}

/** What the report must say, worked out from the seed by plain rules (periods do not overlap within a user here). */
function expected(users: SeedUser[], now: Date) {
  const months = Array.from({ length: 12 }, (_, i) => monthKey(addMonths(now, i - 11)));
  const snapshot = (i: number) => new Date(Math.min(addMonths(now, i - 10).getTime() - 1, now.getTime()));
  const inWindow = (d: Date) => months.includes(monthKey(d));
  const counting = (u: SeedUser) => u.payments.filter((p) => !p.voided);
  const active = months.map((_, i) => {
    const t = snapshot(i).getTime();
    return users.filter(
      (u) => (u.userClass ?? 'standard') === 'standard' && !(u.removedAt && u.removedAt.getTime() <= t) && counting(u).some((p) => p.starts.getTime() <= t && t < p.ends.getTime()),
    ).length;
  });
  const at = (days: number) => new Date(now.getTime() + days * DAY);
  const month = (offset: number, days = 0) => new Date(addMonths(now, offset).getTime() + days * DAY);
  // New, back and lost, user by user (grace: REMOVE_AFTER_DAYS = 7).
  const events: Array<['new' | 'back' | 'lost', Date]> = [
    ['new', at(-10)], // active
    ['new', at(-25)], // expiring
    ['new', at(-40)], // expired in grace: not lost yet (ended 2 days ago)
    ['new', month(-4, 1)], ['lost', month(-3, 1)], // lost
    ['new', month(-6, 1)], ['lost', month(-5, 1)], ['back', month(-2, 1)], // returning
    ['new', month(-8)], ['lost', month(-6, 3)], // renewed within grace: one stretch
    ['new', at(-15)], // partly refunded
    ['new', at(-20)], ['lost', at(-5)], // removed from plex.tv while paid up: lost when they left
    ['lost', month(-11, 30)], // window edges: began before the window
  ];
  const count = (kind: string, m: string) => events.filter(([k, d]) => k === kind && monthKey(d) === m && inWindow(d)).length;
  const money: Array<[Date, string, number]> = [];
  for (const u of users) {
    for (const p of counting(u)) {
      if (p.amountCents == null) continue;
      money.push([p.paidAt ?? p.starts, p.currency ?? 'USD', p.amountCents]);
      for (const [when, cents, status] of p.refunds ?? []) if (status === 'completed') money.push([when, p.currency ?? 'USD', -cents]);
    }
  }
  const revenue = (m: string) => {
    const sums = new Map<string, number>();
    for (const [d, currency, cents] of money) if (monthKey(d) === m && d.getTime() >= addMonths(now, -11).getTime()) sums.set(currency, (sums.get(currency) ?? 0) + cents);
    return [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amountCents]) => ({ currency, amountCents }));
  };
  return {
    months: months.map((m, i) => ({
      month: m,
      activeSubscribers: active[i],
      newSubscribers: count('new', m),
      returningSubscribers: count('back', m),
      lostSubscribers: count('lost', m),
      revenue: revenue(m),
    })),
  };
}

describe.each(DATABASE_KINDS)('stats on %s', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(kind, smallAccount());
  });
  afterEach(async () => {
    await h.close();
  });

  // Today, and the last half hour of this month (UTC): a month boundary close by.
  const clocks: Array<[string, () => Date]> = [
    ['now', () => new Date()],
    ['the last evening of a month', () => new Date(addMonths(new Date(), 1).getTime() - 30 * 60_000)],
  ];

  it.each(clocks)('counts users, money and subscribers from seeded data (clock: %s)', async (_, clock) => {
    const now = clock();
    h.clock.set(now);
    const users = seedUsers(now);
    await seed(h, users, now);

    const report = await h.app.stats.report();
    expect(report.at).toBe(now.toISOString());
    expect(report.lostAfterDays).toBe(7);
    expect(report.users).toEqual({ total: 12, active: 4, expiringWithin7Days: 1, expired: 6, removed: 1, permanent: 1, needsReview: 9 });

    const want = expected(users, now);
    expect(report.months.map((m) => ({ ...m, revenue: m.revenue.map(({ currency, amountCents }) => ({ currency, amountCents })) }))).toEqual(want.months);
    // The current month's refund is listed apart; the pending one and the voided payment's are not.
    const current = report.months[11]!;
    expect(current.revenue.find((r) => r.currency === 'USD')).toMatchObject({ refundedCents: 500 });
    const jpy = report.months[0]!.revenue.find((r) => r.currency === 'JPY');
    expect(jpy).toEqual({ currency: 'JPY', amountCents: 150000, grossCents: 150000, refundedCents: 0, payments: 1 });
    expect(report.revenueTotals.map((t) => t.currency)).toEqual(['EUR', 'JPY', 'USD']);
    expect(report.revenueTotals.find((t) => t.currency === 'USD')!.amountCents).toBe(1000 + 1000 + 1000 + 2500 + 1000 + 1000 + 3000 - 500 + 1000 + 1000);
    // The current month's "active" is today's: the same as the user counts.
    expect(current.activeSubscribers).toBe(report.users.active);

    // Expiries: active users ending within 30 days (the removed user is not counted), per day.
    expect(report.expiries).toMatchObject({ days: 30, total: 4, recurring: 1 });
    expect(report.expiries.byDay).toHaveLength(31);
    const day = (days: number) => new Date(now.getTime() + days * DAY).toISOString().slice(0, 10);
    expect(report.expiries.byDay.filter((d) => d.count > 0)).toEqual([
      { date: day(3), count: 1 },
      { date: day(15), count: 1 },
      { date: day(20), count: 1 },
      { date: day(30), count: 1 },
    ]);

    // The same users in the same places as /users list's status filter and /expiring.
    for (const status of ['active', 'expired', 'removed', 'permanent', 'needs-review'] as const) {
      const listed = (await h.app.users.list({ status })).length;
      expect([status, listed]).toEqual([status, report.users[status === 'needs-review' ? 'needsReview' : status]]);
    }
    expect((await h.app.lifecycle.expiring(7)).expiring.length).toBe(report.users.expiringWithin7Days);
    const within30 = (await h.app.lifecycle.expiring(30)).expiring;
    expect([within30.length, within30.filter((e) => e.recurring).length]).toEqual([report.expiries.total, report.expiries.recurring]);

    const png = PNG.sync.read(renderStatsChart(report));
    expect({ width: png.width, height: png.height }).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
  });

  it('an empty database answers zeros and still draws a chart', async () => {
    const report = await h.app.stats.report();
    expect(report.users).toEqual({ total: 0, active: 0, expiringWithin7Days: 0, expired: 0, removed: 0, permanent: 0, needsReview: 0 });
    expect(report.months).toHaveLength(12);
    expect(report.months.every((m) => m.activeSubscribers === 0 && m.revenue.length === 0)).toBe(true);
    expect(report.months[11]!.month).toBe(monthKey(h.clock.now()));
    const png = PNG.sync.read(renderStatsChart(report));
    expect(png.width).toBe(CHART_WIDTH);
  });
});
