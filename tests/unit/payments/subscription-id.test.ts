import { parsePayPalCsv } from '../../../src/payments/paypal-csv';
import { isSubscriptionId } from '../../../src/payments/subscription-id';
import { validateTransaction } from '../../../src/payments/transaction';

describe('subscription IDs: one rule for the payment modal and the imports', () => {
  it('knows PayPal I- and 12 letters/digits and Stripe sub_ and letters/digits', async () => {
    expect(isSubscriptionId('I-JSE05VWSMN55')).toBe(true);
    expect(isSubscriptionId('sub_1MowQVLkdIwHu7ixeRlqHVzs')).toBe(true);
    for (const bad of ['I-SHORT', 'I-JSE05VWSMN551', 'i-jse05vwsmn55', 'I-JSE05VWSMN5!', 'sub_', 'sub_a-b', `sub_${'a'.repeat(61)}`, 'P-123']) {
      expect([bad, isSubscriptionId(bad)]).toEqual([bad, false]);
    }
    expect(isSubscriptionId('sub_1MowQVLkdIwHu7ixeRlqHVzs', 'paypal')).toBe(false);
    expect(isSubscriptionId('I-JSE05VWSMN55', 'stripe')).toBe(false);
  });

  it('reads a PayPal reference as a subscription only when the modal would accept it', async () => {
    const text =
      'Date,Type,Status,Currency,Gross,Transaction ID,Reference Txn ID,From Email Address\n' +
      '12/01/2026,Subscription Payment,Completed,USD,10.00,T1,I-JSE05VWSMN55,a@example.com\n' +
      '12/02/2026,Subscription Payment,Completed,USD,10.00,T2,I-SHORT,b@example.com\n';
    const result = await parsePayPalCsv(text, { dateFormat: 'MDY' });
    expect(result.rejected).toEqual([]);
    expect(result.transactions.map((t) => [t.transactionId, t.subscriptionId, t.referenceTransactionId])).toEqual([
      ['T1', 'I-JSE05VWSMN55', null],
      ['T2', null, 'I-SHORT'],
    ]);
  });

  it('refuses an imported transaction whose subscription ID breaks the rule, naming the rule', async () => {
    const tx = {
      source: 'stripe',
      transactionId: 'in_1',
      kind: 'payment',
      status: 'completed',
      occurredAt: new Date(0),
      amountCents: 1000,
      currency: 'USD',
      payerEmail: null,
      payerName: null,
      referenceTransactionId: null,
    };
    expect(validateTransaction({ ...tx, subscriptionId: 'sub_1MowQVLkdIwHu7ixeRlqHVzs' }).ok).toBe(true);
    expect(validateTransaction({ ...tx, subscriptionId: 'sub_not-an-id' })).toEqual({
      ok: false,
      reason: expect.stringMatching(/^subscriptionId: is not a subscription ID: PayPal I- and 12 letters\/digits/),
    });
  });
});
