import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { paypalCsv, SMALL_USERS, startPaymentsHarness, type CsvRow, type PaymentsHarness } from '../support/payments';

const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);

// O'Brien's default payment runs from T0 (2026-11-25 12:00Z) to 2026-12-25 12:00Z; Monthly is 10.00 USD.
const pay = (id: string, date: string, gross = '10.00'): CsvRow => ({ date, gross, from: 'obrien@example.com', id });
const refund = (id: string, date: string, of: string, gross = '-10.00'): CsvRow => ({ date, type: 'Payment Refund', gross, from: 'owner@example.com', to: 'obrien@example.com', id, reference: of });

describe.each(DATABASE_KINDS)('refunds and reversals take back what they paid for, on %s', (kind) => {
  let h: PaymentsHarness;
  beforeEach(async () => {
    h = await startPaymentsHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const importRows = (rows: CsvRow[], options: { dryRun?: boolean } = {}) => h.app.payments.importCsv(paypalCsv(rows), { dateFormat: 'MDY', ...options });
  const periods = async (plexId: number) =>
    (await h.app.payments.listPayments(plexId)).payments
      .filter((p) => !p.default)
      .map((p) => [p.transactionId, p.startsAt.slice(0, 10), p.endsAt.slice(0, 10), p.voidedAt === null ? 'counts' : 'taken back']);
  const endOf = async (plexId: number) => (await h.app.subscriptions.list()).find((u) => u.plexId === plexId)!.endsAt?.toISOString().slice(0, 10);

  it('voids a fully refunded payment, moves the later one back into its month, and new payments stack on what remains', async () => {
    await importRows([pay('A1', '12/02/2026'), pay('B1', '12/10/2026')]);
    expect(await periods(SMALL_USERS.obrien)).toEqual([
      ['A1', '2026-12-25', '2027-01-25', 'counts'],
      ['B1', '2027-01-25', '2027-02-25', 'counts'],
    ]);
    expect(await endOf(SMALL_USERS.obrien)).toBe('2027-02-25');

    const summary = await importRows([refund('R1', '12/12/2026', 'A1')]);
    expect(summary).toMatchObject({ refundsFlagged: 1, refundsToReview: [] });
    expect(summary.refundsApplied).toEqual([
      {
        kind: 'refund',
        transactionId: 'R1',
        paymentTransactionId: 'A1',
        plexId: SMALL_USERS.obrien,
        title: "O'Brien & Søn",
        amount: '10.00 USD',
        takenBack: { startsAt: '2026-12-25T12:00:00.000Z', endsAt: '2027-01-25T12:00:00.000Z' },
        moved: [
          {
            transactionId: 'B1',
            from: { startsAt: '2027-01-25T12:00:00.000Z', endsAt: '2027-02-25T12:00:00.000Z' },
            startsAt: '2026-12-25T12:00:00.000Z',
            endsAt: '2027-01-25T12:00:00.000Z',
          },
        ],
      },
    ]);
    expect(summary.notices).toEqual([
      expect.objectContaining({ kind: 'refund', transactionId: 'R1', message: expect.stringMatching(/taken back, 2026-12-25 → 2027-01-25 no longer counts; payment B1 moved back to 2026-12-25 → 2027-01-25/) }),
    ]);
    // The refunded payment stays as history; status (the lifecycle's read) and the list agree.
    expect(await periods(SMALL_USERS.obrien)).toEqual([
      ['A1', '2026-12-25', '2027-01-25', 'taken back'],
      ['B1', '2026-12-25', '2027-01-25', 'counts'],
    ]);
    expect(await endOf(SMALL_USERS.obrien)).toBe('2027-01-25');
    expect((await h.app.payments.listPayments(SMALL_USERS.obrien)).status).toMatch(/^active until 2027-01-25/);

    // A later payment no longer starts after the refunded month.
    await importRows([pay('C1', '12/20/2026')]);
    expect((await periods(SMALL_USERS.obrien)).at(-1)).toEqual(['C1', '2027-01-25', '2027-02-25', 'counts']);

    // The same refund again changes nothing.
    const before = await h.snapshot();
    expect(await importRows([refund('R1', '12/12/2026', 'A1')])).toMatchObject({ duplicatesSkipped: 1, refundsApplied: [], refundsFlagged: 0 });
    expect(await h.snapshot()).toEqual(before);
  });

  it('takes back a payment refunded in the same file, before a later payment of that file stacks', async () => {
    const summary = await importRows([pay('A1', '12/02/2026'), refund('R1', '12/03/2026', 'A1'), pay('B1', '12/10/2026')]);
    expect(summary).toMatchObject({ matched: 2, refundsFlagged: 1, refundsApplied: [expect.objectContaining({ transactionId: 'R1', moved: [] })] });
    expect(await periods(SMALL_USERS.obrien)).toEqual([
      ['A1', '2026-12-25', '2027-01-25', 'taken back'],
      ['B1', '2026-12-25', '2027-01-25', 'counts'],
    ]);
    const [event] = await h.q<{ payment_id: number; user_id: number }>('SELECT payment_id, user_id FROM payment_events');
    const [payment] = await h.q<{ id: number; user_id: number }>("SELECT id, user_id FROM payments WHERE transaction_id = 'A1'");
    expect([Number(event!.payment_id), Number(event!.user_id)]).toEqual([Number(payment!.id), Number(payment!.user_id)]);
  });

  it('flags a partial refund for review without changing time; refunds that add up to the payment take it back', async () => {
    await importRows([pay('A1', '12/02/2026')]);
    const partial = await importRows([refund('R1', '12/05/2026', 'A1', '-4.00')]);
    expect(partial.refundsApplied).toEqual([]);
    expect(partial.refundsToReview).toEqual([
      { kind: 'refund', transactionId: 'R1', paymentTransactionId: 'A1', plexId: SMALL_USERS.obrien, title: "O'Brien & Søn", amount: '4.00 USD', reason: 'partial: 4.00 USD of 10.00 USD given back' },
    ]);
    expect(partial.notices).toEqual([expect.objectContaining({ kind: 'refund', message: expect.stringMatching(/partial: 4.00 USD of 10.00 USD given back; their time was not changed, review it/) })]);
    expect(await periods(SMALL_USERS.obrien)).toEqual([['A1', '2026-12-25', '2027-01-25', 'counts']]);

    const rest = await importRows([refund('R2', '12/06/2026', 'A1', '-6.00')]);
    expect(rest.refundsApplied).toEqual([expect.objectContaining({ transactionId: 'R2', paymentTransactionId: 'A1', amount: '6.00 USD' })]);
    expect(await periods(SMALL_USERS.obrien)).toEqual([['A1', '2026-12-25', '2027-01-25', 'taken back']]);
    expect(await endOf(SMALL_USERS.obrien)).toBe('2026-12-25');
  });

  it('waits for a pending refund to complete before taking anything back', async () => {
    await importRows([pay('A1', '12/02/2026')]);
    expect(await importRows([{ ...refund('R1', '12/05/2026', 'A1'), status: 'Pending' }])).toMatchObject({ refundsFlagged: 1, refundsApplied: [] });
    expect(await periods(SMALL_USERS.obrien)).toEqual([['A1', '2026-12-25', '2027-01-25', 'counts']]);
    expect(await importRows([refund('R1', '12/05/2026', 'A1')])).toMatchObject({ refundsApplied: [expect.objectContaining({ transactionId: 'R1' })] });
    expect(await periods(SMALL_USERS.obrien)).toEqual([['A1', '2026-12-25', '2027-01-25', 'taken back']]);
  });

  it('previews a refund with dryRun: the same summary, nothing written', async () => {
    await importRows([pay('A1', '12/02/2026'), pay('B1', '12/10/2026')]);
    const before = await h.snapshot();
    const preview = await importRows([refund('R1', '12/12/2026', 'A1')], { dryRun: true });
    expect(preview.refundsApplied).toEqual([expect.objectContaining({ transactionId: 'R1', moved: [expect.objectContaining({ transactionId: 'B1', startsAt: '2026-12-25T12:00:00.000Z' })] })]);
    expect(await h.snapshot()).toEqual(before);
    expect(await h.q('SELECT * FROM payment_events')).toEqual([]);
  });

  it('records a payment refunded while it was unmatched as taken back when the admin assigns it', async () => {
    await importRows([{ ...pay('U1', '12/02/2026'), from: 'kid.parent@example.org' }, { ...refund('R1', '12/04/2026', 'U1'), to: 'kid.parent@example.org' }]);
    const [open] = await h.app.payments.listUnmatched();
    const result = await h.app.payments.assignUnmatched(open!.id, SMALL_USERS.kids);
    expect(result.payment).toMatchObject({ transactionId: 'U1', voidedAt: T0.toISOString() });
    expect(result.notices).toEqual([expect.objectContaining({ kind: 'refund', message: expect.stringMatching(/refunded in full/) })]);
    expect(await endOf(SMALL_USERS.kids)).toBe('2026-12-25');
    expect((await h.app.payments.listPayments(SMALL_USERS.kids)).events).toEqual([expect.objectContaining({ transactionId: 'R1', referenceTransactionId: 'U1' })]);
  });

  it('takes back a Stripe invoice refunded in full, found by the API sync', async () => {
    h.stripe.addInvoice({ id: 'in_obr1', customer: 'cus_obr', email: 'obrien@example.com', amountPaid: 1000, currency: 'usd', paidAt: at(DAY), paymentIntent: 'pi_obr1' });
    h.stripe.addInvoice({ id: 'in_obr2', customer: 'cus_obr', email: 'obrien@example.com', amountPaid: 1000, currency: 'usd', paidAt: at(2 * DAY), paymentIntent: 'pi_obr2' });
    h.clock.advance(3 * DAY);
    expect(await h.app.payments.syncApis()).toMatchObject({ matched: 2 });
    expect(await periods(SMALL_USERS.obrien)).toEqual([
      ['in_obr1', '2026-12-25', '2027-01-25', 'counts'],
      ['in_obr2', '2027-01-25', '2027-02-25', 'counts'],
    ]);

    h.stripe.addRefund({ id: 're_obr1', charge: 'ch_for_in_obr1', paymentIntent: 'pi_obr1', amount: 1000, currency: 'usd', at: at(4 * DAY) });
    h.clock.advance(2 * DAY);
    const summary = await h.app.payments.syncApis();
    expect(summary.refundsApplied).toEqual([
      expect.objectContaining({ kind: 'refund', transactionId: 're_obr1', paymentTransactionId: 'in_obr1', moved: [expect.objectContaining({ transactionId: 'in_obr2', startsAt: '2026-12-25T12:00:00.000Z' })] }),
    ]);
    expect(await periods(SMALL_USERS.obrien)).toEqual([
      ['in_obr1', '2026-12-25', '2027-01-25', 'taken back'],
      ['in_obr2', '2026-12-25', '2027-01-25', 'counts'],
    ]);
  });
});
