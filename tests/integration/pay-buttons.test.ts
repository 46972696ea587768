import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { StripeCheckoutClient } from '../../src/payments/stripe-checkout.client';
import { STRIPE_KEY } from '../fakes/stripe/fake-stripe';
import { DATABASE_KINDS } from '../support/databases';
import { SMALL_USERS as U, startPaymentsHarness, type PaymentsHarness } from '../support/payments';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(DATABASE_KINDS)('pay buttons and Stripe Checkout on %s', (kind) => {
  let h: PaymentsHarness;
  let app: App;
  let logs: string[];
  beforeEach(async () => {
    h = await startPaymentsHarness(kind, { STRIPE_SUCCESS_URL: 'https://example.org/thanks' });
    h.stripe.now = () => h.clock.now();
    // The same app with its logs captured: the Stripe key must never reach them.
    logs = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    app = await createApp(loadConfig({ ...h.env, LOG_LEVEL: 'debug' }), { clock: h.clock, logger: createLogger('debug', sink) });
  });
  afterEach(async () => {
    await app?.close();
    await h.close();
  });

  const sessionForms = () => h.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions').map((r) => Object.fromEntries(new URLSearchParams(r.body)));
  const imported = (plexId: number) => app.payments.listPayments(plexId).then((v) => v.payments.filter((p) => !p.default));

  it('offers the filled pay link and a fresh one-off Checkout Session per click that names the user', async () => {
    await app.pay.setPlanPay('Monthly', { url: 'https://paypal.me/owner/{amount}{currency}?memo={email}&who={plexId}' });
    const first = await app.pay.payOptions(U.obrien);
    expect(first).toEqual([
      { label: 'Pay 10.00 USD', url: `https://paypal.me/owner/10.00USD?memo=obrien%40example.com&who=${U.obrien}` },
      { label: 'Pay with card', url: 'https://checkout.stripe.com/c/pay/cs_test_fake1' },
    ]);
    const second = await app.pay.payOptions(U.obrien);
    expect(second[1]!.url).toBe('https://checkout.stripe.com/c/pay/cs_test_fake2');
    const reference = `smb-user-${U.obrien}`;
    expect(sessionForms()[0]).toEqual({
      mode: 'payment',
      client_reference_id: reference,
      customer_email: 'obrien@example.com',
      success_url: 'https://example.org/thanks',
      'metadata[smb_user]': reference,
      'metadata[smb_plex_id]': String(U.obrien),
      'metadata[smb_plan]': 'Monthly',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '1000',
      'line_items[0][price_data][product_data][name]': 'Monthly',
      'payment_intent_data[metadata][smb_user]': reference,
      'payment_intent_data[metadata][smb_plex_id]': String(U.obrien),
      'payment_intent_data[metadata][smb_plan]': 'Monthly',
    });
    expect(h.stripe.sessions.map((s) => s.status)).toEqual(['open', 'open']);
    expect(logs.join('')).not.toContain(STRIPE_KEY);
  });

  it('a plan with a Stripe price opens a subscription; Stripe refusing leaves the card out, logged without the key', async () => {
    h.stripe.addPrice({ id: 'price_monthly', unitAmount: 1000, currency: 'usd', recurring: true });
    await app.pay.setPlanPay('Monthly', { stripePrice: 'price_monthly' });
    expect(await app.pay.payOptions(U.unal)).toEqual([{ label: 'Pay with card', url: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//) }]);
    expect(sessionForms()[0]).toMatchObject({
      mode: 'subscription',
      'line_items[0][price]': 'price_monthly',
      client_reference_id: `smb-user-${U.unal}`,
      'subscription_data[metadata][smb_user]': `smb-user-${U.unal}`,
    });
    expect(Object.keys(sessionForms()[0]!).some((k) => k.startsWith('payment_intent_data'))).toBe(false);

    // A price deleted in the dashboard: Stripe says 400, the member gets the other options.
    await app.pay.setPlanPay('Monthly', { url: 'https://paypal.me/owner/{amount}', stripePrice: 'price_gone' });
    expect(await app.pay.payOptions(U.unal)).toEqual([{ label: 'Pay 10.00 USD', url: 'https://paypal.me/owner/10.00' }]);
    // A revoked key: the same, and the log names neither key.
    h.stripe.key = 'sk_test_rotated';
    expect(await app.pay.payOptions(U.unal)).toHaveLength(1);
    const text = logs.join('');
    expect(text).toContain('No such price');
    expect(text).toContain('check STRIPE_SECRET_KEY');
    expect(text).not.toContain(STRIPE_KEY);
    expect(text).not.toContain('sk_test_rotated');
  });

  it('without STRIPE_SECRET_KEY there is no card button; a plan without options offers nothing', async () => {
    const noStripe = await createApp(loadConfig({ ...h.env, STRIPE_SECRET_KEY: '' }), { clock: h.clock, logger: createLogger('silent') });
    try {
      expect(await noStripe.pay.payOptions(U.obrien)).toEqual([]);
      await noStripe.pay.setPlanPay('Monthly', { url: 'https://paypal.me/owner/{amount}{currency}' });
      expect(await noStripe.pay.payOptions(U.obrien)).toEqual([{ label: 'Pay 10.00 USD', url: 'https://paypal.me/owner/10.00USD' }]);
      expect(sessionForms()).toEqual([]);
    } finally {
      await noStripe.close();
    }
  });

  it('refuses a template with an unknown placeholder or no web address, and a price that is not price_…', async () => {
    await expect(app.pay.setPlanPay('Monthly', { url: 'https://paypal.me/owner/{price}' })).rejects.toThrow(/unknown placeholder \{price\}/);
    await expect(app.pay.setPlanPay('Monthly', { url: 'javascript:alert({amount})' })).rejects.toThrow(/https:\/\//);
    await expect(app.pay.setPlanPay('Monthly', { stripePrice: 'prod_123' })).rejects.toThrow(/not a Stripe price ID/);
    await expect(app.pay.setPlanPay('Nope', { stripePrice: 'price_1' })).rejects.toThrow(/no plan named "Nope"/);
    await app.pay.setPlanPay('Monthly', { url: 'https://paypal.me/owner/{amount}', stripePrice: 'price_1' });
    expect(await app.pay.setPlanPay('Monthly', { none: true })).toEqual({ name: 'Monthly', payUrlTemplate: null, stripePriceId: null });
  });

  it('the import matches a checkout payment by its reference first, even paid from another user\'s email', async () => {
    await app.pay.payOptions(U.obrien);
    h.clock.advance(HOUR);
    // O'Brien pays with Zoë's card and email: the email rule would give it to Zoë.
    h.stripe.completeSession('cs_test_fake1', { email: 'zoe@example.com', at: new Date(h.clock.now().getTime() - 10 * 60_000) });
    const summary = await app.payments.syncApis();
    expect(summary).toMatchObject({ matched: 1, unmatched: 0 });
    expect(summary.notices.filter((n) => n.kind !== 'source')).toEqual([
      { kind: 'reference', transactionId: 'ch_fake_cs2', message: "payment of 10.00 USD for O'Brien & Søn (plex 1001) matched by checkout reference, paid from zoe@example.com" },
    ]);
    expect(await imported(U.obrien)).toEqual([expect.objectContaining({ source: 'stripe', transactionId: 'ch_fake_cs2', amount: '10.00' })]);
    expect(await imported(U.zoe)).toEqual([]);
    expect(h.stripe.requests.find((r) => r.method === 'GET' && r.path === '/v1/checkout/sessions')?.query.get('status')).toBe('complete');
    expect(h.stripe.paymentIntentMetadata.get('pi_fake_cs2')).toEqual({ smb_user: `smb-user-${U.obrien}`, smb_plex_id: String(U.obrien), smb_plan: 'Monthly' });
  });

  it('a subscription started at checkout is stored on the payment, so renewals match by the subscription rule', async () => {
    h.stripe.addPrice({ id: 'price_monthly', unitAmount: 1000, currency: 'usd', recurring: true });
    await app.pay.setPlanPay('Monthly', { stripePrice: 'price_monthly' });
    await app.pay.payOptions(U.unal);
    h.clock.advance(HOUR);
    // Paid from O'Brien's email: the reference still says Ünal.
    const paid = h.stripe.completeSession('cs_test_fake1', { email: 'obrien@example.com', at: new Date(h.clock.now().getTime() - 10 * 60_000) });
    const first = await app.payments.syncApis();
    expect(first).toMatchObject({ matched: 1, unmatched: 0 });
    expect(first.notices.map((n) => n.kind).filter((k) => k !== 'source')).toEqual(['reference']);
    expect(await imported(U.unal)).toEqual([expect.objectContaining({ transactionId: paid.invoice, subscriptionId: paid.subscription })]);
    expect(await imported(U.obrien)).toEqual([]);
    expect(h.stripe.subscriptionMetadata.get(paid.subscription!)).toMatchObject({ smb_user: `smb-user-${U.unal}` });

    // Syncs move on; a month later the renewal comes, its session long out of the listing window.
    h.clock.advance(20 * DAY);
    expect(await app.payments.syncApis()).toMatchObject({ imported: 0 });
    h.clock.advance(10 * DAY);
    const renewal = h.stripe.renew(paid.subscription!, { email: 'obrien@example.com', amount: 1000, currency: 'usd', at: new Date(h.clock.now().getTime() - HOUR) });
    const second = await app.payments.syncApis();
    expect(second).toMatchObject({ matched: 1, unmatched: 0 });
    expect(second.notices.filter((n) => n.kind !== 'source')).toEqual([]);
    expect((await imported(U.unal)).map((p) => p.transactionId)).toEqual([paid.invoice, renewal]);
    expect(await imported(U.obrien)).toEqual([]);
  });

  it('a key that cannot read Checkout Sessions still imports, by the other rules, and says so', async () => {
    await app.pay.payOptions(U.obrien);
    h.clock.advance(HOUR);
    h.stripe.completeSession('cs_test_fake1', { email: 'zoe@example.com', at: new Date(h.clock.now().getTime() - 60_000) });
    h.stripe.injectFault({ method: 'GET', path: /^\/v1\/checkout\/sessions$/, status: 403, body: { error: { type: 'invalid_request_error', message: 'The provided key does not have the required permissions' } } });
    const summary = await app.payments.syncApis();
    expect(summary).toMatchObject({ matched: 1 });
    expect(summary.notices).toContainEqual(expect.objectContaining({ kind: 'source', message: expect.stringContaining('cannot read Checkout Sessions') }));
    expect(await imported(U.zoe)).toHaveLength(1);
  });

  it('a reference naming no current user is held as unmatched, never given to the payer email\'s user', async () => {
    const checkout = new StripeCheckoutClient({ secretKey: STRIPE_KEY, apiUrl: h.env.STRIPE_API_URL });
    const session = await checkout.createSession({ plexId: 999_999, planName: 'Monthly', priceCents: 1000, currency: 'USD', stripePriceId: null, email: null, successUrl: 'https://example.org/ok' });
    h.clock.advance(HOUR);
    h.stripe.completeSession(session.id, { email: 'obrien@example.com', at: new Date(h.clock.now().getTime() - 60_000) });
    const summary = await app.payments.syncApis();
    expect(summary).toMatchObject({ matched: 0, unmatched: 1 });
    expect(await imported(U.obrien)).toEqual([]);
    expect(await app.payments.listUnmatched()).toEqual([expect.objectContaining({ reason: expect.stringContaining('checkout reference smb-user-999999 names no current user') })]);
  });

  it('the fake refuses what Stripe refuses: a one-off price in subscription mode, a bad reference, an unknown parameter', async () => {
    h.stripe.addPrice({ id: 'price_once', unitAmount: 1000, currency: 'usd', recurring: false });
    const checkout = new StripeCheckoutClient({ secretKey: STRIPE_KEY, apiUrl: h.env.STRIPE_API_URL, retries: 0 });
    const base = { plexId: U.obrien, planName: 'Monthly', priceCents: 1000, currency: 'USD', email: null, successUrl: 'https://example.org/ok' };
    await expect(checkout.createSession({ ...base, stripePriceId: 'price_once' })).rejects.toThrow(/type=recurring/);
    await expect(checkout.createSession({ ...base, stripePriceId: null, priceCents: 10 })).rejects.toThrow(/at least 0.50/);
    const raw = await fetch(`${h.env.STRIPE_API_URL}/v1/checkout/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${STRIPE_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'mode=payment&success_url=https%3A%2F%2Fx.example&client_reference_id=has%20space&line_items[0][price]=price_once&line_items[0][quantity]=1',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { param: 'client_reference_id' } });
  });
});
