import { importedTransactionSchema, validateTransaction } from '../../../src/payments/transaction';

/** What the schema alone answers: validateTransaction must answer exactly this, however it gets there. */
function bySchema(input: unknown) {
  const parsed = importedTransactionSchema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
}

describe('validating a normalized transaction', () => {
  const valid = {
    source: 'paypal',
    transactionId: '1AB23456CD7890123',
    kind: 'payment',
    status: 'completed',
    occurredAt: new Date('2026-12-01T17:15:02.000Z'),
    amountCents: 1000,
    currency: 'USD',
    payerEmail: 'Alice.Smith@Example.org',
    payerName: 'Smith, Alice',
    subscriptionId: 'I-JSE05VWSMN55',
    referenceTransactionId: null,
    line: 3,
  };
  /** One field changed at a time, to values on both sides of every rule of the schema. */
  const variants: Array<Record<string, unknown>> = [
    { source: 'stripe' }, { source: 'bank' }, { source: undefined },
    { transactionId: ' padded ' }, { transactionId: '' }, { transactionId: 'x'.repeat(64) }, { transactionId: 'x'.repeat(65) }, { transactionId: 7 },
    { kind: 'refund' }, { kind: 'reversal' }, { kind: 'gift' },
    { status: 'pending' }, { status: 'other' }, { status: 'Completed' },
    { occurredAt: new Date(Number.NaN) }, { occurredAt: '2026-12-01' }, { occurredAt: new Date(0) },
    { amountCents: 0 }, { amountCents: -1 }, { amountCents: 10.5 }, { amountCents: 2_000_000_000 }, { amountCents: 2_000_000_001 }, { amountCents: Number.NaN }, { amountCents: '1000' },
    { currency: 'EUR' }, { currency: 'UDS' }, { currency: 'usd' }, { currency: null },
    { payerEmail: null }, { payerEmail: '' }, { payerEmail: ' a@b.c ' }, { payerEmail: 'ÜNAL@EXAMPLE.COM' }, { payerEmail: 'a'.repeat(255) }, { payerEmail: 'a'.repeat(256) }, { payerEmail: undefined },
    { payerName: null }, { payerName: ' Alice ' }, { payerName: 'n'.repeat(256) },
    { subscriptionId: null }, { subscriptionId: 'sub_7867632387ddd' }, { subscriptionId: 'I-SHORT' }, { subscriptionId: ' I-JSE05VWSMN55' },
    { referenceTransactionId: 'REF1' }, { referenceTransactionId: '' }, { referenceTransactionId: ' REF1' }, { referenceTransactionId: 'r'.repeat(65) },
    { checkoutReference: 'smb-user-1' }, { checkoutReference: null }, { checkoutReference: undefined }, { checkoutReference: '' }, { checkoutReference: 'c'.repeat(201) },
    { line: undefined }, { line: 0 }, { line: 2.5 }, { line: '3' },
    { extra: 'dropped' },
  ];

  it('answers what the schema answers for every variant: the same value, keys and order, or a refusal', () => {
    for (const variant of [{}, ...variants]) {
      const input: Record<string, unknown> = { ...valid, ...variant };
      const got = validateTransaction(input);
      const expected = bySchema(input);
      expect([variant, got.ok]).toEqual([variant, expected.ok]);
      if (got.ok && expected.ok) {
        expect([variant, got.value]).toStrictEqual([variant, expected.value]);
        expect([variant, Object.keys(got.value)]).toEqual([variant, Object.keys(expected.value!)]);
      }
    }
    // Without the optional keys at all (the CSV never sets checkoutReference, the APIs never set line).
    const { line: _line, ...withoutLine } = valid;
    expect(validateTransaction(withoutLine)).toStrictEqual(bySchema(withoutLine));
  });

  it('names every problem of a refused transaction', () => {
    expect(validateTransaction({ ...valid, currency: 'UDS', amountCents: -1 })).toEqual({
      ok: false,
      reason: 'amountCents: Too small: expected number to be >=0; currency: must be an ISO 4217 currency code like USD or EUR',
    });
  });
});
