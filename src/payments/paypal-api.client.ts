import { Retryable, withRetries } from '../http/retry';
import axios, { isAxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { z } from 'zod';
import { PaymentAuthError, PaymentHttpError, PaymentNetworkError, PaymentResponseError, PaymentSourceError, PaymentTimeoutError } from './errors';
import { decimalToCents } from './money';
import { classifyPayPalEventCode, normalizePayPalStatus } from './paypal-rules';
import type { SourceFetch, TransactionSource } from './source';
import { isSubscriptionId } from './subscription-id';
import { validateTransaction, type ImportedTransaction } from './transaction';

export interface PayPalApiOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  /** Extra attempts after a 5xx, a 429 or a dropped connection. */
  retries?: number;
  retryDelayMs?: number;
}

const PROVIDER = 'PayPal';
/** The Transaction Search API refuses ranges longer than 31 days. */
export const PAYPAL_MAX_WINDOW_MS = 31 * 86_400_000;
const PAGE_SIZE = 500;

const tokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().optional() });

const moneySchema = z.object({ currency_code: z.string(), value: z.string() });
const detailSchema = z.object({
  transaction_info: z.object({
    transaction_id: z.string().min(1),
    paypal_reference_id: z.string().optional(),
    paypal_reference_id_type: z.string().optional(),
    transaction_event_code: z.string().default(''),
    transaction_initiation_date: z.string(),
    transaction_updated_date: z.string().optional(),
    transaction_amount: moneySchema,
    transaction_status: z.string().default(''),
  }),
  payer_info: z
    .object({
      email_address: z.string().optional(),
      payer_name: z.object({ given_name: z.string().optional(), surname: z.string().optional(), alternate_full_name: z.string().optional() }).optional(),
    })
    .optional(),
});
const pageSchema = z.object({
  transaction_details: z.array(z.unknown()).default([]),
  total_pages: z.coerce.number().int().nonnegative().default(0),
  page: z.coerce.number().int().optional(),
  last_refreshed_datetime: z.string().optional(),
});


/**
 * PayPal's Transaction Search API: an OAuth client-credentials token, then the owner's
 * transactions in windows of at most 31 days, page by page. The only code that talks to it.
 */
export class PayPalApiClient implements TransactionSource {
  readonly name = 'paypal-api' as const;
  private readonly http: AxiosInstance;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private token: { value: string; expiresAt: number } | null = null;

  constructor(private readonly options: PayPalApiOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: this.timeoutMs,
      // Statuses are handled here so that every failure becomes a typed error.
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  async fetch(since: Date, until: Date): Promise<SourceFetch> {
    const result: SourceFetch = { transactions: [], ignored: 0, syncedThrough: since, notes: [] };
    for (let start = since.getTime(); start < until.getTime(); ) {
      const end = Math.min(start + PAYPAL_MAX_WINDOW_MS, until.getTime());
      const window = await this.fetchWindow(new Date(start), new Date(end), result);
      if (window === 'not-available') {
        result.notes.push(`PayPal has no data from ${iso(new Date(start))} yet (it can take up to 3 hours): the next sync picks up there`);
        return result;
      }
      // PayPal answers with data refreshed up to some instant: what lies after it comes next time.
      if (window.refreshedUntil && window.refreshedUntil.getTime() < end) {
        result.syncedThrough = new Date(Math.max(start, window.refreshedUntil.getTime()));
        result.notes.push(`PayPal has data up to ${iso(window.refreshedUntil)}: the next sync picks up there`);
        return result;
      }
      result.syncedThrough = new Date(end);
      start = end;
    }
    return result;
  }

  private async fetchWindow(start: Date, end: Date, into: SourceFetch): Promise<{ refreshedUntil: Date | null } | 'not-available'> {
    let refreshedUntil: Date | null = null;
    for (let page = 1, totalPages = 1; page <= totalPages; page++) {
      const params = { start_date: iso(start), end_date: iso(end), fields: 'all', page_size: String(PAGE_SIZE), page: String(page) };
      const request = 'GET /v1/reporting/transactions';
      const response = await this.authorized(
        request,
        (token) => this.http.get('/v1/reporting/transactions', { params, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }),
        (r) => r.status === 400 && isNotAvailableYet(r.data),
      );
      if (response.status === 400) return 'not-available';
      const parsed = pageSchema.safeParse(response.data);
      if (!parsed.success) throw new PaymentResponseError(PROVIDER, request, 'not a transaction search result');
      totalPages = parsed.data.total_pages;
      if (parsed.data.last_refreshed_datetime) refreshedUntil = parsePayPalDate(parsed.data.last_refreshed_datetime);
      for (const raw of parsed.data.transaction_details) {
        const item = this.toTransaction(raw, request);
        if (item === null) into.ignored++;
        else into.transactions.push(item);
      }
    }
    return { refreshedUntil };
  }

  private toTransaction(raw: unknown, request: string): ImportedTransaction | null {
    const parsed = detailSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PaymentResponseError(PROVIDER, request, `transaction_details item: ${issue.path.join('.')}: ${issue.message}`);
    }
    const info = parsed.data.transaction_info;
    const signed = decimalToCents(info.transaction_amount.value);
    if (signed === null) throw new PaymentResponseError(PROVIDER, request, `amount "${info.transaction_amount.value}" of ${info.transaction_id}`);
    const kind = classifyPayPalEventCode(info.transaction_event_code, signed);
    if (kind === 'ignored') return null;
    const reference = info.paypal_reference_id?.trim() || null;
    // Real data sometimes leaves the reference type empty: the I- prefix is what tells a subscription.
    const subscriptionId = kind === 'payment' && reference && isSubscriptionId(reference, 'paypal') ? reference : null;
    const name = parsed.data.payer_info?.payer_name;
    const payerName = name?.alternate_full_name?.trim() || [name?.given_name, name?.surname].filter(Boolean).join(' ').trim() || null;
    const checked = validateTransaction({
      source: 'paypal',
      transactionId: info.transaction_id,
      kind,
      status: normalizePayPalStatus(info.transaction_status),
      occurredAt: parsePayPalDate(info.transaction_initiation_date),
      amountCents: Math.abs(signed),
      currency: info.transaction_amount.currency_code.toUpperCase(),
      payerEmail: parsed.data.payer_info?.email_address?.trim() || null,
      payerName,
      subscriptionId,
      referenceTransactionId: kind === 'payment' ? null : reference,
    });
    if (!checked.ok) throw new PaymentResponseError(PROVIDER, request, `${info.transaction_id}: ${checked.reason}`);
    return checked.value;
  }

  /**
   * Runs a request with a valid token (one PayPal stopped accepting is renewed once), retrying
   * 5xx, 429 and dropped connections. A 2xx, or an answer `accept` takes, is returned; any other
   * status becomes a typed error.
   */
  private async authorized(
    request: string,
    send: (token: string) => Promise<AxiosResponse>,
    accept: (response: AxiosResponse) => boolean = () => false,
  ): Promise<AxiosResponse> {
    return this.withRetries(request, async () => {
      let response = await send(await this.accessToken());
      if (response.status === 401) {
        this.token = null;
        response = await send(await this.accessToken());
      }
      if (!accept(response)) this.check(response, request);
      return response;
    });
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    const request = 'POST /v1/oauth2/token';
    const response = await this.withRetries(request, async () => {
      const answer = await this.http.post('/v1/oauth2/token', 'grant_type=client_credentials', {
        auth: { username: this.options.clientId, password: this.options.clientSecret },
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      });
      if (answer.status === 401 || answer.status === 403) {
        throw new PaymentAuthError(`PayPal rejected the app credentials (${answer.status}): check PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET (live or sandbox, and PAYPAL_API_URL to match)`);
      }
      this.check(answer, request);
      return answer;
    });
    const parsed = tokenSchema.safeParse(response.data);
    if (!parsed.success) throw new PaymentResponseError(PROVIDER, request, 'no access_token');
    // Renew a minute early rather than have a request refused halfway through a sync.
    this.token = { value: parsed.data.access_token, expiresAt: Date.now() + Math.max(0, (parsed.data.expires_in ?? 3600) - 60) * 1000 };
    return this.token.value;
  }

  private check(response: AxiosResponse, request: string): void {
    const status = response.status;
    if (status >= 200 && status < 300) return;
    if (status === 401) throw new PaymentAuthError('PayPal rejected the access token (401): check PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET');
    if (status === 403) {
      throw new PaymentAuthError(
        'PayPal refused the transaction search (403): enable "Transaction Search" for the app in the PayPal developer dashboard',
      );
    }
    if (status === 429 || status >= 500) throw new Retryable((attempts) => new PaymentHttpError(PROVIDER, status, request, attempts));
    throw new PaymentHttpError(PROVIDER, status, request, 1, describePayPalError(response.data));
  }

  private async withRetries<T>(request: string, attempt: () => Promise<T>): Promise<T> {
    return withRetries(attempt, (raw) => this.classify(raw, request), { retries: this.retries, delayMs: this.retryDelayMs });
  }

  private classify(raw: unknown, request: string): Error {
    if (raw instanceof PaymentSourceError || raw instanceof Retryable) return raw;
    if (isAxiosError(raw)) {
      const code = raw.code ?? '';
      if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(raw.message)) return new PaymentTimeoutError(PROVIDER, request, this.timeoutMs);
      // Never the axios message as a whole: its config carries the credentials.
      return new Retryable((attempts) => new PaymentNetworkError(PROVIDER, request, this.options.baseUrl, code || 'network error', attempts));
    }
    return raw instanceof Error ? raw : new Error(String(raw));
  }
}

/** "Data for the given start date is not available": PayPal has not refreshed that far yet. */
function isNotAvailableYet(body: unknown): boolean {
  const b = body as { name?: string; message?: string; details?: Array<{ issue?: string; description?: string }> } | null;
  const text = `${b?.message ?? ''} ${(b?.details ?? []).map((d) => `${d.issue ?? ''} ${d.description ?? ''}`).join(' ')}`;
  return /not available|not yet available/i.test(text);
}

function describePayPalError(body: unknown): string | undefined {
  const b = body as { name?: string; message?: string } | null;
  return b && (b.name || b.message) ? [b.name, b.message].filter(Boolean).join(': ') : undefined;
}

/** PayPal writes offsets as +0000, +00:00 or Z. */
export function parsePayPalDate(text: string): Date {
  return new Date(text.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** RFC 3339 with seconds, as the API wants. */
function iso(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
