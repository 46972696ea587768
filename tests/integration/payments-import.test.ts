import fs from 'node:fs';
import path from 'node:path';
import { CsvFormatError } from '../../src/payments/errors';
import { generateCsv } from '../bench/payments';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { paypalCsv, SMALL_USERS, startPaymentsHarness, type PaymentsHarness } from '../support/payments';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/paypal', name), 'utf8');
const DAY = 86_400_000;

describe.each(DATABASE_KINDS)('payments import from PayPal CSV on %s', (kind) => {
  let h: PaymentsHarness;
  beforeEach(async () => {
    h = await startPaymentsHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const userId = async (plexId: number) => Number((await h.q<{ id: number }>('SELECT id FROM users WHERE plex_id = ?', [plexId]))[0]!.id);
  const imported = (plexId: number) => h.app.payments.listPayments(plexId).then((v) => v.payments.filter((p) => !p.default));
  const setSubscription = async (plexId: number, subscriptionId: string) =>
    h.q('UPDATE payments SET subscription_id = ? WHERE user_id = ? AND is_default = ?', [subscriptionId, await userId(plexId), kind === 'sqlite' ? 1 : true]);

  it('imports a US export: subscription match, case-insensitive email, plan by price, stacking, refund, pending, unmatched', async () => {
    // Zoë's recurring payment was set up by the admin with its subscription ID.
    await setSubscription(SMALL_USERS.zoe, 'I-JSE05VWSMN55');

    const summary = await h.app.payments.importCsv(fixture('us-activity.csv'));
    expect(summary).toMatchObject({ imported: 7, matched: 4, unmatched: 1, refundsFlagged: 1, pending: 1, duplicatesSkipped: 0, ignored: 4, rejected: [] });

    // Rule 1: Alice pays from an email nobody has, on Zoë's subscription.
    const zoe = await imported(SMALL_USERS.zoe);
    expect(zoe).toEqual([
      expect.objectContaining({ transactionId: '1AB23456CD7890123', source: 'paypal', plan: 'Monthly', amount: '10.00', currency: 'USD', subscriptionId: 'I-JSE05VWSMN55',
        // Renewals stack: the default payment runs to Dec 25, so this month starts there.
        startsAt: '2026-12-25T12:00:00.000Z', endsAt: '2027-01-25T12:00:00.000Z' }),
      // Paid in EUR, 9.00 is the price of Mensuel; it stacks after the payment just imported.
      expect.objectContaining({ transactionId: '3EF45678GH9012345', plan: 'Mensuel', currency: 'EUR', startsAt: '2027-01-25T12:00:00.000Z', endsAt: '2027-02-25T12:00:00.000Z' }),
    ]);
    // Rule 2, case-insensitive: OBRIEN@Example.COM is O'Brien's email.
    expect(await imported(SMALL_USERS.obrien)).toEqual([expect.objectContaining({ transactionId: '2CD34567EF8901234', plan: 'Monthly', startsAt: '2026-12-25T12:00:00.000Z' })]);
    // 100.00 USD is Yearly's price.
    expect(await imported(SMALL_USERS.grandma)).toEqual([expect.objectContaining({ plan: 'Yearly', startsAt: '2026-12-25T12:00:00.000Z', endsAt: '2027-12-25T12:00:00.000Z' })]);

    // The full refund of O'Brien's payment takes its month back: kept as history, no longer counting.
    const obrien = await h.app.payments.listPayments(SMALL_USERS.obrien);
    expect(obrien.events).toEqual([expect.objectContaining({ kind: 'refund', transactionId: '7NP89012QR3456789', referenceTransactionId: '2CD34567EF8901234', amount: '10.00' })]);
    expect(obrien.payments.find((p) => p.transactionId === '2CD34567EF8901234')!.voidedAt).toBe(T0.toISOString());
    expect(obrien.status).toMatch(/^active until 2026-12-25/);
    expect(summary.notices).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'refund', line: 10, message: expect.stringMatching(/O'Brien & Søn.*taken back, 2026-12-25 → 2027-01-25 no longer counts/) })]),
    );
    expect(summary.refundsApplied).toEqual([expect.objectContaining({ transactionId: '7NP89012QR3456789', paymentTransactionId: '2CD34567EF8901234', plexId: SMALL_USERS.obrien })]);
    const [event] = await h.q<{ payment_id: number }>('SELECT payment_id FROM payment_events');
    const [payment] = await h.q<{ id: number }>("SELECT id FROM payments WHERE transaction_id = '2CD34567EF8901234'");
    expect(Number(event!.payment_id)).toBe(Number(payment!.id));

    // The stranger is kept and reported; the pending payment waits.
    const open = await h.app.payments.listUnmatched();
    expect(open.map((u) => [u.transactionId, u.status, u.amount, u.payerEmail])).toEqual([
      ['6LM78901NP2345678', 'completed', '1560.00', 'stranger@example.net'],
      ['8QR90123ST4567890', 'pending', '10.00', 'unal@example.com'],
    ]);
    expect(open[0]!.reason).toBe('no user has the PayPal email or email stranger@example.net');
    expect(await imported(SMALL_USERS.unal)).toEqual([]);
  });

  it('skips what it already imported: the same file twice creates nothing', async () => {
    await h.app.payments.importCsv(fixture('us-activity.csv'));
    const before = await h.snapshot();
    const rows = await h.q('SELECT * FROM unmatched_payments ORDER BY id');
    const again = await h.app.payments.importCsv(fixture('us-activity.csv'));
    expect(again).toMatchObject({ imported: 0, matched: 0, unmatched: 0, refundsFlagged: 0, pending: 0, duplicatesSkipped: 7 });
    expect(await h.snapshot()).toEqual(before);
    expect(await h.q('SELECT * FROM unmatched_payments ORDER BY id')).toEqual(rows);
  });

  it('does not use a subscription ID that is on two users; falls back to the email', async () => {
    await setSubscription(SMALL_USERS.zoe, 'I-SHARED000001');
    await setSubscription(SMALL_USERS.unal, 'I-SHARED000001');
    const csv = paypalCsv([
      { date: '12/01/2026', type: 'Subscription Payment', gross: '10.00', from: 'nobody@example.org', id: 'S1', reference: 'I-SHARED000001' },
      { date: '12/02/2026', type: 'Subscription Payment', gross: '10.00', from: 'lonely@example.com', id: 'S2', reference: 'I-SHARED000001' },
    ]);
    const summary = await h.app.payments.importCsv(csv, { dateFormat: 'MDY' });
    expect(summary).toMatchObject({ matched: 1, unmatched: 1 });
    expect((await h.app.payments.listUnmatched())[0]!.reason).toMatch(/subscription I-SHARED000001 is on payments of 2 users/);
    expect(await imported(SMALL_USERS.noShares)).toEqual([expect.objectContaining({ transactionId: 'S2' })]);
    expect(await imported(SMALL_USERS.zoe)).toEqual([]);
    expect(summary.notices.filter((n) => n.kind === 'ambiguous')).toHaveLength(2);
  });

  it('matches PayPal payments on the PayPal email before the plex.tv email, case-insensitively', async () => {
    await h.q('UPDATE users SET paypal_email = ? WHERE plex_id = ?', ['shared@example.com', SMALL_USERS.unal]);
    await h.q('UPDATE users SET email = ? WHERE plex_id = ?', ['Shared@Example.com', SMALL_USERS.zoe]);
    await h.app.payments.importCsv(paypalCsv([{ date: '12/13/2026', gross: '10.00', from: 'SHARED@example.COM', id: 'P1' }]));
    expect(await imported(SMALL_USERS.unal)).toHaveLength(1);
    expect(await imported(SMALL_USERS.zoe)).toHaveLength(0);
  });

  it('holds a pending payment and turns it into a payment when it comes back completed', async () => {
    const row = { date: '12/01/2026', type: 'Subscription Payment', gross: '10.00', from: 'unal@example.com', id: 'PEND1', reference: 'I-UNAL00000001' };
    expect(await h.app.payments.importCsv(paypalCsv([{ ...row, status: 'Pending' }]), { dateFormat: 'MDY' })).toMatchObject({ pending: 1, matched: 0 });
    expect(await h.app.payments.importCsv(paypalCsv([{ ...row, status: 'Pending' }]), { dateFormat: 'MDY' })).toMatchObject({ pending: 0, duplicatesSkipped: 1 });
    const done = await h.app.payments.importCsv(paypalCsv([{ ...row, status: 'Completed' }]), { dateFormat: 'MDY' });
    expect(done).toMatchObject({ matched: 1, pending: 0 });
    expect(await imported(SMALL_USERS.unal)).toEqual([expect.objectContaining({ transactionId: 'PEND1', subscriptionId: 'I-UNAL00000001' })]);
    expect(await h.app.payments.listUnmatched()).toEqual([]);
    const [held] = await h.q<{ payment_id: number; status: string }>('SELECT payment_id, status FROM unmatched_payments');
    expect(held!.status).toBe('completed');
    expect(held!.payment_id).not.toBeNull();
  });

  it('takes a transaction listed twice in one file (two exports pasted together) once, with its latest status', async () => {
    const row = { date: '12/01/2026', gross: '10.00', from: 'nobody@example.org', id: 'TWICE' };
    const summary = await h.app.payments.importCsv(paypalCsv([{ ...row, status: 'Pending' }, { ...row, time: '13:00:00', status: 'Completed' }, { ...row, time: '13:00:00' }]), { dateFormat: 'MDY' });
    expect(summary).toMatchObject({ pending: 1, unmatched: 1, duplicatesSkipped: 1 });
    expect((await h.app.payments.listUnmatched()).map((u) => [u.transactionId, u.status])).toEqual([['TWICE', 'completed']]);
  });

  it('lets the admin assign an unmatched payment and remember the email and subscription for next time', async () => {
    await h.app.payments.importCsv(
      paypalCsv([{ date: '12/01/2026', type: 'Subscription Payment', gross: '10.00', from: 'Kid.Parent@Example.org', id: 'U1', reference: 'I-KIDS00000001' }]),
      { dateFormat: 'MDY' },
    );
    const [open] = await h.app.payments.listUnmatched();
    const result = await h.app.payments.assignUnmatched(open!.id, SMALL_USERS.kids, { rememberEmail: true, rememberSubscription: true });
    expect(result).toMatchObject({ title: 'Kids', rememberedEmail: 'kid.parent@example.org', rememberedSubscription: 'I-KIDS00000001' });
    expect(result.payment).toMatchObject({ transactionId: 'U1', plan: 'Monthly', startsAt: '2026-12-25T12:00:00.000Z' });
    expect(await h.app.payments.listUnmatched()).toEqual([]);
    await expect(h.app.payments.assignUnmatched(open!.id, SMALL_USERS.kids)).rejects.toThrow(/already a payment/);
    // Next month: by subscription, and a one-off by the remembered PayPal email.
    const next = await h.app.payments.importCsv(
      paypalCsv([
        { date: '01/01/2027', type: 'Subscription Payment', gross: '10.00', from: 'someone.else@example.org', id: 'U2', reference: 'I-KIDS00000001' },
        { date: '01/02/2027', gross: '100.00', from: 'kid.parent@example.org', id: 'U3' },
      ]),
      { dateFormat: 'MDY' },
    );
    expect(next).toMatchObject({ matched: 2, unmatched: 0 });
    expect((await imported(SMALL_USERS.kids)).map((p) => [p.transactionId, p.plan, p.startsAt.slice(0, 10), p.endsAt.slice(0, 10)])).toEqual([
      ['U1', 'Monthly', '2026-12-25', '2027-01-25'],
      ['U2', 'Monthly', '2027-01-25', '2027-02-25'],
      ['U3', 'Yearly', '2027-02-25', '2028-02-25'],
    ]);
  });

  it('refuses to assign a payment whose email is another user\'s PayPal email, writing nothing', async () => {
    await h.app.payments.importCsv(paypalCsv([{ date: '12/13/2026', gross: '10.00', from: 'taken@example.com', id: 'T1' }]));
    await h.q('UPDATE users SET paypal_email = ? WHERE plex_id = ?', ['taken@example.com', SMALL_USERS.zoe]);
    const [open] = await h.app.payments.listUnmatched();
    const before = await h.snapshot();
    await expect(h.app.payments.assignUnmatched(open!.id, SMALL_USERS.kids, { rememberEmail: true })).rejects.toThrow(/already the PayPal email of Zoë/);
    expect(await h.snapshot()).toEqual(before);
  });

  it('imports an EU export; another currency falls back to the current plan and is reported; a reversal is flagged', async () => {
    const summary = await h.app.payments.importCsv(fixture('eu-activity.csv'));
    expect(summary).toMatchObject({ matched: 2, unmatched: 0, refundsFlagged: 1, ignored: 1, rejected: [] });
    expect(await imported(SMALL_USERS.noShares)).toEqual([
      expect.objectContaining({ transactionId: '1EU00000000000001', plan: 'Mensuel', amount: '9.00', currency: 'EUR', subscriptionId: 'I-EU0000000001' }),
    ]);
    expect(await imported(SMALL_USERS.unal)).toEqual([expect.objectContaining({ transactionId: '2EU00000000000002', plan: 'Monthly', amount: '1560.00', currency: 'EUR' })]);
    expect(summary.notices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'currency', line: 3, message: expect.stringMatching(/no plan costs 1560.00 EUR: recorded on their current plan "Monthly" \(paid in EUR, the plan is in USD\)/) }),
        expect.objectContaining({ kind: 'reversal', line: 4 }),
      ]),
    );
    expect((await h.app.payments.listPayments(SMALL_USERS.noShares)).events).toEqual([expect.objectContaining({ kind: 'reversal', referenceTransactionId: '1EU00000000000001' })]);
    // The reversal gave all 9,00 EUR back: that month is taken back.
    expect(summary.refundsApplied).toEqual([expect.objectContaining({ kind: 'reversal', transactionId: '3EU00000000000003', paymentTransactionId: '1EU00000000000001', amount: '9.00 EUR' })]);
  });

  it('takes back a payment that comes back Reversed after it was imported, keeping it as history', async () => {
    const row = { date: '12/13/2026', gross: '10.00', from: 'zoe@example.com', id: 'R1' };
    await h.app.payments.importCsv(paypalCsv([row]));
    const count = (await h.q('SELECT id FROM payments')).length;
    const again = await h.app.payments.importCsv(paypalCsv([{ ...row, status: 'Reversed' }]));
    expect(again).toMatchObject({ refundsFlagged: 1, matched: 0, refundsApplied: [expect.objectContaining({ kind: 'reversal', transactionId: 'R1', paymentTransactionId: 'R1' })] });
    expect(await h.q('SELECT id FROM payments')).toHaveLength(count);
    expect((await imported(SMALL_USERS.zoe)).map((p) => [p.transactionId, p.voidedAt])).toEqual([['R1', T0.toISOString()]]);
    expect((await h.app.payments.listPayments(SMALL_USERS.zoe)).events).toEqual([expect.objectContaining({ kind: 'reversal', transactionId: 'R1', referenceTransactionId: 'R1' })]);
  });

  it('refuses a file with unreadable rows whole, listing the lines, and applies nothing', async () => {
    const before = await h.snapshot();
    const summary = await h.app.payments.importCsv(fixture('broken-rows.csv'), { dateFormat: 'MDY' });
    expect(summary.rejected.map((r) => r.line)).toEqual([4, 5, 6]);
    expect(summary).toMatchObject({ imported: 0, matched: 0 });
    expect(await h.snapshot()).toEqual(before);
    expect(await h.q('SELECT * FROM unmatched_payments')).toEqual([]);

    expect((await h.app.payments.importCsv(fixture('not-paypal.csv'))).rejected).toEqual([
      { line: 1, reason: expect.stringMatching(/^not a PayPal activity download: missing column\(s\) "Date"/) },
    ]);
    await expect(h.app.payments.importCsv(fixture('ambiguous-dates.csv'))).rejects.toThrow(CsvFormatError);
    expect(await h.snapshot()).toEqual(before);
  });

  it('refuses a 50,000-row file whose one bad row is near its end: nothing of the rows before it is applied', async () => {
    const before = await h.snapshot();
    const lines = generateCsv(50_000, 100).split('\r\n');
    // Line 49,999 (the header is line 1): its Gross, the 8th cell, becomes words.
    const cells = lines[49_998]!.split('","');
    cells[7] = 'ten dollars';
    lines[49_998] = cells.join('","');
    const summary = await h.app.payments.importCsv(lines.join('\r\n'), { dateFormat: 'MDY' });
    expect(summary.rejected).toEqual([{ line: 49_999, reason: 'amount "ten dollars" in Gross is not an amount like 1,560.00 or 1.560,00' }]);
    expect(summary).toMatchObject({ imported: 0, matched: 0, unmatched: 0, pending: 0, refundsFlagged: 0 });
    // Read alone, the rows before it would have been kept as unmatched payments: none is.
    expect(await h.snapshot()).toEqual(before);
    expect(await h.q('SELECT id FROM unmatched_payments')).toEqual([]);
    expect(await h.q('SELECT id FROM payment_events')).toEqual([]);
  }, 60_000);

  it('previews with dryRun: the same summary, nothing written', async () => {
    await setSubscription(SMALL_USERS.zoe, 'I-JSE05VWSMN55');
    const before = await h.snapshot();
    const preview = await h.app.payments.importCsv(fixture('us-activity.csv'), { dryRun: true });
    expect(preview).toMatchObject({ dryRun: true, imported: 7, matched: 4, unmatched: 1, pending: 1, refundsFlagged: 1 });
    expect(await h.snapshot()).toEqual(before);
    expect(await h.q('SELECT * FROM unmatched_payments')).toEqual([]);
    expect(await h.q('SELECT * FROM payment_events')).toEqual([]);
  });

  it('keeps a payment unmatched when no plan can be chosen', async () => {
    await h.q('UPDATE plans SET default_flag = NULL');
    await h.q('DELETE FROM payments WHERE user_id = ?', [await userId(SMALL_USERS.zoe)]);
    const summary = await h.app.payments.importCsv(paypalCsv([{ date: '12/13/2026', gross: '12.34', from: 'zoe@example.com', id: 'N1' }]));
    expect(summary).toMatchObject({ matched: 0, unmatched: 1 });
    expect((await h.app.payments.listUnmatched())[0]!.reason).toBe('no plan costs 12.34 USD, the user has no payment yet and there is no default plan');
  });

  it('starts a payment at its own time when the user is not active then', async () => {
    h.clock.advance(90 * DAY);
    await h.app.payments.importCsv(paypalCsv([{ date: '03/01/2027', time: '10:00:00', gross: '10.00', from: 'zoe@example.com', id: 'LATE1' }]), { dateFormat: 'MDY' });
    expect(await imported(SMALL_USERS.zoe)).toEqual([expect.objectContaining({ startsAt: '2027-03-01T10:00:00.000Z', endsAt: '2027-04-01T10:00:00.000Z' })]);
  });
});
