import { formatCents } from '../../payments/money';

export interface Money {
  amountCents: number;
  currency: string;
}

export type RefundOutcome =
  /** Everything paid was given back: the payment stops buying time. */
  | { kind: 'void' }
  /** Only part of it: the time stays, the admin decides. */
  | { kind: 'review'; reason: string };

/**
 * What the completed refunds and reversals of one payment (this one included) mean for it:
 * together at least what it paid, in its currency, and it is taken back; less, or not comparable
 * (another currency, a payment with no amount), and the admin is asked.
 */
export function refundOutcome(payment: { amountCents: number | null; currency: string | null }, refunds: Money[]): RefundOutcome {
  if (payment.amountCents === null || payment.currency === null) return { kind: 'review', reason: 'the payment has no amount to compare with' };
  const other = refunds.find((r) => r.currency !== payment.currency);
  if (other) return { kind: 'review', reason: `given back in ${other.currency}, paid in ${payment.currency}` };
  const back = refunds.reduce((sum, r) => sum + r.amountCents, 0);
  if (back >= payment.amountCents) return { kind: 'void' };
  return { kind: 'review', reason: `partial: ${formatCents(back, payment.currency)} of ${formatCents(payment.amountCents, payment.currency)} given back` };
}
