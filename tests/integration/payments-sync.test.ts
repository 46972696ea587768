import { STRIPE_API_VERSION } from '../../src/payments/stripe.client';
import { PaymentAuthError, PaymentHttpError, PaymentTimeoutError } from '../../src/payments/errors';
import { paypalTransaction } from '../fakes/paypal/fake-paypal';
import { STRIPE_KEY } from '../fakes/stripe/fake-stripe';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { SMALL_USERS, startPaymentsHarness, type PaymentsHarness } from '../support/payments';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);
const failureOf = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected the sync to fail');
    },
    (error: unknown) => error as Error,
  );

describe.each(DATABASE_KINDS)('payments sync from the PayPal and Stripe APIs on %s', (kind) => {
  let h: PaymentsHarness;
  beforeEach(async () => {
    h = await startPaymentsHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const imported = (plexId: number) => h.app.payments.listPayments(plexId).then((v) => v.payments.filter((p) => !p.default));
  const searches = () => h.paypal.requests.filter((r) => r.path === '/v1/reporting/transactions');
  const cursors = () => h.q<{ source: string }>('SELECT source, synced_through FROM import_cursors ORDER BY source');
  const setSubscription = async (plexId: number, subscriptionId: string) =>
    h.q('UPDATE payments SET subscription_id = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', [subscriptionId, plexId]);

  describe('PayPal', () => {
    it('walks 31-day windows and every page, matches, flags refunds and skips what is not money', async () => {
      await setSubscription(SMALL_USERS.zoe, 'I-ZOE00000000A');
      h.paypal.transactions.push(
        // Real data sometimes leaves the reference type empty: the I- prefix is what counts.
        paypalTransaction({ id: 'PP-SUB-1', code: 'T0002', at: at(-60 * DAY), value: '10.00', email: 'zoe.paypal@example.org', reference: 'I-ZOE00000000A', referenceType: '' }),
        paypalTransaction({ id: 'PP-GEN-1', code: 'T0000', at: at(-40 * DAY), value: '100.00', email: 'OBrien@Example.com', name: "Bob O'Brien" }),
        paypalTransaction({ id: 'PP-REF-1', code: 'T1107', at: at(-39 * DAY), value: '-100.00', email: 'obrien@example.com', reference: 'PP-GEN-1' }),
      );
      for (let i = 0; i < 1100; i++) {
        h.paypal.transactions.push(paypalTransaction({ id: `PP-CONV-${i}`, code: 'T0200', at: at(-20 * DAY + i * 1000), value: i % 2 ? '9.12' : '-8.44' }));
      }
      const summary = await h.app.payments.syncApis({ since: at(-70 * DAY) });
      expect(summary).toMatchObject({ matched: 2, refundsFlagged: 1, unmatched: 0, ignored: 1100, duplicatesSkipped: 0 });
      expect(summary.sources).toEqual([
        { source: 'paypal-api', since: at(-70 * DAY).toISOString(), syncedThrough: T0.toISOString(), fetched: 3 },
        { source: 'stripe', since: at(-70 * DAY).toISOString(), syncedThrough: T0.toISOString(), fetched: 0 },
      ]);
      // Three windows of at most 31 days; the one with 1,100 rows in three pages of 500.
      const calls = searches().map((r) => [r.query.get('start_date'), r.query.get('end_date'), r.query.get('page')]);
      expect(calls).toEqual([
        ['2026-09-16T12:00:00Z', '2026-10-17T12:00:00Z', '1'],
        ['2026-10-17T12:00:00Z', '2026-11-17T12:00:00Z', '1'],
        ['2026-10-17T12:00:00Z', '2026-11-17T12:00:00Z', '2'],
        ['2026-10-17T12:00:00Z', '2026-11-17T12:00:00Z', '3'],
        ['2026-11-17T12:00:00Z', '2026-11-25T12:00:00Z', '1'],
      ]);
      expect(h.paypal.requests.filter((r) => r.path === '/v1/oauth2/token')).toHaveLength(1);
      expect(await imported(SMALL_USERS.zoe)).toEqual([expect.objectContaining({ transactionId: 'PP-SUB-1', subscriptionId: 'I-ZOE00000000A', plan: 'Monthly' })]);
      expect(await imported(SMALL_USERS.obrien)).toEqual([expect.objectContaining({ transactionId: 'PP-GEN-1', plan: 'Yearly', startsAt: at(-40 * DAY).toISOString() })]);
      expect((await h.app.payments.listPayments(SMALL_USERS.obrien)).events).toEqual([expect.objectContaining({ kind: 'refund', referenceTransactionId: 'PP-GEN-1' })]);
      expect((await cursors()).map((c) => c.source)).toEqual(['paypal-api', 'stripe']);
    });

    it('remembers where it stopped: the next run starts there and adds only what is new', async () => {
      h.paypal.transactions.push(paypalTransaction({ id: 'PP-1', code: 'T0000', at: at(-2 * DAY), value: '10.00', email: 'zoe@example.com' }));
      expect(await h.app.payments.syncApis()).toMatchObject({ matched: 1 });
      expect(searches()[0]!.query.get('start_date')).toBe('2026-10-25T12:00:00Z'); // first run: 31 days back
      h.paypal.transactions.push(paypalTransaction({ id: 'PP-2', code: 'T0000', at: at(HOUR), value: '10.00', email: 'unal@example.com' }));
      h.clock.advance(2 * HOUR);
      h.paypal.lastRefreshed = h.clock.now();
      h.paypal.resetRequests();
      expect(await h.app.payments.syncApis()).toMatchObject({ matched: 1, duplicatesSkipped: 0 });
      expect(searches().map((r) => [r.query.get('start_date'), r.query.get('end_date')])).toEqual([['2026-11-25T12:00:00Z', '2026-11-25T14:00:00Z']]);
    });

    it('takes "data not available yet" as where to pick up next time, not as an error', async () => {
      await h.app.payments.syncApis();
      h.clock.advance(DAY);
      // PayPal has not refreshed since the last run.
      h.paypal.lastRefreshed = at(-HOUR);
      const waiting = await h.app.payments.syncApis();
      expect(waiting.notices).toEqual([expect.objectContaining({ kind: 'source', message: expect.stringMatching(/PayPal has no data from 2026-11-25T12:00:00Z yet/) })]);
      expect(waiting.sources![0]!.syncedThrough).toBe(T0.toISOString());
      // Refreshed halfway: the cursor moves to what PayPal has.
      h.paypal.transactions.push(paypalTransaction({ id: 'PP-LATE', code: 'T0000', at: at(2 * HOUR), value: '10.00', email: 'zoe@example.com' }));
      h.paypal.lastRefreshed = at(6 * HOUR);
      const half = await h.app.payments.syncApis();
      expect(half).toMatchObject({ matched: 1 });
      expect(half.sources![0]!.syncedThrough).toBe(at(6 * HOUR).toISOString());
    });

    it('fails whole on a 5xx after the retries, and the next run resumes', async () => {
      h.paypal.transactions.push(paypalTransaction({ id: 'PP-1', code: 'T0000', at: at(-DAY), value: '10.00', email: 'zoe@example.com' }));
      h.stripe.addCharge({ id: 'ch_ok', amount: 1000, currency: 'usd', at: at(-DAY), email: 'unal@example.com' });
      const before = await h.snapshot();
      h.paypal.injectFault({ path: /^\/v1\/reporting\/transactions$/, status: 503, times: Infinity });
      const failure = h.app.payments.syncApis();
      await expect(failure).rejects.toThrow(PaymentHttpError);
      await expect(failure).rejects.toThrow('PayPal answered 503 to GET /v1/reporting/transactions after 2 attempts');
      expect(await h.snapshot()).toEqual(before);
      expect(await cursors()).toEqual([]);
      h.paypal.clearFaults();
      expect(await h.app.payments.syncApis()).toMatchObject({ matched: 2 });
    });

    it('reports rejected credentials and timeouts as typed errors that never show the secret', async () => {
      h.paypal.credentials.secret = 'rotated-secret';
      const error = await failureOf(h.app.payments.syncApis());
      expect(error).toBeInstanceOf(PaymentAuthError);
      expect(error.message).toBe(
        'PayPal rejected the app credentials (401): check PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET (live or sandbox, and PAYPAL_API_URL to match)',
      );
      expect(error.message).not.toContain(h.env.PAYPAL_CLIENT_SECRET);

      h.paypal.credentials.secret = h.env.PAYPAL_CLIENT_SECRET!;
      h.paypal.injectFault({ path: /^\/v1\/reporting\/transactions$/, delayMs: 2600 });
      await expect(h.app.payments.syncApis()).rejects.toThrow(new PaymentTimeoutError('PayPal', 'GET /v1/reporting/transactions', 2000));
      expect(await cursors()).toEqual([]);
    });

    it('picks up a pending payment when it completes, even before the cursor', async () => {
      const pending = paypalTransaction({ id: 'PP-P', code: 'T0002', at: at(-DAY), value: '10.00', email: 'unal@example.com', reference: 'I-UNAL0000000B', status: 'P' });
      h.paypal.transactions.push(pending);
      expect(await h.app.payments.syncApis()).toMatchObject({ pending: 1, matched: 0 });
      pending.transaction_info.transaction_status = 'S';
      h.clock.advance(HOUR);
      h.paypal.lastRefreshed = h.clock.now();
      h.paypal.resetRequests();
      expect(await h.app.payments.syncApis()).toMatchObject({ matched: 1, pending: 0 });
      expect(searches()[0]!.query.get('start_date')).toBe('2026-11-24T12:00:00Z');
      expect(await imported(SMALL_USERS.unal)).toEqual([expect.objectContaining({ transactionId: 'PP-P', subscriptionId: 'I-UNAL0000000B' })]);
    });
  });

  describe('Stripe', () => {
    it('imports paid invoices (subscription from parent.subscription_details) and lone charges, pages through lists, links refunds', async () => {
      await setSubscription(SMALL_USERS.zoe, 'sub_zoe123');
      h.stripe.addInvoice({ id: 'in_zoe1', customer: 'cus_zoe', email: 'billing@zoe.example', amountPaid: 1000, currency: 'usd', paidAt: at(-3 * DAY), createdAt: at(-33 * DAY), subscription: 'sub_zoe123', paymentIntent: 'pi_zoe1' });
      h.stripe.addInvoice({ id: 'in_obr1', customer: 'cus_obr', email: 'OBRIEN@example.com', amountPaid: 10000, currency: 'usd', paidAt: at(-2 * DAY), paymentIntent: 'pi_obr1' });
      h.stripe.addCharge({ id: 'ch_unal', amount: 900, currency: 'eur', at: at(-DAY), email: 'unal@example.com', paymentIntent: 'pi_unal' });
      for (let i = 0; i < 150; i++) h.stripe.addCharge({ id: `ch_shop_${String(i).padStart(3, '0')}`, amount: 500, currency: 'usd', at: at(-5 * DAY + i * 1000), email: 'customer@shop.example' });
      h.stripe.addRefund({ id: 're_obr1', charge: 'ch_for_in_obr1', paymentIntent: 'pi_obr1', amount: 10000, currency: 'usd', at: at(-HOUR) });

      const summary = await h.app.payments.syncApis();
      expect(summary).toMatchObject({ matched: 3, unmatched: 150, refundsFlagged: 1, ignored: 2, duplicatesSkipped: 0 });
      expect(await imported(SMALL_USERS.zoe)).toEqual([expect.objectContaining({ source: 'stripe', transactionId: 'in_zoe1', subscriptionId: 'sub_zoe123', plan: 'Monthly', startsAt: at(-3 * DAY).toISOString() })]);
      expect(await imported(SMALL_USERS.obrien)).toEqual([expect.objectContaining({ transactionId: 'in_obr1', plan: 'Yearly', amount: '100.00' })]);
      expect(await imported(SMALL_USERS.unal)).toEqual([expect.objectContaining({ transactionId: 'ch_unal', plan: 'Mensuel', currency: 'EUR' })]);
      expect((await h.app.payments.listPayments(SMALL_USERS.obrien)).events).toEqual([expect.objectContaining({ kind: 'refund', transactionId: 're_obr1', referenceTransactionId: 'in_obr1' })]);

      const charges = h.stripe.requests.filter((r) => r.path === '/v1/charges');
      expect(charges.map((r) => r.query.get('starting_after'))).toEqual([null, expect.stringMatching(/^ch_/)]);
      expect(new Set(h.stripe.versions)).toEqual(new Set([STRIPE_API_VERSION]));
      // A second run finds nothing new.
      h.clock.advance(HOUR);
      expect(await h.app.payments.syncApis()).toMatchObject({ imported: 0, duplicatesSkipped: 0 });
    });

    it('reports a rejected key without showing it, and a 5xx after the retries, writing nothing', async () => {
      h.paypal.transactions.push(paypalTransaction({ id: 'PP-1', code: 'T0000', at: at(-DAY), value: '10.00', email: 'zoe@example.com' }));
      const before = await h.snapshot();
      h.stripe.key = 'sk_test_rotated';
      const error = await failureOf(h.app.payments.syncApis());
      expect(error).toBeInstanceOf(PaymentAuthError);
      expect(error.message).toBe('Stripe rejected the secret key (401): check STRIPE_SECRET_KEY');
      expect(error.message).not.toContain(STRIPE_KEY.slice(3));

      h.stripe.key = STRIPE_KEY;
      h.stripe.injectFault({ path: /^\/v1\/charges$/, status: 500, times: Infinity, body: { error: { type: 'api_error', message: 'Something went wrong' } } });
      await expect(h.app.payments.syncApis()).rejects.toThrow('Stripe answered 500 to GET /v1/charges after 2 attempts');
      expect(await h.snapshot()).toEqual(before);
      expect(await cursors()).toEqual([]);
      h.stripe.clearFaults();
      expect(await h.app.payments.syncApis()).toMatchObject({ matched: 1 });
    });
  });
});
