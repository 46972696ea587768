import { computeStatus, describeStatus, type Period } from '../../../src/services/status';

const d = (s: string) => new Date(`${s}T00:00:00.000Z`);
const p = (start: string, end: string, subscriptionId: string | null = null): Period => ({ startsAt: d(start), endsAt: d(end), subscriptionId });
const now = d('2026-06-15');

describe('computeStatus', () => {
  it('is permanent for permanent users whatever their payments', () => {
    expect(computeStatus('permanent', [], now)).toEqual({ kind: 'permanent' });
  });

  it('is active while now lies inside a payment: startsAt <= now < endsAt', () => {
    expect(computeStatus('standard', [p('2026-06-01', '2026-07-01')], now)).toEqual({ kind: 'active', endsAt: d('2026-07-01'), recurring: false });
    expect(computeStatus('standard', [p('2026-06-15', '2026-07-15')], now).kind).toBe('active');
    expect(computeStatus('standard', [p('2026-05-15', '2026-06-15')], now)).toEqual({ kind: 'expired', endedAt: d('2026-06-15') });
  });

  it('runs the end date on through stacked renewals, but not across a gap', () => {
    const periods = [p('2026-07-01', '2026-08-01', 'I-ABCDEFGHIJKL'), p('2026-06-01', '2026-07-01'), p('2026-09-01', '2026-10-01')];
    expect(computeStatus('standard', periods, now)).toEqual({ kind: 'active', endsAt: d('2026-08-01'), recurring: true });
  });

  it('tells upcoming and expired apart', () => {
    expect(computeStatus('standard', [p('2026-07-01', '2026-08-01')], now)).toEqual({ kind: 'upcoming', startsAt: d('2026-07-01') });
    expect(computeStatus('standard', [], now)).toEqual({ kind: 'expired', endedAt: null });
    expect(computeStatus('standard', [p('2026-01-01', '2026-02-01'), p('2026-03-01', '2026-04-01')], now)).toEqual({ kind: 'expired', endedAt: d('2026-04-01') });
  });
});

describe('describeStatus', () => {
  it('says how long is left or since when it ended', () => {
    expect(describeStatus({ kind: 'active', endsAt: d('2026-06-16'), recurring: false }, now)).toBe('active until 2026-06-16 (1 day left)');
    expect(describeStatus({ kind: 'expired', endedAt: d('2026-06-12') }, now)).toBe('expired 3 days ago');
    expect(describeStatus({ kind: 'expired', endedAt: null }, now)).toBe('expired (no payment)');
    expect(describeStatus({ kind: 'permanent' }, now)).toBe('permanent');
  });
});
