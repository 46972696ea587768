/**
 * A fake Stripe API (the parts the import reads), in Stripe's JSON shapes at API version
 * 2025-03-31 and later (an invoice's subscription under parent.subscription_details):
 *
 *   GET /v1/invoices  ?status&created[gte|lt]&limit&starting_after&expand[]=data.payments
 *   GET /v1/charges   ?created[gte|lt]&limit&starting_after
 *   GET /v1/refunds   ?created[gte|lt]&limit&starting_after&expand[]=data.charge
 *   POST /v1/checkout/sessions  (form-encoded; refused with Stripe's 400 when a parameter is wrong)
 *   GET /v1/checkout/sessions   ?status&created[gte|lt]&limit&starting_after
 *
 * `completeSession()` plays the payer: the session becomes complete and its payment appears (a
 * charge in payment mode; a subscription and its first paid invoice in subscription mode).
 *
 * Lists are newest first, `{ object: "list", data, has_more, url }`, paged with starting_after.
 * A wrong key answers 401 like Stripe.
 */
import { FakeHttpServer, type JsonAnswer, type RecordedRequest } from '../http/fake-server';

export const STRIPE_KEY = 'sk_test_fake0123456789abcdef';

type Obj = Record<string, unknown> & { id: string; created: number };

export interface FakeInvoice {
  id: string;
  customer: string;
  email: string | null;
  name?: string | null;
  amountPaid: number;
  currency: string;
  paidAt: Date;
  /** When the invoice was finalized (listed by this): default the payment time. */
  createdAt?: Date;
  subscription?: string | null;
  paymentIntent: string;
}

export interface FakeCharge {
  id: string;
  amount: number;
  currency: string;
  at: Date;
  email: string | null;
  name?: string | null;
  status?: 'succeeded' | 'pending' | 'failed';
  paymentIntent?: string | null;
  customer?: string | null;
}

export interface FakeRefund {
  id: string;
  charge: string;
  paymentIntent?: string | null;
  amount: number;
  currency: string;
  at: Date;
  status?: 'succeeded' | 'pending' | 'failed' | 'canceled';
}

const unix = (d: Date) => Math.floor(d.getTime() / 1000);

/** What Stripe holds about a price the seller created in the dashboard. */
export interface FakePrice {
  id: string;
  unitAmount: number;
  currency: string;
  recurring: boolean;
}

const ZERO_DECIMAL = new Set(['jpy', 'krw', 'vnd', 'clp']);

export class FakeStripe extends FakeHttpServer {
  invoices: Obj[] = [];
  charges: Obj[] = [];
  refunds: Obj[] = [];
  sessions: Obj[] = [];
  prices = new Map<string, FakePrice>();
  /** The metadata Stripe put on each PaymentIntent and Subscription a session created (payment_intent_data / subscription_data). */
  paymentIntentMetadata = new Map<string, Record<string, string>>();
  subscriptionMetadata = new Map<string, Record<string, string>>();
  /** The clock the sessions' `created` is read from (tests move it with their own clock). */
  now: () => Date = () => new Date();
  private counter = 0;
  /** The secret key it accepts (change it to simulate a revoked key). */
  key = STRIPE_KEY;
  /** The Stripe-Version of every request, to check the pinned version is sent. */
  get versions(): string[] {
    return this.requests.map((r) => String(r.headers['stripe-version']));
  }

  addInvoice(i: FakeInvoice): void {
    const created = unix(i.createdAt ?? i.paidAt);
    this.invoices.push({
      id: i.id,
      object: 'invoice',
      account_country: 'US',
      amount_due: i.amountPaid,
      amount_paid: i.amountPaid,
      amount_remaining: 0,
      attempt_count: 1,
      attempted: true,
      billing_reason: i.subscription ? 'subscription_cycle' : 'manual',
      collection_method: 'charge_automatically',
      created,
      currency: i.currency,
      customer: i.customer,
      customer_email: i.email,
      customer_name: i.name ?? null,
      livemode: false,
      number: `FAKE-${this.invoices.length + 1}`,
      parent: i.subscription
        ? { type: 'subscription_details', quote_details: null, subscription_details: { metadata: {}, subscription: i.subscription } }
        : null,
      status: 'paid',
      status_transitions: { finalized_at: created, marked_uncollectible_at: null, paid_at: unix(i.paidAt), voided_at: null },
      total: i.amountPaid,
      _paymentIntent: i.paymentIntent,
    });
    // Paying an invoice creates a charge too: the importer must not count it twice.
    this.addCharge({ id: `ch_for_${i.id}`, amount: i.amountPaid, currency: i.currency, at: i.paidAt, email: i.email, paymentIntent: i.paymentIntent, customer: i.customer });
  }

  addCharge(c: FakeCharge): void {
    const status = c.status ?? 'succeeded';
    this.charges.push({
      id: c.id,
      object: 'charge',
      amount: c.amount,
      amount_captured: status === 'succeeded' ? c.amount : 0,
      amount_refunded: 0,
      billing_details: { address: null, email: c.email, name: c.name ?? null, phone: null },
      captured: status === 'succeeded',
      created: unix(c.at),
      currency: c.currency,
      customer: c.customer ?? null,
      description: null,
      livemode: false,
      paid: status === 'succeeded',
      payment_intent: c.paymentIntent ?? null,
      receipt_email: c.email,
      refunded: false,
      status,
    });
  }

  addRefund(r: FakeRefund): void {
    this.refunds.push({
      id: r.id,
      object: 'refund',
      amount: r.amount,
      charge: r.charge,
      created: unix(r.at),
      currency: r.currency,
      metadata: {},
      payment_intent: r.paymentIntent ?? null,
      reason: 'requested_by_customer',
      status: r.status ?? 'succeeded',
    });
    const charge = this.charges.find((c) => c.id === r.charge);
    if (charge) {
      charge.amount_refunded = Number(charge.amount_refunded) + r.amount;
      charge.refunded = charge.amount_refunded === charge.amount;
    }
  }

  addPrice(price: FakePrice): void {
    this.prices.set(price.id, price);
  }

  /**
   * The payer went through the hosted page, with whatever email they typed. Payment mode: a
   * charge of the session's payment intent; subscription mode: a subscription and its first
   * invoice, paid (the invoice's subscription under parent.subscription_details, like basil).
   */
  completeSession(id: string, payer: { email: string | null; at: Date }): { paymentIntent: string; invoice: string | null; subscription: string | null; charge: string } {
    const session = this.sessions.find((x) => x.id === id);
    if (!session) throw new Error(`no session ${id}`);
    if (session.status !== 'open') throw new Error(`session ${id} is ${String(session.status)}`);
    const n = ++this.counter;
    const paymentIntent = `pi_fake_cs${n}`;
    const amount = Number(session.amount_total);
    const currency = String(session.currency);
    const customer = `cus_fake_cs${n}`;
    let invoice: string | null = null;
    let subscription: string | null = null;
    let charge = `ch_fake_cs${n}`;
    if (session.mode === 'subscription') {
      subscription = `sub_FakeCs${n}`;
      invoice = `in_fake_cs${n}`;
      this.subscriptionMetadata.set(subscription, { ...((session._subscriptionMetadata as Record<string, string>) ?? {}) });
      this.addInvoice({ id: invoice, customer, email: payer.email, amountPaid: amount, currency, paidAt: payer.at, subscription, paymentIntent });
      charge = `ch_for_${invoice}`;
      const sub = this.invoices.find((i) => i.id === invoice)!;
      (sub.parent as { subscription_details: { metadata: Record<string, string> } }).subscription_details.metadata = { ...this.subscriptionMetadata.get(subscription)! };
    } else {
      this.paymentIntentMetadata.set(paymentIntent, { ...((session._paymentIntentMetadata as Record<string, string>) ?? {}) });
      this.addCharge({ id: charge, amount, currency, at: payer.at, email: payer.email, paymentIntent, customer });
    }
    Object.assign(session, {
      status: 'complete',
      payment_status: 'paid',
      customer,
      customer_details: { email: payer.email, name: null },
      payment_intent: session.mode === 'payment' ? paymentIntent : null,
      invoice,
      subscription,
    });
    return { paymentIntent, invoice, subscription, charge };
  }

  /** A later invoice of a subscription (a renewal): no session names it. */
  renew(subscription: string, payer: { email: string | null; amount: number; currency: string; at: Date }): string {
    const n = ++this.counter;
    const id = `in_fake_renew${n}`;
    this.addInvoice({ id, customer: `cus_fake_renew${n}`, email: payer.email, amountPaid: payer.amount, currency: payer.currency, paidAt: payer.at, subscription, paymentIntent: `pi_fake_renew${n}` });
    return id;
  }

  protected handle(r: RecordedRequest): JsonAnswer {
    if (r.headers.authorization !== `Bearer ${this.key}`) {
      const shown = String(r.headers.authorization ?? '').replace(/^Bearer /, '');
      return {
        status: 401,
        body: { error: { message: `Invalid API Key provided: ${shown.slice(0, 8)}********${shown.slice(-4)}`, type: 'invalid_request_error' } },
      };
    }
    if (r.method === 'POST' && r.path === '/v1/checkout/sessions') return this.createSession(new URLSearchParams(r.body));
    if (r.method !== 'GET') return notFound(r);
    const expand = [...r.query.entries()].filter(([k]) => k.startsWith('expand')).map(([, v]) => v);
    switch (r.path) {
      case '/v1/invoices':
        return this.list(r, this.invoices.filter((i) => !r.query.get('status') || i.status === r.query.get('status')), (i) => this.invoice(i, expand));
      case '/v1/charges':
        return this.list(r, this.charges, (c) => c);
      case '/v1/checkout/sessions':
        return this.list(r, this.sessions.filter((x) => !r.query.get('status') || x.status === r.query.get('status')), ({ _paymentIntentMetadata, _subscriptionMetadata, ...x }) => x);
      case '/v1/refunds':
        return this.list(r, this.refunds, (f) => (expand.includes('data.charge') ? { ...f, charge: this.charges.find((c) => c.id === f.charge) ?? f.charge } : f));
      default:
        return notFound(r);
    }
  }

  /** Checks what Stripe checks of a Checkout Session's parameters, then opens the session. */
  private createSession(form: URLSearchParams): JsonAnswer {
    const bad = (param: string, message: string): JsonAnswer => ({ status: 400, body: { error: { message, param, type: 'invalid_request_error' } } });
    const allowed = /^(mode|success_url|cancel_url|client_reference_id|customer_email|metadata\[[^\]]+\]|line_items\[0\]\[(quantity|price|price_data\]\[(currency|unit_amount|product_data\]\[name))\]|payment_intent_data\[metadata\]\[[^\]]+\]|subscription_data\[metadata\]\[[^\]]+\])$/;
    for (const key of form.keys()) if (!allowed.test(key)) return bad(key, `Received unknown parameter: ${key}`);
    const mode = form.get('mode');
    if (mode !== 'payment' && mode !== 'subscription') return bad('mode', 'Invalid mode: must be one of payment, setup, or subscription');
    const success = form.get('success_url');
    if (!success || !/^https?:\/\/[^\s]+$/.test(success)) return bad('success_url', 'Not a valid URL');
    const reference = form.get('client_reference_id');
    if (reference !== null && !/^[A-Za-z0-9_-]{1,200}$/.test(reference)) return bad('client_reference_id', 'Invalid client_reference_id');
    const email = form.get('customer_email');
    if (email !== null && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return bad('customer_email', 'Invalid email address');
    const metadataOf = (prefix: string): Record<string, string> | JsonAnswer => {
      const out: Record<string, string> = {};
      for (const [key, value] of form) {
        if (!key.startsWith(`${prefix}[`)) continue;
        const name = key.slice(prefix.length + 1, -1).replace(/^metadata\]\[/, '');
        if (name.length > 40) return bad(key, 'Metadata keys can be at most 40 characters');
        if (value.length > 500) return bad(key, 'Metadata values can be at most 500 characters');
        out[name] = value;
      }
      return Object.keys(out).length > 50 ? bad(prefix, 'Metadata can have at most 50 keys') : out;
    };
    const metadata = metadataOf('metadata');
    const intentMetadata = metadataOf('payment_intent_data');
    const subscriptionMetadata = metadataOf('subscription_data');
    for (const m of [metadata, intentMetadata, subscriptionMetadata]) if ('status' in m && typeof m.status === 'number') return m as JsonAnswer;
    if (mode === 'subscription' && Object.keys(intentMetadata).length > 0) return bad('payment_intent_data', 'You can not pass `payment_intent_data` in `subscription` mode.');
    if (mode === 'payment' && Object.keys(subscriptionMetadata).length > 0) return bad('subscription_data', 'You can not pass `subscription_data` in `payment` mode.');
    const quantity = Number(form.get('line_items[0][quantity]') ?? NaN);
    if (!Number.isInteger(quantity) || quantity < 1) return bad('line_items[0][quantity]', 'Quantity is required and must be a positive integer');
    const priceId = form.get('line_items[0][price]');
    let amount: number;
    let currency: string;
    if (priceId !== null) {
      const price = this.prices.get(priceId);
      if (!price) return bad('line_items[0][price]', `No such price: '${priceId}'`);
      if (mode === 'subscription' && !price.recurring) return bad('line_items[0][price]', 'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.');
      if (mode === 'payment' && price.recurring) return bad('line_items[0][price]', 'You specified `payment` mode but passed a recurring price.');
      amount = price.unitAmount * quantity;
      currency = price.currency;
    } else {
      if (mode === 'subscription') return bad('line_items[0][price_data][recurring]', 'In `subscription` mode, a line item needs a recurring price');
      currency = form.get('line_items[0][price_data][currency]') ?? '';
      if (!/^[a-z]{3}$/.test(currency)) return bad('line_items[0][price_data][currency]', 'Invalid currency: must be a lower-case ISO code');
      const unit = form.get('line_items[0][price_data][unit_amount]');
      if (unit === null || !/^\d+$/.test(unit)) return bad('line_items[0][price_data][unit_amount]', 'Invalid integer');
      if (!form.get('line_items[0][price_data][product_data][name]')) return bad('line_items[0][price_data][product_data][name]', 'Missing required param: product_data[name].');
      amount = Number(unit) * quantity;
      if (!ZERO_DECIMAL.has(currency) && amount < 50) return bad('line_items[0][price_data][unit_amount]', 'The Checkout Session\'s total amount must be at least 0.50');
    }
    const n = ++this.counter;
    const id = `cs_test_fake${n}`;
    const created = unix(this.now());
    const session: Obj = {
      id,
      object: 'checkout.session',
      amount_total: amount,
      client_reference_id: reference,
      created,
      currency,
      customer: null,
      customer_details: null,
      customer_email: email,
      expires_at: created + 86_400,
      invoice: null,
      livemode: false,
      metadata,
      mode,
      payment_intent: null,
      payment_status: 'unpaid',
      status: 'open',
      subscription: null,
      success_url: success,
      url: `https://checkout.stripe.com/c/pay/${id}`,
      _paymentIntentMetadata: intentMetadata,
      _subscriptionMetadata: subscriptionMetadata,
    };
    this.sessions.push(session);
    const { _paymentIntentMetadata, _subscriptionMetadata, ...shown } = session;
    return { status: 200, body: shown };
  }

  private invoice(i: Obj, expand: string[]): Obj {
    const { _paymentIntent, ...rest } = i;
    if (!expand.includes('data.payments')) return rest as Obj;
    return {
      ...rest,
      payments: {
        object: 'list',
        data: [
          {
            id: `inpay_${i.id.slice(3)}`,
            object: 'invoice_payment',
            amount_paid: i.amount_paid,
            amount_requested: i.amount_paid,
            created: i.created,
            currency: i.currency,
            invoice: i.id,
            is_default: true,
            livemode: false,
            payment: { type: 'payment_intent', payment_intent: _paymentIntent },
            status: 'paid',
            status_transitions: { canceled_at: null, paid_at: (i.status_transitions as { paid_at: number }).paid_at },
          },
        ],
        has_more: false,
        url: `/v1/invoices/${i.id}/payments`,
      },
    };
  }

  private list(r: RecordedRequest, all: Obj[], render: (o: Obj) => unknown): JsonAnswer {
    const gte = r.query.get('created[gte]');
    const lt = r.query.get('created[lt]');
    const limit = Number(r.query.get('limit') ?? 10);
    if (!(limit >= 1 && limit <= 100)) {
      return { status: 400, body: { error: { message: 'Invalid integer: limit must be between 1 and 100', param: 'limit', type: 'invalid_request_error' } } };
    }
    let items = all
      .filter((o) => (gte === null || o.created >= Number(gte)) && (lt === null || o.created < Number(lt)))
      .sort((a, b) => b.created - a.created || b.id.localeCompare(a.id));
    const after = r.query.get('starting_after');
    if (after) {
      const at = items.findIndex((o) => o.id === after);
      if (at < 0) return { status: 400, body: { error: { message: `No such object: '${after}'`, param: 'starting_after', type: 'invalid_request_error' } } };
      items = items.slice(at + 1);
    }
    return { status: 200, body: { object: 'list', data: items.slice(0, limit).map(render), has_more: items.length > limit, url: r.path } };
  }
}

function notFound(r: RecordedRequest): JsonAnswer {
  return { status: 404, body: { error: { message: `Unrecognized request URL (${r.method}: ${r.path}).`, type: 'invalid_request_error' } } };
}
