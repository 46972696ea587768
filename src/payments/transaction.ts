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
  const parsed = importedTransactionSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  // Every problem of the transaction, not only the first: the admin fixes the row once.
  return { ok: false, reason: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'transaction'}: ${issue.message}`).join('; ') };
}
