import { paymentsNeedAttention } from '../../../src/jobs/payments.jobs';
import { emptySummary } from '../../../src/services/payments-import/summary';

describe('paymentsNeedAttention', () => {
  it('says nothing when nothing needs the admin', () => {
    expect(paymentsNeedAttention(emptySummary(false))).toBeNull();
  });

  it('says what a full refund took back and which payment moved, and lists partial refunds to review', () => {
    const summary = {
      ...emptySummary(false),
      refundsFlagged: 2,
      refundsApplied: [
        {
          kind: 'refund' as const,
          transactionId: 'R1',
          paymentTransactionId: 'A1',
          plexId: 1001,
          title: "O'Brien & Søn",
          amount: '10.00 USD',
          takenBack: { startsAt: '2026-12-25T12:00:00.000Z', endsAt: '2027-01-25T12:00:00.000Z' },
          moved: [{ transactionId: 'B1', from: { startsAt: '2027-01-25T12:00:00.000Z', endsAt: '2027-02-25T12:00:00.000Z' }, startsAt: '2026-12-25T12:00:00.000Z', endsAt: '2027-01-25T12:00:00.000Z' }],
        },
      ],
      refundsToReview: [
        { kind: 'refund' as const, transactionId: 'R2', paymentTransactionId: 'C1', plexId: 1002, title: 'Zoë', amount: '4.00 USD', reason: 'partial: 4.00 USD of 10.00 USD given back' },
      ],
    };
    expect(paymentsNeedAttention(summary)!.split('\n')).toEqual([
      '**Payments sync**: 2 refund(s) or reversal(s) flagged: see /payments list.',
      'Taken back (fully refunded or reversed):',
      "- O'Brien & Søn (plex 1001) loses 2026-12-25 → 2027-01-25: refund R1 (10.00 USD) of A1; B1 moves back to 2026-12-25 → 2027-01-25",
      'To review (time unchanged):',
      '- Zoë (plex 1002): refund R2 (4.00 USD) of C1, partial: 4.00 USD of 10.00 USD given back',
    ]);
  });
});
