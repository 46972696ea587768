import type { TransactionKind, TransactionStatus } from './transaction';

export type Direction = 'credit' | 'debit' | 'memo';

/**
 * What a PayPal row means for the subscriptions, from its Type and Balance Impact:
 * money in from a subscriber, a refund or reversal of such money, or something else
 * (memos are authorizations, not money; conversions, holds, withdrawals, money the owner sent).
 */
export function classifyPayPal(type: string, direction: Direction): TransactionKind | { ignored: string } {
  const t = type.toLowerCase();
  const other = { ignored: `${type || 'no Type'} (${direction === 'credit' ? 'Credit' : 'Debit'}): not a subscriber's payment` };
  if (direction === 'memo') return { ignored: `${type || 'no Type'} (Memo): not money` };
  if (/conversion/.test(t)) return { ignored: `${type}: the converted payment is imported in its own currency` };
  if (/hold|authori[sz]ation|withdrawal|transfer|deposit|fee|invoice/.test(t)) return other;
  if (/refund/.test(t)) return direction === 'debit' ? 'refund' : other;
  if (/reversal|chargeback/.test(t)) return direction === 'debit' ? 'reversal' : other;
  if (direction === 'credit' && /payment|donation|received|subscription/.test(t)) return 'payment';
  return other;
}

/** PayPal's Status words (CSV) and one-letter codes (API), normalized. */
export function normalizePayPalStatus(status: string): TransactionStatus {
  const s = status.trim().toLowerCase();
  // A refunded payment was still received: the refund is its own row.
  if (/^(completed|cleared|success|s|refunded|partially refunded)$/.test(s)) return 'completed';
  if (/^(pending|p|uncleared|held|on hold|unclaimed|in progress|placed)$/.test(s)) return 'pending';
  if (/^(denied|d|failed|declined)$/.test(s)) return 'denied';
  if (/^(reversed|v)$/.test(s)) return 'reversed';
  if (/^(canceled|cancelled|voided|expired|removed)$/.test(s)) return 'canceled';
  return 'other';
}

/**
 * PayPal's transaction event codes (Transaction Search API) → the same meanings. T00xx are
 * payments received, T1106 a reversal, T1107 a refund, T1201 a chargeback; the rest (conversions
 * T02xx, withdrawals T04xx, holds T15xx, …) are not subscribers' money.
 */
export function classifyPayPalEventCode(code: string, amountCents: number): TransactionKind | 'ignored' {
  if (/^T00\d\d$/.test(code)) return amountCents > 0 ? 'payment' : 'ignored';
  if (code === 'T1107') return amountCents < 0 ? 'refund' : 'ignored';
  if (code === 'T1106' || code === 'T1201') return amountCents < 0 ? 'reversal' : 'ignored';
  return 'ignored';
}
