import Stripe from 'stripe';
import { checkoutReference } from './checkout-reference';
import { PaymentAuthError, PaymentHttpError, PaymentNetworkError, PaymentTimeoutError } from './errors';
import { centsToMinorUnits } from './money';
import { createStripe, type StripeOptions } from './stripe.client';

export interface CheckoutRequest {
  plexId: number;
  planName: string;
  priceCents: number;
  currency: string;
  /** A Stripe price (`price_…`): a subscription to it; without one, a one-off payment of the plan's price. */
  stripePriceId: string | null;
  /** Prefills the payer's email on Stripe's page (they may change it: the reference still names them). */
  email: string | null;
  successUrl: string;
}

export interface CheckoutSession {
  id: string;
  url: string;
}

/**
 * Creates Stripe Checkout Sessions that name their user: `client_reference_id`, the session's
 * metadata, and the metadata of the payment intent or subscription it creates all carry the
 * user's reference, so the import can match the payment whatever email the payer typed.
 */
export class StripeCheckoutClient {
  private readonly stripe: Stripe;
  private readonly timeoutMs: number;

  constructor(private readonly options: StripeOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.stripe = createStripe(options, 2);
  }

  async createSession(request: CheckoutRequest): Promise<CheckoutSession> {
    const reference = checkoutReference(request.plexId);
    const metadata = { smb_user: reference, smb_plex_id: String(request.plexId), smb_plan: request.planName };
    const common: Stripe.Checkout.SessionCreateParams = {
      client_reference_id: reference,
      metadata,
      success_url: request.successUrl,
      ...(request.email ? { customer_email: request.email } : {}),
    };
    const params: Stripe.Checkout.SessionCreateParams = request.stripePriceId
      ? { ...common, mode: 'subscription', line_items: [{ price: request.stripePriceId, quantity: 1 }], subscription_data: { metadata } }
      : {
          ...common,
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: request.currency.toLowerCase(),
                unit_amount: centsToMinorUnits(request.priceCents, request.currency),
                product_data: { name: request.planName },
              },
            },
          ],
          payment_intent_data: { metadata },
        };
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.create(params);
    } catch (error) {
      throw this.translate(error);
    }
    if (!session.url) throw new PaymentHttpError('Stripe', 200, 'POST /v1/checkout/sessions', 1, 'the session has no URL');
    return { id: session.id, url: session.url };
  }

  private translate(error: unknown): Error {
    const request = 'POST /v1/checkout/sessions';
    if (!(error instanceof Stripe.errors.StripeError)) return error instanceof Error ? error : new Error(String(error));
    switch (error.type) {
      case 'StripeAuthenticationError':
        return new PaymentAuthError('Stripe rejected the secret key (401): check STRIPE_SECRET_KEY');
      case 'StripePermissionError':
        return new PaymentAuthError(`Stripe refused ${request} (403): the key needs write access to Checkout Sessions`);
      case 'StripeConnectionError':
        if (/timeout/i.test(error.message)) return new PaymentTimeoutError('Stripe', request, this.timeoutMs);
        return new PaymentNetworkError('Stripe', request, this.options.apiUrl ?? 'https://api.stripe.com', 'connection failed', (this.options.retries ?? 2) + 1);
      default:
        // Stripe's own words name the parameter it refused (a wrong price ID…), never the key.
        return new PaymentHttpError('Stripe', error.statusCode ?? 0, request, 1, error.message);
    }
  }
}
