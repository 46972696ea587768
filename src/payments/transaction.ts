import { z } from 'zod';
import { isIsoCurrency } from './money';
import { isSubscriptionId, SUBSCRIPTION_ID_RULE } from './subscription-id';

/**
 * The one shape every payment source (PayPal CSV, PayPal API, Stripe) is normalized into before
 * the import rules see it. Amounts are positive hundredths of the currency unit, like plan prices
 * (¥1,560 is 156000, as `plans create --price 1560` stores it); `kind` says which way money went.
 */
export const importedTransactionSchema = z.object({
  source: z.enum(['paypal', 'stripe']),
  transactionId: z.string().trim().min(1).max(64),
  kind: z.enum(['payment', 'refund', 'reversal']),
  status: z.enum(['completed', 'pending', 'denied', 'reversed', 'canceled', 'other']),
  occurredAt: z.date().refine((d) => !Number.isNaN(d.getTime()), 'invalid date'),
  amountCents: z.number().int().nonnegative().max(2_000_000_000),
  currency: z.string().refine(isIsoCurrency, 'must be an ISO 4217 currency code like USD or EUR'),
  payerEmail: z
    .string()
    .trim()
    .max(255)
    .transform((v) => v.toLowerCase())
    .nullable(),
  payerName: z.string().trim().max(255).nullable(),
  subscriptionId: z
    .string()
    .trim()
    .refine((v) => isSubscriptionId(v), `is not a subscription ID: ${SUBSCRIPTION_ID_RULE}`)
    .nullable(),
  referenceTransactionId: z.string().trim().min(1).max(64).nullable(),
  /** The `client_reference_id` of the Stripe Checkout Session that took this payment: it names the user. */
  checkoutReference: z.string().trim().min(1).max(200).nullable().optional(),
  /** The CSV line the transaction starts on (CSV imports only). */
  line: z.number().int().positive().optional(),
});

export type ImportedTransaction = z.infer<typeof importedTransactionSchema>;
export type TransactionKind = ImportedTransaction['kind'];
export type TransactionStatus = ImportedTransaction['status'];

/** A row of an import that cannot be read; the whole file is refused when there is any. */
export interface RejectedRow {
  line: number;
  reason: string;
}

/** Validates one normalized transaction; answers the first problem in words, or the parsed value. */
export function validateTransaction(input: unknown): { ok: true; value: ImportedTransaction } | { ok: false; reason: string } {
  // A file of 50,000 rows pays zod's per-call cost 50,000 times: the same checks written out take a
  // tenth of it. Anything they do not plainly accept goes to the schema, which decides and words it.
  const fast = acceptPlainly(input);
  if (fast) return { ok: true, value: fast };
  const parsed = importedTransactionSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  // Every problem of the transaction, not only the first: the admin fixes the row once.
  return { ok: false, reason: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'transaction'}: ${issue.message}`).join('; ') };
}

const SOURCES: ReadonlySet<unknown> = new Set(importedTransactionSchema.shape.source.options);
const KINDS: ReadonlySet<unknown> = new Set(importedTransactionSchema.shape.kind.options);
const STATUSES: ReadonlySet<unknown> = new Set(importedTransactionSchema.shape.status.options);

/** Already trimmed (the schema trims), and within its lengths. */
function trimmed(v: unknown, min: number, max: number): v is string {
  return typeof v === 'string' && v.length >= min && v.length <= max && v.trim() === v;
}

/**
 * The schema's answer for an input that passes every check as it is, or null when it might not
 * (then the schema is asked). Never accepts what the schema refuses, and answers what it would:
 * the same keys in the same order, the payer email in lower case.
 */
function acceptPlainly(input: unknown): ImportedTransaction | null {
  if (typeof input !== 'object' || input === null) return null;
  const t = input as Record<string, unknown>;
  const { occurredAt, amountCents, payerEmail, payerName, subscriptionId, referenceTransactionId } = t;
  if (!SOURCES.has(t.source) || !KINDS.has(t.kind) || !STATUSES.has(t.status)) return null;
  if (!trimmed(t.transactionId, 1, 64)) return null;
  if (!(occurredAt instanceof Date) || Number.isNaN(occurredAt.getTime())) return null;
  if (typeof amountCents !== 'number' || !Number.isInteger(amountCents) || amountCents < 0 || amountCents > 2_000_000_000) return null;
  if (typeof t.currency !== 'string' || !isIsoCurrency(t.currency)) return null;
  if (payerEmail !== null && !trimmed(payerEmail, 0, 255)) return null;
  if (payerName !== null && !trimmed(payerName, 0, 255)) return null;
  if (subscriptionId !== null && !(trimmed(subscriptionId, 0, Infinity) && isSubscriptionId(subscriptionId))) return null;
  if (referenceTransactionId !== null && !trimmed(referenceTransactionId, 1, 64)) return null;
  const value: ImportedTransaction = {
    source: t.source as ImportedTransaction['source'],
    transactionId: t.transactionId,
    kind: t.kind as ImportedTransaction['kind'],
    status: t.status as ImportedTransaction['status'],
    occurredAt,
    amountCents,
    currency: t.currency,
    payerEmail: payerEmail === null ? null : payerEmail.toLowerCase(),
    payerName,
    subscriptionId,
    referenceTransactionId,
  };
  if ('checkoutReference' in t) {
    const reference = t.checkoutReference;
    if (reference !== undefined && reference !== null && !trimmed(reference, 1, 200)) return null;
    value.checkoutReference = reference as string | null | undefined;
  }
  if ('line' in t) {
    const line = t.line;
    if (line !== undefined && !(typeof line === 'number' && Number.isSafeInteger(line) && line > 0)) return null;
    value.line = line as number | undefined;
  }
  return value;
}
