import type { PeriodRow } from '../../../src/repositories/payment-import.repository';
import type { PlanRow } from '../../../src/repositories/plan.repository';
import { restackAfterVoid } from '../../../src/services/payments-import/periods';
import { refundOutcome } from '../../../src/services/payments-import/refunds';

const d = (s: string) => new Date(`${s}T12:00:00.000Z`);
const usd = (amountCents: number) => ({ amountCents, currency: 'USD' });
const MONTHLY = { id: 1, durationValue: 1, durationUnit: 'month' } as PlanRow;
const period = (transactionId: string | null, start: string, end: string, paid: string | null): PeriodRow => ({
  userId: 1,
  planId: 1,
  startsAt: d(start),
  endsAt: d(end),
  subscriptionId: null,
  transactionId,
  paidAt: paid ? d(paid) : null,
});
const shape = (periods: PeriodRow[]) => periods.map((p) => [p.transactionId, p.startsAt.toISOString().slice(0, 10), p.endsAt.toISOString().slice(0, 10)]);

describe('refundOutcome', () => {
  it('takes a payment back once its refunds add up to what it paid', () => {
    expect(refundOutcome(usd(1000), [usd(1000)])).toEqual({ kind: 'void' });
    expect(refundOutcome(usd(1000), [usd(400), usd(600)])).toEqual({ kind: 'void' });
  });

  it('asks for review when less was given back, or when it cannot compare', () => {
    expect(refundOutcome(usd(1000), [usd(400)])).toEqual({ kind: 'review', reason: 'partial: 4.00 USD of 10.00 USD given back' });
    expect(refundOutcome(usd(1000), [{ amountCents: 1000, currency: 'EUR' }])).toEqual({ kind: 'review', reason: 'given back in EUR, paid in USD' });
    expect(refundOutcome({ amountCents: null, currency: null }, [usd(1000)]).kind).toBe('review');
  });
});

describe('restackAfterVoid', () => {
  const base = period(null, '2026-11-25', '2026-12-25', null);

  it('moves a renewal that stacked after the voided month back into it, and the next one after it', () => {
    // A (Dec 25 → Jan 25) was voided; B and C were paid early December and stacked after it.
    const { periods, moves } = restackAfterVoid([base, period('B', '2027-01-25', '2027-02-25', '2026-12-03'), period('C', '2027-02-25', '2027-03-25', '2026-12-04')], d('2026-12-25'), [MONTHLY]);
    expect(shape(periods)).toEqual([
      [null, '2026-11-25', '2026-12-25'],
      ['B', '2026-12-25', '2027-01-25'],
      ['C', '2027-01-25', '2027-02-25'],
    ]);
    expect(moves.map((m) => [m.transactionId, m.from.startsAt.toISOString().slice(0, 10), m.startsAt.toISOString().slice(0, 10)])).toEqual([
      ['B', '2027-01-25', '2026-12-25'],
      ['C', '2027-02-25', '2027-01-25'],
    ]);
  });

  it('never starts a payment before it was paid', () => {
    // B was paid on Jan 10, after the base ran out: it starts then, not on Dec 25.
    const { periods } = restackAfterVoid([base, period('B', '2027-01-25', '2027-02-25', '2027-01-10')], d('2026-12-25'), [MONTHLY]);
    expect(shape(periods)).toContainEqual(['B', '2027-01-10', '2027-02-10']);
  });

  it('leaves payments whose payment time is unknown, and those before the voided one, where they are', () => {
    const input = [base, period('OLD', '2027-01-25', '2027-02-25', null), period('EARLY', '2026-12-01', '2027-01-01', '2026-12-01')];
    const { periods, moves } = restackAfterVoid(input, d('2026-12-25'), [MONTHLY]);
    expect(moves).toEqual([]);
    expect(shape(periods)).toEqual(expect.arrayContaining(shape(input)));
  });
});
