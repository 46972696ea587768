import { classifyPayPal, classifyPayPalEventCode, normalizePayPalStatus } from '../../../src/payments/paypal-rules';

describe('what a PayPal row means', () => {
  it.each([
    ['Subscription Payment', 'credit', 'payment'],
    ['General Payment', 'credit', 'payment'],
    ['Express Checkout Payment', 'credit', 'payment'],
    ['Mobile Payment', 'credit', 'payment'],
    ['Website Payment', 'credit', 'payment'],
    ['Payment Refund', 'debit', 'refund'],
    ['Payment Reversal', 'debit', 'reversal'],
    ['Chargeback', 'debit', 'reversal'],
  ] as const)('%s (%s) is a %s', (type, direction, kind) => {
    expect(classifyPayPal(type, direction)).toBe(kind);
  });

  it.each([
    ['General Authorization', 'memo'],
    ['General Payment', 'memo'],
    ['General Currency Conversion', 'credit'],
    ['General Currency Conversion', 'debit'],
    ['General Withdrawal', 'debit'],
    ['Account Hold for Open Authorization', 'debit'],
    ['Reversal of General Account Hold', 'credit'],
    ['General Payment', 'debit'],
    ['Payment Refund', 'credit'],
  ] as const)('%s (%s) is not a subscriber\'s money', (type, direction) => {
    expect(classifyPayPal(type, direction)).toEqual({ ignored: expect.any(String) });
  });

  it('normalizes statuses from the CSV words and the API letters', () => {
    expect(['Completed', 'S', 'Partially Refunded', 'Refunded'].map(normalizePayPalStatus)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(['Pending', 'P', 'Uncleared'].map(normalizePayPalStatus)).toEqual(['pending', 'pending', 'pending']);
    expect(['Denied', 'D', 'Reversed', 'V', 'Canceled', 'Something new'].map(normalizePayPalStatus)).toEqual(['denied', 'denied', 'reversed', 'reversed', 'canceled', 'other']);
  });

  it('reads the API event codes', () => {
    expect(classifyPayPalEventCode('T0002', 1000)).toBe('payment');
    expect(classifyPayPalEventCode('T0000', -1000)).toBe('ignored');
    expect(classifyPayPalEventCode('T1107', -1000)).toBe('refund');
    expect(classifyPayPalEventCode('T1106', -1000)).toBe('reversal');
    expect(classifyPayPalEventCode('T0200', 912)).toBe('ignored');
    expect(classifyPayPalEventCode('T0400', -50000)).toBe('ignored');
  });
});
