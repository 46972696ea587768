/**
 * A fake PayPal REST API for the Transaction Search import, in PayPal's JSON shapes:
 *
 *   POST /v1/oauth2/token            Basic client_id:secret, grant_type=client_credentials
 *   GET  /v1/reporting/transactions  Bearer; start_date/end_date at most 31 days apart (else 400),
 *                                    page_size ≤ 500, page; "Data for the given start date is not
 *                                    available" past the last refresh
 */
import { FakeHttpServer, type JsonAnswer, type RecordedRequest } from '../http/fake-server';

export interface PayPalTransaction {
  transaction_info: {
    paypal_account_id?: string;
    transaction_id: string;
    paypal_reference_id?: string;
    paypal_reference_id_type?: string;
    transaction_event_code: string;
    transaction_initiation_date: string;
    transaction_updated_date: string;
    transaction_amount: { currency_code: string; value: string };
    fee_amount?: { currency_code: string; value: string };
    transaction_status: string;
    transaction_subject?: string;
    protection_eligibility?: string;
  };
  payer_info?: {
    account_id?: string;
    email_address?: string;
    address_status?: string;
    payer_status?: string;
    payer_name?: { given_name?: string; surname?: string; alternate_full_name?: string };
    country_code?: string;
  };
  shipping_info?: Record<string, unknown>;
  cart_info?: Record<string, unknown>;
  store_info?: Record<string, unknown>;
  auction_info?: Record<string, unknown>;
  incentive_info?: Record<string, unknown>;
}

export const PAYPAL_CLIENT = { id: 'AfakeClientId-0123456789', secret: 'EfakeSecret-9876543210' };
const MAX_RANGE_MS = 31 * 86_400_000;

/** One PayPal transaction in the API's shape; amount as a signed decimal string. */
export function paypalTransaction(init: {
  id: string;
  code: string;
  at: Date;
  value: string;
  currency?: string;
  status?: 'S' | 'P' | 'D' | 'V';
  email?: string;
  name?: string;
  reference?: string;
  referenceType?: string;
}): PayPalTransaction {
  const stamp = `${init.at.toISOString().slice(0, 19)}+0000`;
  const currency = init.currency ?? 'USD';
  return {
    transaction_info: {
      paypal_account_id: 'FAKEACCOUNT01',
      transaction_id: init.id,
      ...(init.reference ? { paypal_reference_id: init.reference, paypal_reference_id_type: init.referenceType ?? (init.reference.startsWith('I-') ? 'SUB' : 'TXN') } : {}),
      transaction_event_code: init.code,
      transaction_initiation_date: stamp,
      transaction_updated_date: stamp,
      transaction_amount: { currency_code: currency, value: init.value },
      fee_amount: { currency_code: currency, value: init.value.startsWith('-') ? '0.00' : '-0.59' },
      transaction_status: init.status ?? 'S',
      protection_eligibility: '02',
    },
    payer_info: init.email
      ? {
          account_id: 'PAYER0000001',
          email_address: init.email,
          address_status: 'N',
          payer_status: 'Y',
          payer_name: init.name ? { given_name: init.name.split(' ')[0], surname: init.name.split(' ').slice(1).join(' '), alternate_full_name: init.name } : undefined,
          country_code: 'US',
        }
      : {},
    shipping_info: {},
    cart_info: {},
    store_info: {},
    auction_info: {},
    incentive_info: {},
  };
}

export class FakePayPal extends FakeHttpServer {
  transactions: PayPalTransaction[] = [];
  /** PayPal's data is refreshed up to here; later start dates are "not available". */
  lastRefreshed: Date;
  /** The app credentials it accepts (change them to simulate a rotated secret). */
  credentials = { ...PAYPAL_CLIENT };
  private readonly tokens = new Set<string>();
  private issued = 0;

  constructor(now: Date) {
    super();
    this.lastRefreshed = now;
  }

  /** Every access token so far stops working (as after an expiry). */
  expireTokens(): void {
    this.tokens.clear();
  }

  protected handle(r: RecordedRequest): JsonAnswer {
    if (r.method === 'POST' && r.path === '/v1/oauth2/token') return this.token(r);
    if (r.method === 'GET' && r.path === '/v1/reporting/transactions') return this.search(r);
    return { status: 404, body: { name: 'RESOURCE_NOT_FOUND', message: 'The specified resource does not exist.' } };
  }

  private token(r: RecordedRequest): JsonAnswer {
    const expected = `Basic ${Buffer.from(`${this.credentials.id}:${this.credentials.secret}`).toString('base64')}`;
    if (r.headers.authorization !== expected) return { status: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed' } };
    if (new URLSearchParams(r.body).get('grant_type') !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Grant Type is NULL' } };
    }
    const token = `A21AA-fake-token-${++this.issued}`;
    this.tokens.add(token);
    return {
      status: 200,
      body: {
        scope: 'https://uri.paypal.com/services/reporting/search/read openid',
        access_token: token,
        token_type: 'Bearer',
        app_id: 'APP-80W284485P519543T',
        expires_in: 32400,
        nonce: '2026-11-25T12:00:00ZfakeNonce',
      },
    };
  }

  private search(r: RecordedRequest): JsonAnswer {
    const auth = String(r.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) {
      return { status: 401, body: { name: 'AUTHENTICATION_FAILURE', message: 'Authentication failed due to invalid authentication credentials or a missing Authorization header.', links: [] } };
    }
    const invalid = (field: string, issue: string): JsonAnswer => ({
      status: 400,
      body: { name: 'INVALID_REQUEST', message: 'Request is not well-formed, syntactically incorrect, or violates schema.', details: [{ field, value: r.query.get(field) ?? '', location: 'query', issue }] },
    });
    const start = new Date(r.query.get('start_date') ?? '');
    const end = new Date(r.query.get('end_date') ?? '');
    if (Number.isNaN(start.getTime())) return invalid('start_date', 'Required field is missing or invalid');
    if (Number.isNaN(end.getTime())) return invalid('end_date', 'Required field is missing or invalid');
    if (end.getTime() - start.getTime() > MAX_RANGE_MS) return invalid('end_date', 'Date range is greater than 31 days');
    if (end.getTime() < start.getTime()) return invalid('end_date', 'End date must be after start date');
    if (start.getTime() > this.lastRefreshed.getTime()) {
      return { status: 400, body: { name: 'INVALID_REQUEST', message: 'Data for the given start date is not available.', details: [] } };
    }
    const pageSize = Number(r.query.get('page_size') ?? 100);
    const page = Number(r.query.get('page') ?? 1);
    if (!(pageSize >= 1 && pageSize <= 500)) return invalid('page_size', 'page_size must be between 1 and 500');
    const until = Math.min(end.getTime(), this.lastRefreshed.getTime());
    const matching = this.transactions
      .filter((t) => {
        const at = Date.parse(t.transaction_info.transaction_initiation_date.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
        return at >= start.getTime() && at < until;
      })
      .sort((a, b) => a.transaction_info.transaction_initiation_date.localeCompare(b.transaction_info.transaction_initiation_date));
    const totalPages = Math.max(1, Math.ceil(matching.length / pageSize));
    if (page < 1 || page > totalPages) return invalid('page', 'Page number is out of range');
    return {
      status: 200,
      body: {
        transaction_details: matching.slice((page - 1) * pageSize, page * pageSize),
        account_number: 'FAKEACCOUNT01',
        start_date: r.query.get('start_date'),
        end_date: r.query.get('end_date'),
        last_refreshed_datetime: `${this.lastRefreshed.toISOString().slice(0, 19)}+0000`,
        page,
        total_items: matching.length,
        total_pages: totalPages,
        links: [{ href: `https://api-m.paypal.com/v1/reporting/transactions?page=${page}`, rel: 'self', method: 'GET' }],
      },
    };
  }
}
