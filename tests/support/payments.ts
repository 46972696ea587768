import type { App } from '../../src/app';
import { FakePayPal, PAYPAL_CLIENT } from '../fakes/paypal/fake-paypal';
import { FakeStripe, STRIPE_KEY } from '../fakes/stripe/fake-stripe';
import { smallAccount, SMALL_USERS } from '../fakes/plex/plex-data';
import type { DatabaseKind } from './databases';
import { startHarness, T0, type Harness } from './harness';

export interface PaymentsHarness extends Harness {
  paypal: FakePayPal;
  stripe: FakeStripe;
  /** Raw SQL on the test database, for setup and assertions. */
  q<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** The app on a fresh database with the small plex.tv account synced, plans, and fake PayPal and Stripe APIs. */
export async function startPaymentsHarness(kind: DatabaseKind, env: Record<string, string> = {}): Promise<PaymentsHarness> {
  const paypal = new FakePayPal(T0);
  const stripe = new FakeStripe();
  const [paypalUrl, stripeUrl] = [await paypal.start(), await stripe.start()];
  const h = await startHarness(kind, smallAccount(), {
    PAYPAL_CLIENT_ID: PAYPAL_CLIENT.id,
    PAYPAL_CLIENT_SECRET: PAYPAL_CLIENT.secret,
    PAYPAL_API_URL: paypalUrl,
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_API_URL: stripeUrl,
    PAYMENTS_RETRIES: '1',
    PAYMENTS_RETRY_DELAY_MS: '5',
    PAYMENTS_TIMEOUT_MS: '2000',
    ...env,
  });
  await seedPlans(h.app);
  await h.app.usersSync().run();
  return {
    ...h,
    paypal,
    stripe,
    q: (sql, params = []) => h.app.store.dataSource.query(sql, params),
    close: async () => {
      await h.close();
      await paypal.stop();
      await stripe.stop();
    },
  };
}

/** Monthly 10 USD (default), Yearly 100 USD, Mensuel 9 EUR. */
export async function seedPlans(app: App): Promise<void> {
  await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', currency: 'USD', makeDefault: true });
  await app.catalog.createPlan({ name: 'Yearly', duration: '12m', price: '100.00', currency: 'USD' });
  await app.catalog.createPlan({ name: 'Mensuel', duration: '1m', price: '9.00', currency: 'EUR' });
}

export { SMALL_USERS };

export interface CsvRow {
  date: string;
  time?: string;
  zone?: string;
  name?: string;
  type?: string;
  status?: string;
  currency?: string;
  gross: string;
  from?: string;
  to?: string;
  id: string;
  reference?: string;
  impact?: string;
}

/** A small PayPal download (a common 19-column-style subset of the real headers, quoted, CRLF, BOM). */
export function paypalCsv(rows: CsvRow[]): string {
  const header = ['Date', 'Time', 'TimeZone', 'Name', 'Type', 'Status', 'Currency', 'Gross', 'Fee', 'Net', 'From Email Address', 'To Email Address', 'Transaction ID', 'Reference Txn ID', 'Balance Impact'];
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const lines = rows.map((r) =>
    [r.date, r.time ?? '12:00:00', r.zone ?? 'GMT', r.name ?? '', r.type ?? 'General Payment', r.status ?? 'Completed', r.currency ?? 'USD', r.gross, '0.00', r.gross,
      r.from ?? '', r.to ?? 'owner@example.com', r.id, r.reference ?? '', r.impact ?? (r.gross.startsWith('-') ? 'Debit' : 'Credit')]
      .map(quote)
      .join(','),
  );
  return `\ufeff${[header.map(quote).join(','), ...lines].join('\r\n')}\r\n`;
}
