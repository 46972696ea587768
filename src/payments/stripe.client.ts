import Stripe from 'stripe';
import { PaymentAuthError, PaymentHttpError, PaymentNetworkError, PaymentSourceError, PaymentTimeoutError } from './errors';
import { minorUnitsToCents } from './money';
import type { SourceFetch, TransactionSource } from './source';
import { validateTransaction, type ImportedTransaction, type TransactionStatus } from './transaction';

/**
 * The Stripe API version this code reads. Since 2025-03-31 ("basil") an invoice's subscription is
 * `invoice.parent.subscription_details.subscription` and charges no longer name their invoice;
 * the package's types describe exactly this version.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export interface StripeOptions {
  secretKey: string;
  /** Another address than api.stripe.com (a test fake): `http://127.0.0.1:12345`. */
  apiUrl?: string;
  timeoutMs?: number;
  retries?: number;
}

const PROVIDER = 'Stripe';
/**
 * An invoice can be created (finalized) well before it is paid, and invoices can only be listed
 * by creation date: look this far back for invoices paid in the window.
 */
const INVOICE_LOOKBACK_MS = 35 * 86_400_000;
/** A Checkout Session can be paid until it expires, 24 h after it was created: look that far back for sessions. */
const SESSION_LOOKBACK_MS = 2 * 86_400_000;

/** What completed Checkout Sessions tell about the payments they created: who (the reference) and which subscription. */
interface SessionLinks {
  byIntent: Map<string, string>;
  byInvoice: Map<string, { reference: string; subscription: string | null }>;
  bySubscription: Map<string, string>;
}

/**
 * Paid invoices, charges outside invoices, and refunds, through the official `stripe` package.
 * A charge that pays an invoice is the invoice's payment, not a second one: it is recognized by
 * the invoice's payments (its payment intent or charge) and skipped.
 */
export class StripeClient implements TransactionSource {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;
  private readonly timeoutMs: number;

  constructor(private readonly options: StripeOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.stripe = createStripe(options, 3);
  }

  async fetch(since: Date, until: Date): Promise<SourceFetch> {
    const result: SourceFetch = { transactions: [], ignored: 0, syncedThrough: until, notes: [] };
    const window = { gte: seconds(since), lt: seconds(until) };
    // Payment intents and charges that paid an invoice → that invoice's id.
    const invoiceOf = new Map<string, string>();
    const links: SessionLinks = { byIntent: new Map(), byInvoice: new Map(), bySubscription: new Map() };

    // The sessions the bot created name their user: read first, so every payment below can carry its reference.
    await this.call('GET /v1/checkout/sessions', async () => {
      const list = this.stripe.checkout.sessions.list({ status: 'complete', created: { gte: seconds(new Date(since.getTime() - SESSION_LOOKBACK_MS)) }, limit: 100 });
      try {
        for await (const session of list) {
          const reference = session.client_reference_id;
          if (!reference) continue;
          const subscription = session.subscription ? idOf(session.subscription) : null;
          if (session.payment_intent) links.byIntent.set(idOf(session.payment_intent), reference);
          if (session.invoice) links.byInvoice.set(idOf(session.invoice), { reference, subscription });
          if (subscription) links.bySubscription.set(subscription, reference);
        }
      } catch (error) {
        // A restricted key made for the import before pay buttons existed: the payments still import, matched by the other rules.
        if (!(error instanceof Stripe.errors.StripePermissionError)) throw error;
        links.byIntent.clear();
        links.byInvoice.clear();
        links.bySubscription.clear();
        result.notes.push('the Stripe key cannot read Checkout Sessions: card payments from pay buttons were matched by email, not by their reference (give the key read access to Checkout Sessions)');
      }
    });

    await this.call('GET /v1/invoices', async () => {
      const list = this.stripe.invoices.list({
        status: 'paid',
        created: { gte: seconds(new Date(since.getTime() - INVOICE_LOOKBACK_MS)), lt: window.lt },
        limit: 100,
        expand: ['data.payments'],
      });
      for await (const invoice of list) {
        for (const p of invoice.payments?.data ?? []) {
          for (const ref of [p.payment.payment_intent, p.payment.charge]) if (ref) invoiceOf.set(idOf(ref), invoice.id!);
        }
        const paidAt = invoice.status_transitions.paid_at;
        if (paidAt === null || paidAt < window.gte || paidAt >= window.lt) continue;
        result.transactions.push(this.invoiceTransaction(invoice, paidAt, links));
      }
    });

    await this.call('GET /v1/charges', async () => {
      for await (const charge of this.stripe.charges.list({ created: window, limit: 100 })) {
        if (invoiceOf.has(charge.id) || (charge.payment_intent && invoiceOf.has(idOf(charge.payment_intent)))) {
          result.ignored++;
          continue;
        }
        result.transactions.push(this.chargeTransaction(charge, links));
      }
    });

    await this.call('GET /v1/refunds', async () => {
      for await (const refund of this.stripe.refunds.list({ created: window, limit: 100, expand: ['data.charge'] })) {
        const charge = refund.charge && typeof refund.charge === 'object' ? refund.charge : null;
        const chargeId = refund.charge ? idOf(refund.charge) : null;
        const intentId = refund.payment_intent ? idOf(refund.payment_intent) : null;
        // A refund of an invoice's payment refers to the invoice, which is what was imported.
        const reference = (intentId && invoiceOf.get(intentId)) || (chargeId && invoiceOf.get(chargeId)) || chargeId;
        result.transactions.push(
          checked({
            source: 'stripe',
            transactionId: refund.id,
            kind: 'refund',
            status: refundStatus(refund.status),
            occurredAt: new Date(refund.created * 1000),
            amountCents: minorUnitsToCents(refund.amount, refund.currency),
            currency: refund.currency.toUpperCase(),
            payerEmail: charge?.billing_details?.email ?? charge?.receipt_email ?? null,
            payerName: charge?.billing_details?.name ?? null,
            subscriptionId: null,
            referenceTransactionId: reference,
          }),
        );
      }
    });
    return result;
  }

  private invoiceTransaction(invoice: Stripe.Invoice, paidAt: number, links: SessionLinks): ImportedTransaction {
    const session = links.byInvoice.get(invoice.id!);
    const parent = invoice.parent?.subscription_details?.subscription ?? null;
    const subscription = parent ? idOf(parent) : (session?.subscription ?? null);
    return checked({
      source: 'stripe',
      transactionId: invoice.id,
      kind: 'payment',
      status: 'completed',
      occurredAt: new Date(paidAt * 1000),
      amountCents: minorUnitsToCents(invoice.amount_paid, invoice.currency),
      currency: invoice.currency.toUpperCase(),
      payerEmail: invoice.customer_email ?? null,
      payerName: invoice.customer_name ?? null,
      subscriptionId: subscription,
      referenceTransactionId: null,
      // Renewals of a subscription started at checkout name no session of their own: the subscription does.
      checkoutReference: session?.reference ?? (subscription ? links.bySubscription.get(subscription) : undefined) ?? null,
    });
  }

  private chargeTransaction(charge: Stripe.Charge, links: SessionLinks): ImportedTransaction {
    return checked({
      source: 'stripe',
      transactionId: charge.id,
      kind: 'payment',
      status: charge.status === 'succeeded' && charge.paid ? 'completed' : charge.status === 'pending' ? 'pending' : 'denied',
      occurredAt: new Date(charge.created * 1000),
      amountCents: minorUnitsToCents(charge.amount, charge.currency),
      currency: charge.currency.toUpperCase(),
      payerEmail: charge.billing_details?.email ?? charge.receipt_email ?? null,
      payerName: charge.billing_details?.name ?? null,
      subscriptionId: null,
      referenceTransactionId: null,
      checkoutReference: (charge.payment_intent && links.byIntent.get(idOf(charge.payment_intent))) || null,
    });
  }

  /** Runs one listing; every Stripe failure becomes a typed error that names no key. */
  private async call(request: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      throw this.translate(error, request);
    }
  }

  private translate(error: unknown, request: string): Error {
    if (error instanceof PaymentSourceError) return error;
    if (!(error instanceof Stripe.errors.StripeError)) return error instanceof Error ? error : new Error(String(error));
    const status = error.statusCode ?? 0;
    const attempts = (this.options.retries ?? 3) + 1;
    switch (error.type) {
      case 'StripeAuthenticationError':
        return new PaymentAuthError('Stripe rejected the secret key (401): check STRIPE_SECRET_KEY');
      case 'StripePermissionError':
        return new PaymentAuthError(`Stripe refused ${request} (403): the key needs read access to invoices, charges, refunds and Checkout Sessions (a restricted key can be given it)`);
      case 'StripeConnectionError':
        if (/timeout/i.test(error.message)) return new PaymentTimeoutError(PROVIDER, request, this.timeoutMs);
        return new PaymentNetworkError(PROVIDER, request, this.options.apiUrl ?? 'https://api.stripe.com', 'connection failed', attempts);
      case 'StripeAPIError':
      case 'StripeRateLimitError':
        return new PaymentHttpError(PROVIDER, status || 500, request, attempts);
      default:
        return new PaymentHttpError(PROVIDER, status, request, 1, error.message);
    }
  }
}

function checked(input: ImportedTransaction): ImportedTransaction {
  const result = validateTransaction(input);
  if (!result.ok) throw new PaymentSourceError(`Stripe sent an invalid ${input.transactionId}: ${result.reason}`);
  return result.value;
}

function refundStatus(status: string | null): TransactionStatus {
  if (status === 'succeeded') return 'completed';
  if (status === 'pending' || status === 'requires_action') return 'pending';
  if (status === 'failed') return 'denied';
  if (status === 'canceled') return 'canceled';
  return 'other';
}

function idOf(ref: string | { id?: string }): string {
  return typeof ref === 'string' ? ref : (ref.id ?? '');
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/**
 * The official package on the pinned API version, pointed at STRIPE_API_URL when one is set (a
 * proxy or the test fake). Its own retries send an Idempotency-Key, so a create is never doubled.
 */
export function createStripe(options: StripeOptions, defaultRetries: number): Stripe {
  const url = options.apiUrl ? new URL(options.apiUrl) : null;
  return new Stripe(options.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: options.retries ?? defaultRetries,
    timeout: options.timeoutMs ?? 30_000,
    telemetry: false,
    ...(url
      ? { host: url.hostname, port: url.port || (url.protocol === 'http:' ? 80 : 443), protocol: url.protocol === 'http:' ? ('http' as const) : ('https' as const) }
      : {}),
  });
}
