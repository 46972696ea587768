import { ConfigError, type Config } from '../config/config';
import { PayPalApiClient } from './paypal-api.client';
import type { TransactionSource } from './source';
import { StripeClient } from './stripe.client';

/** The provider APIs the configuration enables: PayPal with an app's ID and secret, Stripe with a secret key. */
export function configuredSources(config: Config): TransactionSource[] {
  const sources: TransactionSource[] = [];
  const http = { timeoutMs: config.PAYMENTS_TIMEOUT_MS, retries: config.PAYMENTS_RETRIES };
  if (config.PAYPAL_CLIENT_ID || config.PAYPAL_CLIENT_SECRET) {
    if (!config.PAYPAL_CLIENT_ID || !config.PAYPAL_CLIENT_SECRET) {
      throw new ConfigError(`${config.PAYPAL_CLIENT_ID ? 'PAYPAL_CLIENT_SECRET' : 'PAYPAL_CLIENT_ID'} is not set: the PayPal API needs both the app's client ID and secret`);
    }
    sources.push(
      new PayPalApiClient({
        baseUrl: config.PAYPAL_API_URL,
        clientId: config.PAYPAL_CLIENT_ID,
        clientSecret: config.PAYPAL_CLIENT_SECRET,
        retryDelayMs: config.PAYMENTS_RETRY_DELAY_MS,
        ...http,
      }),
    );
  }
  if (config.STRIPE_SECRET_KEY) sources.push(new StripeClient({ secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL, ...http }));
  return sources;
}
