/**
 * A fake Stripe API (the parts the import reads), in Stripe's JSON shapes at API version
 * 2025-03-31 and later (an invoice's subscription under parent.subscription_details):
 *
 *   GET /v1/invoices  ?status&created[gte|lt]&limit&starting_after&expand[]=data.payments
 *   GET /v1/charges   ?created[gte|lt]&limit&starting_after
 *   GET /v1/refunds   ?created[gte|lt]&limit&starting_after&expand[]=data.charge
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

export class FakeStripe extends FakeHttpServer {
  invoices: Obj[] = [];
  charges: Obj[] = [];
  refunds: Obj[] = [];
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

  protected handle(r: RecordedRequest): JsonAnswer {
    if (r.headers.authorization !== `Bearer ${this.key}`) {
      const shown = String(r.headers.authorization ?? '').replace(/^Bearer /, '');
      return {
        status: 401,
        body: { error: { message: `Invalid API Key provided: ${shown.slice(0, 8)}********${shown.slice(-4)}`, type: 'invalid_request_error' } },
      };
    }
    if (r.method !== 'GET') return notFound(r);
    const expand = [...r.query.entries()].filter(([k]) => k.startsWith('expand')).map(([, v]) => v);
    switch (r.path) {
      case '/v1/invoices':
        return this.list(r, this.invoices.filter((i) => !r.query.get('status') || i.status === r.query.get('status')), (i) => this.invoice(i, expand));
      case '/v1/charges':
        return this.list(r, this.charges, (c) => c);
      case '/v1/refunds':
        return this.list(r, this.refunds, (f) => (expand.includes('data.charge') ? { ...f, charge: this.charges.find((c) => c.id === f.charge) ?? f.charge } : f));
      default:
        return notFound(r);
    }
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
